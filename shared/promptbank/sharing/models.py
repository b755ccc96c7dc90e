"""Request models of share links (API.md §4). Responses are plain dicts shaped in service.py."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from promptbank.inputs import StrictInput
from promptbank.prompts.models import VARIABLE_NAME

MAX_EXPIRY_HOURS = 8760
MAX_PREFILLED_VARIABLES = 200
MAX_PREFILLED_BYTES = 256 * 1024  # a share record must stay well under DynamoDB's 400 KB item limit


def _prefilled(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"'{name}' is not a valid variable name")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_PREFILLED_BYTES:
        raise ValueError(f"Prefilled variables may take at most {MAX_PREFILLED_BYTES // 1024} KiB in all")
    return value


PrefilledVariables = Annotated[
    dict[str, Annotated[str, Field(max_length=100_000)]],
    Field(max_length=MAX_PREFILLED_VARIABLES),
    AfterValidator(_prefilled),
]


class ShareCreate(StrictInput):
    prefilled_variables: PrefilledVariables = Field(default_factory=dict)
    expires_in_hours: Annotated[int, Field(ge=1, le=MAX_EXPIRY_HOURS)] | None = None


class ShareUpdate(StrictInput):
    prefilled_variables: PrefilledVariables


class ShareCompileIn(StrictInput):
    variables: dict[str, Any] = Field(default_factory=dict)
