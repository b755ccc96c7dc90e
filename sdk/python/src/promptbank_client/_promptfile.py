"""Prompt files of the CLI: the download `raw` format (API.md §3), YAML front matter between `---` lines, then the
content exactly.

The server writes the front matter (shared/promptbank/prompts/frontmatter.py) one `key: value` line per field,
every string double-quoted, so no line of it is a bare `---`; the first such line after the opening one closes it,
and everything after that line is the content, byte for byte (no newline added or removed). A file with no front
matter is all content (a new prompt written by hand).

Imported by the CLI only: the library itself does not depend on PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import yaml  # type: ignore[import-untyped]

__all__ = ["FIELDS", "PromptFile", "PromptFileError", "parse"]

#: The fields of the raw format's front matter, in the server's order.
FIELDS = (
    "name", "slug", "description", "category", "tags", "framework", "model_config", "system_prompt", "variables",
    "version",
)
_FENCE = "---"


class PromptFileError(ValueError):
    """The file is not a prompt file: its front matter does not close, is not YAML or has a field of a wrong type."""


@dataclass
class PromptFile:
    """A parsed prompt file. `None` means "not in the file" for every field but the nullable ones, for which the
    file may say `null` (`description`, `framework`, `system_prompt`, `model_config`): `present` tells them apart."""

    content: str
    name: Optional[str] = None
    slug: Optional[str] = None
    description: Optional[str] = None
    category: Optional[str] = None
    tags: Optional[List[str]] = None
    framework: Optional[str] = None
    model_config: Optional[Dict[str, Any]] = None
    system_prompt: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None
    version: Optional[int] = None
    #: the front matter's fields present in the file (known ones only)
    present: List[str] = field(default_factory=list)
    #: front matter keys this format does not know (ignored on push)
    unknown: List[str] = field(default_factory=list)
    has_front_matter: bool = False


def _split(text: str) -> tuple[Optional[str], str]:
    """(front matter text or None, content): content is everything after the closing fence line, exactly.
    Lines end at "\n" only (with an optional "\r" before it), as YAML's do."""
    first = text.find("\n")
    if first < 0 or text[:first].rstrip("\r") != _FENCE:
        return None, text
    start = position = first + 1
    while position < len(text):
        end = text.find("\n", position)
        line_end = len(text) if end < 0 else end + 1
        if text[position:line_end].rstrip("\r\n") == _FENCE:
            return text[start:position], text[line_end:]
        position = line_end
    raise PromptFileError("the front matter opened by the first `---` line is never closed by another `---` line")


def _str(name: str, value: Any, nullable: bool) -> Optional[str]:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if nullable else "a string"
        raise PromptFileError(f"`{name}` must be {kind} (quote it: \"...\"), not {value!r}")
    return value


def parse(text: str) -> PromptFile:
    """A prompt file from its text; raises PromptFileError when the front matter is broken."""
    front, content = _split(text)
    result = PromptFile(content=content)
    if front is None:
        return result
    result.has_front_matter = True
    try:
        loaded = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        raise PromptFileError(f"the front matter is not valid YAML: {exc}") from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise PromptFileError("the front matter must be a mapping of `key: value` lines")
    for key, value in loaded.items():
        if key not in FIELDS:
            result.unknown.append(str(key))
            continue
        result.present.append(key)
        if key in ("name", "slug", "category"):
            setattr(result, key, _str(key, value, nullable=False))
        elif key in ("description", "framework", "system_prompt"):
            setattr(result, key, _str(key, value, nullable=True))
        elif key == "tags":
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
                raise PromptFileError(f"`tags` must be a list of strings, not {value!r}")
            result.tags = list(value)
        elif key in ("model_config", "variables"):
            if value is not None and not isinstance(value, dict):
                raise PromptFileError(f"`{key}` must be a mapping ({{...}}), not {value!r}")
            setattr(result, key, dict(value) if value is not None else None)
        elif key == "version":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise PromptFileError(f"`version` must be a whole number, not {value!r}")
            result.version = value
    return result
