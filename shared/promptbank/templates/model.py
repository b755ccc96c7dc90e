"""The value types of the template language: variable types, specs, include references, errors, results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from promptbank.errors import ValidationFailed

# Variable types and their default max_length (API.md section 3, "Template language").
TYPES: dict[str, int] = {
    "text": 128,
    "textarea": 4000,
    "number": 32,
    "email": 254,
    "phone": 32,
    "list": 1000,
}
DEFAULT_TYPE = "text"
MAX_LENGTH_MIN = 1
MAX_LENGTH_MAX = 100_000
MAX_INCLUDE_DEPTH = 5

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 100
LABEL_RE = re.compile(r"[a-z0-9_-]{1,36}")


class TemplateSyntaxError(ValidationFailed):
    """Bad template syntax: a 400 VALIDATION_ERROR whose one detail carries a 1-based line and column."""

    def __init__(self, message: str, *, field: str = "content", line: int = 1, column: int = 1) -> None:
        self.field_name = field
        self.line = line
        self.column = column
        self.reason = message
        super().__init__(
            f"{field}: {message} (line {line}, column {column})",
            details=[{"field": field, "message": message, "line": line, "column": column}],
        )


@dataclass(frozen=True, slots=True)
class VariableSpec:
    """One variable of a prompt, as API.md's `Variable` object."""

    key: str
    type: str
    max_length: int
    description: str | None
    default_value: str | None
    required: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.type,
            "max_length": self.max_length,
            "description": self.description,
            "default_value": self.default_value,
            "required": self.required,
        }


@dataclass(frozen=True, slots=True)
class IncludeRef:
    """`{{> slug}}`, `{{> slug@label}}` or `{{> slug@3}}`; label and version are None when not pinned."""

    slug: str
    label: str | None
    version: int | None
    line: int
    column: int

    @property
    def key(self) -> tuple[str, str | None, int | None]:
        """What identifies the target (the position does not)."""
        return (self.slug, self.label, self.version)

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.slug}@{self.version}"
        if self.label is not None:
            return f"{self.slug}@{self.label}"
        return self.slug


@dataclass(frozen=True, slots=True)
class Compiled:
    """The result of `compile_parts`.

    `text_by_part[i]` is the rendered `parts[i]`, or None when `parts[i]` was None. The three name lists
    are sorted (code point order), so they do not move when a template is reordered.
    """

    text_by_part: tuple[str | None, ...]
    variables_used: list[str]
    missing_variables: list[str]
    unused_variables: list[str]
