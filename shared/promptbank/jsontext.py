"""JSON text from a client (a request body, a `variables` query parameter), parsed once with the API's limits.

Standard library only, so the light delivery path can use it too. A value is refused (400 VALIDATION_ERROR on
`field`) when it is not JSON, holds NaN/Infinity or a number out of range, an integer of over 4,300 digits,
a string (or key) with an unpaired surrogate (`"\\ud800"`: it parses but is no text), or arrays and objects
nested deeper than MAX_JSON_DEPTH (docs/http.md).
"""

from __future__ import annotations

import json
import math
from typing import Any

from promptbank.errors import ValidationFailed

#: Arrays and objects inside one another (`{}` is 1, `{"a": []}` is 2). DynamoDB stores at most 32 levels of
#: nesting, so a deeper value could not be kept anyway.
MAX_JSON_DEPTH = 32


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def malformed(field: str) -> ValidationFailed:
    if field == "body":
        return ValidationFailed("Malformed JSON body", details=[{"field": "body", "message": "Malformed JSON"}])
    return ValidationFailed.field(field, "Malformed JSON")


def loads(text: str, field: str = "body") -> Any:
    """The JSON value `text` holds, or ValidationFailed on `field`."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(field) from None
    except ValueError:  # JSONDecodeError, NaN/Infinity, a float out of range, an integer of over 4300 digits
        raise malformed(field) from None
    # Depth, and every string (keys too) once.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationFailed.field(
                    field, "A JSON string holds an unpaired surrogate (\\ud800-\\udfff)"
                ) from None
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(field)
        if isinstance(item, dict):
            pending.extend((key, depth) for key in item)
            item = item.values()
        pending.extend((child, depth + 1) for child in item if isinstance(child, (str, dict, list)))
    return value


def _too_deep(field: str) -> ValidationFailed:
    return ValidationFailed.field(field, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
