"""The base of every request body model: JSON types as sent, no unknown fields.

Powertools validates a body with `validate_python` on the parsed JSON, so strict mode here means a boolean
is only `true`/`false`, an integer only a JSON integer, a string only a JSON string (pydantic's lax mode
would read `"yes"`, `1` or `"1.5"` as values). A float still takes a JSON integer (`1` is 1.0), and a
`Literal` still takes its strings. Query and path parameters are not models and keep their string parsing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class StrictInput(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


def _whole_number(value: Any) -> Any:
    """A JSON number with no fraction (`3.0`) is an integer to JSON Schema, so it is one here too."""
    return int(value) if type(value) is float and value.is_integer() else value


#: For an integer field of a body, after its constraints (`Annotated[int, Field(ge=1), WHOLE]`, so that they stay
#: in the schema): a JSON integer, or a number with no fraction (`3544.0`), as JSON Schema's `integer` counts it;
#: never a string or a boolean (StrictInput).
WHOLE = BeforeValidator(_whole_number)
