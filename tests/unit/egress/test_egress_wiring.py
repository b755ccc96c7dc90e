"""The loopback guard reaches every test: each Makefile test, fuzz, load and benchmark target exports it, and the
local runtime hands the value it was started with to the functions, over anything the template says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from local.template import Resolver, Template, function_environment, functions

REPO_ROOT = Path(__file__).resolve().parents[3]
MAKEFILE = REPO_ROOT / "Makefile"
GUARDED = ("test", "bench", "fuzz", "load")


def guarded_targets() -> list[str]:
    names = re.findall(r"^([a-z][a-z0-9-]*)\s*:(?!=)", MAKEFILE.read_text(), re.MULTILINE)
    return sorted({name for name in names if name.startswith(GUARDED)})


def test_the_makefile_has_the_targets_this_test_knows_of():
    assert {"test", "test-unit", "test-e2e", "test-slow", "bench"} <= set(guarded_targets())


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", guarded_targets())
def test_the_target_exports_the_loopback_guard_whatever_the_shell_has(tmp_path, target):
    # Given a probe made a prerequisite of the target (prerequisites see its target-specific variables)
    probe = tmp_path / "probe.mk"
    probe.write_text(f"{target}: egress-probe\negress-probe:\n\t@echo EGRESS-PROBE=$(PROMPTBANK_EGRESS)\n")
    # When make plans the target (-n: nothing runs) from a shell that set another policy
    env = {**os.environ, "PROMPTBANK_EGRESS": "public"}
    env.pop("MAKEFLAGS", None)
    planned = subprocess.run(
        ["make", "-n", "--no-print-directory", "-f", str(MAKEFILE), "-f", str(probe), target],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then the target runs with the loopback guard
    assert "EGRESS-PROBE=loopback" in planned.stdout, planned.stdout + planned.stderr


def test_the_local_runtime_keeps_the_guard_it_was_started_with_over_the_template_and_overrides(tmp_path, monkeypatch):
    # Given a template (or an override) that would lift the guard, started from an environment that sets it
    template_path = tmp_path / "template.yaml"
    template_path.write_text(
        "Resources:\n"
        "  F: {Type: AWS::Serverless::Function, Properties: {Handler: f.h,"
        " Environment: {Variables: {PROMPTBANK_EGRESS: public}}}}\n"
    )
    monkeypatch.setenv("PROMPTBANK_EGRESS", "loopback")
    template = Template(template_path)
    resolver = Resolver(template)
    # When the functions' environment is built (as `python -m local` and mocked_aws build it)
    env, _ = function_environment(functions(template, resolver), resolver, {"PROMPTBANK_EGRESS": "public"})
    # Then the functions run under the guard
    assert env["PROMPTBANK_EGRESS"] == "loopback"
