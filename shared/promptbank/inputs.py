"""The base of every request body model: JSON types as sent, no unknown fields.

Powertools validates a body with `validate_python` on the parsed JSON, so strict mode here means a boolean
is only `true`/`false`, an integer only a JSON integer, a string only a JSON string (pydantic's lax mode
would read `"yes"`, `1` or `"1.5"` as values). A float still takes a JSON integer (`1` is 1.0), and a
`Literal` still takes its strings. Query and path parameters are not models and keep their string parsing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictInput(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
