"""The plain settings reader that replaced pydantic-settings: the same values from the same variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from promptbank.settings import Settings


def test_an_empty_environment_gives_the_local_defaults() -> None:
    settings = Settings.from_environ({})

    assert settings == Settings()
    assert (settings.stage, settings.table_name, settings.session_days, settings.egress) == ("local", "promptbank", 30, None)
    assert settings.rate_limits is True and settings.deployed is False


def test_the_template_variables_are_read() -> None:
    settings = Settings.from_environ(
        {
            "TABLE_NAME": "t",
            "PROMPTBANK_STAGE": "prod",
            "PROMPTBANK_SESSION_DAYS": " 7 ",
            "PROMPTBANK_EGRESS": " LOOPBACK ",
            "PROMPTBANK_PROVIDER_KEYS_SECRET": "  arn:secret  ",
            "PROMPTBANK_WEBHOOK_QUEUE_URL": "https://queue",
        }
    )

    assert (settings.table_name, settings.stage, settings.session_days) == ("t", "prod", 7)
    assert settings.egress == "loopback" and settings.deployed is True
    assert settings.provider_keys_secret == "arn:secret"
    assert settings.webhook_queue_url == "https://queue"


@pytest.mark.parametrize(("value", "expected"), [("off", False), (" OFF ", False), ("on", True), ("0", True), ("", True)])
def test_only_off_turns_the_rate_limits_off(value: str, expected: bool) -> None:
    assert Settings.from_environ({"PROMPTBANK_RATE_LIMITS": value}).rate_limits is expected


def test_a_blank_egress_is_unset() -> None:
    assert Settings.from_environ({"PROMPTBANK_EGRESS": "  "}).egress is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PROMPTBANK_STAGE", "staging"), ("PROMPTBANK_EGRESS", "anywhere"), ("PROMPTBANK_SESSION_DAYS", "thirty")],
)
def test_a_wrong_value_fails_naming_its_variable(variable: str, value: str) -> None:
    # The error pydantic-settings raised, so a function with a bad setting still fails to start the same way
    with pytest.raises(ValidationError, match=variable):
        Settings.from_environ({variable: value})
