"""Request models of prompts, labels and compilation (API.md §3). Outputs are plain dicts shaped in service.py."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, field_validator

from promptbank.inputs import StrictInput

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LABEL_PATTERN = r"^[a-z0-9_-]{1,36}$"
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
Label = Annotated[str, Field(pattern=LABEL_PATTERN)]
Tag = Annotated[str, Field(min_length=1, max_length=50)]


def _variable_defaults(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"'{name}' is not a valid variable name")
    return value


VariableDefaults = Annotated[dict[str, Annotated[str, Field(max_length=100_000)]], AfterValidator(_variable_defaults)]


class Input(StrictInput):
    model_config = ConfigDict(populate_by_name=True)


class ModelSettings(Input):
    """`model_config` on the wire (pydantic reserves that name, hence the alias)."""

    model: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=200_000)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    stop: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=4)] | None = None

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PromptCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    slug: Slug | None = None
    content: Annotated[str, Field(min_length=1, max_length=50_000)]
    system_prompt: Annotated[str, Field(max_length=50_000)] | None = None
    description: Annotated[str, Field(max_length=2_000)] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] = "Uncategorized"
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)
    framework: Annotated[str, Field(max_length=50)] | None = None
    variables: VariableDefaults = Field(default_factory=dict)
    model_settings: ModelSettings | None = Field(None, alias="model_config")
    is_public: bool = False
    publish: bool = True
    commit_message: Annotated[str, Field(max_length=500)] | None = None


class PromptUpdate(Input):
    """Every field optional. Explicit null clears `description`, `system_prompt`, `framework`, `model_config`,
    `commit_message`; it is rejected for the others (they cannot be empty)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = None  # type: ignore[assignment]
    slug: Slug = None  # type: ignore[assignment]
    content: Annotated[str, Field(min_length=1, max_length=50_000)] = None  # type: ignore[assignment]
    system_prompt: Annotated[str, Field(max_length=50_000)] | None = None
    description: Annotated[str, Field(max_length=2_000)] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] = None  # type: ignore[assignment]
    tags: Annotated[list[Tag], Field(max_length=20)] = None  # type: ignore[assignment]
    framework: Annotated[str, Field(max_length=50)] | None = None
    variables: VariableDefaults = None  # type: ignore[assignment]
    model_settings: ModelSettings | None = Field(None, alias="model_config")
    is_public: bool = None  # type: ignore[assignment]
    publish: bool = True
    commit_message: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("name", "slug", "content", "category", "tags", "variables", "is_public", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Cannot be null")
        return value


class LabelSet(Input):
    version: Annotated[int, Field(ge=1)]


class Publish(Input):
    version: Annotated[int, Field(ge=1)] | None = None


Variables = dict[str, Any]


class CompileIn(Input):
    variables: Variables = Field(default_factory=dict)
    version: Annotated[int, Field(ge=1)] | None = None
    label: Label | None = None
    strict: bool = False
