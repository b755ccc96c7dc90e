"""Test-wide setup: fake AWS credentials in us-east-1 (no real AWS account is reachable), outbound calls to
loopback only (no test reaches another machine), warning filters."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)
# Every outbound call (promptbank.egress) may connect to 127.0.0.0/8 and ::1 only, also when pytest is run by
# hand and whatever the shell has set; the Makefile's test targets set the same. LocalRuntime hands the
# environment to the runtime it starts, and local.template keeps this value over the template's.
os.environ["PROMPTBANK_EGRESS"] = "loopback"

# Property tests assert what a function admits, never how fast: Hypothesis' default 200 ms deadline per example
# fails them on a loaded 2-core CI machine (timing belongs in bench/).
settings.register_profile("promptbank", deadline=None)
settings.load_profile("promptbank")


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every metrics flush without metrics; tests don't emit metrics.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")
