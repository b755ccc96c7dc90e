"""Request and response models of share links (API.md §4)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import AfterValidator, Field

from promptbank.inputs import WHOLE, StrictInput
from promptbank.outputs import Output
from promptbank.prompts.models import VARIABLE_NAMES_SCHEMA, Variable, Variables, variable_names

MAX_EXPIRY_HOURS = 8760
MAX_PREFILLED_VARIABLES = 200
MAX_PREFILLED_BYTES = 256 * 1024  # a share record must stay well under DynamoDB's 400 KB item limit


def _prefilled(value: dict[str, str]) -> dict[str, str]:
    variable_names(value)
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_PREFILLED_BYTES:
        raise ValueError(f"Prefilled variables may take at most {MAX_PREFILLED_BYTES // 1024} KiB in all")
    return value


PrefilledVariables = Annotated[
    dict[str, Annotated[str, Field(max_length=100_000)]],
    Field(max_length=MAX_PREFILLED_VARIABLES, json_schema_extra=VARIABLE_NAMES_SCHEMA),
    AfterValidator(_prefilled),
]


class ShareCreate(StrictInput):
    prefilled_variables: PrefilledVariables = Field(default_factory=dict)
    expires_in_hours: Annotated[int, Field(ge=1, le=MAX_EXPIRY_HOURS), WHOLE] | None = None


class ShareUpdate(StrictInput):
    prefilled_variables: PrefilledVariables


class ShareCompileIn(StrictInput):
    variables: Variables = Field(default_factory=dict)


# Responses (API.md §4) -------------------------------------------------------------------------------------------
class Share(Output):
    """A share link. `share_url` is `<public base URL>/share/<token>`."""

    id: str
    token: str
    share_url: str
    prompt_id: str
    prefilled_variables: dict[str, str]
    expires_at: str | None
    created_at: str


class SharedPromptRef(Output):
    """The prompt a share link belongs to, as GET /v1/shares names it."""

    id: str
    name: str


class OwnedShare(Share):
    """A share link in the list of all the caller's links: flagged when expired, with its prompt."""

    is_expired: bool
    prompt: SharedPromptRef


class SharedPrompt(Output):
    """What a share link shows of its prompt (at the link's label)."""

    id: str
    name: str
    description: str | None
    content: str
    tags: list[str]
    variables: list[Variable]


class ResolvedShare(Output):
    """GET /v1/shares/{token}: the shared prompt, the prefilled values and the expiry."""

    prompt: SharedPrompt
    prefilled_variables: dict[str, str]
    expires_at: str | None
