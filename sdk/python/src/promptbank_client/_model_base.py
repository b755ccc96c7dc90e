"""The base of the generated models: their schemas are built on first use, not on import (an application that
compiles one prompt must not pay for all ~90 models at start-up)."""

from pydantic import BaseModel, ConfigDict


class APIModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
