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
# The most characters a compile may produce (content plus system prompt, includes included). A save whose
# worst case is larger is refused, and a compile stops before building a larger text (docs/templates.md).
MAX_COMPILED_CHARS = 1_000_000

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


class CompiledTooLarge(ValidationFailed):
    """A 400 VALIDATION_ERROR: a compile (or a save's worst case) exceeds MAX_COMPILED_CHARS.

    `chain` is the include chain the largest part of the size comes through (`a -> b -> c`), or None when the
    template's own text and variables make it too large; the detail carries the position of the chain's first
    include in the template, when there is one.
    """

    def __init__(
        self,
        size: int,
        limit: int,
        *,
        worst_case: bool,
        field: str,
        chain: str | None,
        at: IncludeRef | None,
    ) -> None:
        self.size = size
        self.limit = limit
        self.chain = chain
        what = "could compile to up to" if worst_case else "would compile to"
        message = f"The prompt {what} {size:,} characters, more than the maximum of {limit:,}"
        if chain is not None:
            message += f"; most of it comes through the include chain {chain}"
        detail: dict[str, Any] = {"field": field, "message": message}
        if at is not None:
            detail.update(line=at.line, column=at.column)
        super().__init__(f"{field}: {message}", details=[detail])
