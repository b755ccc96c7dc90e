"""Settings read once per container from the environment (template.yaml's Globals and function variables).

The one module that reads the environment: everything else asks `get_settings()` (or the two per-call
overrides at the end).

A plain reader, not a pydantic-settings model: importing pydantic-settings and building the model cost about
20 ms of every cold start (docs/operations.md, "Cold starts"), for a dozen string variables. Each value is
parsed and checked here as the model's validators did, and a wrong value raises the pydantic ValidationError
the model raised (naming the variable), so a function with a bad setting still fails to start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast

from pydantic_core import ValidationError

Stage = Literal["local", "dev", "prod"]
Egress = Literal["public", "loopback"]
STAGES: tuple[Stage, ...] = ("local", "dev", "prod")
EGRESS_MODES: tuple[Egress, ...] = ("public", "loopback")


@dataclass(frozen=True)
class Settings:
    table_name: str = "promptbank"
    stage: Stage = "local"
    public_base_url: str = "http://127.0.0.1:3000"
    cursor_secret: str = "local-cursor-secret-change-me"
    stack_name: str = "promptbank-local"
    kms_key_id: str = ""
    session_days: int = 30
    #: Where outbound calls may connect (promptbank.egress): unset = by stage (deployed: public addresses only;
    #: local: anywhere); "public"; "loopback" = 127.0.0.0/8 and ::1 only (every test target sets it).
    egress: Egress | None = None
    #: Locally, `off` turns the AI limiter off (as it turns off the local gateway's usage plans); any other
    #: value, or none, leaves it on. Deployed, the limiter is always on whatever this says.
    rate_limits: bool = True
    #: The Secrets Manager secret holding the deployment's default provider keys ("" = none).
    provider_keys_secret: str = ""
    #: The queue of suite run chunks (the eval outbox sends to it, the eval worker reads it).
    eval_queue_url: str = ""
    #: The queue of webhook delivery attempts (the events consumer, the sender and the retry dispatcher send to it).
    webhook_queue_url: str = ""

    @property
    def deployed(self) -> bool:
        return self.stage != "local"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()

        def text(name: str, default: str) -> str:
            value = env.get(name)
            return default if value is None else value

        return cls(
            table_name=text("TABLE_NAME", defaults.table_name),
            stage=_choice("PROMPTBANK_STAGE", text("PROMPTBANK_STAGE", defaults.stage), STAGES),
            public_base_url=text("PROMPTBANK_PUBLIC_BASE_URL", defaults.public_base_url),
            cursor_secret=text("PROMPTBANK_CURSOR_SECRET", defaults.cursor_secret),
            stack_name=text("PROMPTBANK_STACK_NAME", defaults.stack_name),
            kms_key_id=text("PROMPTBANK_KMS_KEY_ID", defaults.kms_key_id),
            session_days=_integer("PROMPTBANK_SESSION_DAYS", env.get("PROMPTBANK_SESSION_DAYS"), defaults.session_days),
            egress=_egress(env.get("PROMPTBANK_EGRESS")),
            rate_limits=_rate_limits(env.get("PROMPTBANK_RATE_LIMITS")),
            provider_keys_secret=text("PROMPTBANK_PROVIDER_KEYS_SECRET", "").strip(),
            eval_queue_url=text("PROMPTBANK_EVAL_QUEUE_URL", defaults.eval_queue_url),
            webhook_queue_url=text("PROMPTBANK_WEBHOOK_QUEUE_URL", defaults.webhook_queue_url),
        )


def _invalid(name: str, value: str, error_type: str, **context: Any) -> ValidationError:
    """pydantic's error for `name`, as the settings model reported it."""
    error: dict[str, Any] = {"type": error_type, "loc": (name,), "input": value}
    if context:
        error["ctx"] = context
    return ValidationError.from_exception_data("Settings", [error])  # type: ignore[list-item]


def _expected(allowed: tuple[str, ...]) -> str:
    quoted = [repr(choice) for choice in allowed]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> Stage:
    if value not in allowed:
        raise _invalid(name, value, "literal_error", expected=_expected(allowed))
    return cast(Stage, value)


def _integer(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise _invalid(name, value, "int_parsing") from None


def _egress(value: str | None) -> Egress | None:
    """Blank is unset; otherwise `public` or `loopback`, in any letter case."""
    wanted = (value or "").strip().lower()
    if not wanted:
        return None
    if wanted not in EGRESS_MODES:
        raise _invalid("PROMPTBANK_EGRESS", value or "", "literal_error", expected=_expected(EGRESS_MODES))
    return wanted


def _rate_limits(value: str | None) -> bool:
    """Only `off` (any case, surrounding blanks ignored) turns the limits off."""
    return value is None or value.strip().lower() != "off"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()


# Read at each call, by design: the only environment lookups outside Settings. Both are overrides a test or an
# operator switches while a process runs (a fake provider's address, a directory of token encodings), and the
# provider tests assert that a change takes effect at the next call (docs/decisions.md, 2026-12-02).


def provider_base_url(provider: str) -> str:
    """`PROMPTBANK_<PROVIDER>_BASE_URL`, stripped ("" when unset)."""
    return os.environ.get(provider_base_url_variable(provider), "").strip()


def provider_base_url_variable(provider: str) -> str:
    return f"PROMPTBANK_{provider.upper()}_BASE_URL"


def encodings_dir() -> str | None:
    """`PROMPTBANK_ENCODINGS_DIR`: the one directory token encodings are read from, when set."""
    return os.environ.get("PROMPTBANK_ENCODINGS_DIR") or None
