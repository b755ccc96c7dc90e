"""Variable values: turning a JSON value into the text a placeholder renders, and checking it by type."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# The WHATWG (HTML `<input type=email>`) rule.
EMAIL_RE = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
PHONE_RE = re.compile(r"\+?[0-9 ().-]{5,32}")
PATTERNS = {"number": NUMBER_RE, "email": EMAIL_RE, "phone": PHONE_RE}  # what a non-empty text must match

Check = tuple[str, int]  # (type, max_length)
TEXT_CHECK: tuple[Check, ...] = (("text", 128),)

_SHAPE = "must be a string, number, boolean or array of strings"


class BadValue(Exception):
    """A value that may not be rendered; `message` goes into the error detail as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def scalar_text(value: Any) -> str:
    """The JSON text of a string, number or boolean (a string is itself). Raises BadValue otherwise."""
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return "true" if value else "false"
    if t is int:
        try:
            return str(value)
        except ValueError:  # more digits than int -> str allows
            raise BadValue("is not a valid number") from None
    if t is float:
        if not math.isfinite(value):
            raise BadValue("must be a finite number")
        return repr(value)  # the same text as json.dumps: 3.0 -> "3.0", 1e20 -> "1e+20"
    # Subclasses (str enums, numpy-free ints...) are treated as their base type.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return scalar_text(int(value))
    if isinstance(value, float):
        return scalar_text(float(value))
    if isinstance(value, dict):
        raise BadValue("nested objects are not allowed")
    raise BadValue(_SHAPE)


def value_text(value: Any, checks: Iterable[Check] | None) -> str:
    """The text `value` renders as, validated against every (type, max_length) it is declared with.

    `checks` None: the name is not used by the templates; () : it is only tested by sections. Either way
    any string, number, boolean or array of those is accepted (objects never are). An empty string is
    a valid value of every type. Raises BadValue with a message for the error detail.
    """
    if type(value) is str:
        text: str = value
    elif isinstance(value, list | tuple):
        if checks is not None and any(typ != "list" for typ, _ in checks):
            raise BadValue("arrays are only allowed for list variables")
        parts = []
        for item in value:
            if isinstance(item, list | tuple | dict) or item is None:
                raise BadValue("list items must be strings, numbers or booleans")
            parts.append(scalar_text(item))
        text = ", ".join(parts)
    else:
        text = scalar_text(value)
    if checks is None:
        return text
    size = len(text)
    for typ, max_length in checks:
        if size > max_length:
            raise BadValue(f"is longer than {max_length} characters")
        if not text or typ == "text" or typ == "textarea" or typ == "list":
            continue
        if typ == "number":
            if NUMBER_RE.fullmatch(text) is None:
                raise BadValue("must be a finite decimal number")
        elif typ == "email":
            if EMAIL_RE.fullmatch(text) is None:
                raise BadValue("must be an email address")
        elif typ == "phone" and PHONE_RE.fullmatch(text) is None:
            raise BadValue("must be a phone number (digits, spaces, ( ) . - and an optional leading +)")
    return text


def is_empty(value: Any) -> bool:
    """Section truth: None (absent), "", [] and false are empty; everything else, 0 included, is not.

    (compile_parts inlines this: keep both in step.)
    """
    if value is None or value is False:
        return True
    if type(value) is str or isinstance(value, str | list | tuple):
        return len(value) == 0
    return False
