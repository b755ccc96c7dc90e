"""The liveness answer of `GET /v1/health` (API.md §8)."""

from __future__ import annotations

from typing import Literal

from promptbank.outputs import Output


class Health(Output):
    status: Literal["ok"]
    version: str
