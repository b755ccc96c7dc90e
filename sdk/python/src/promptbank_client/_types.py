"""Results of the cached calls: the API's shapes plus `is_fallback`, and how a fallback string becomes one."""

from __future__ import annotations

from typing import Optional

from ._models import Compiled, ModelConfig, Prompt

__all__ = ["CompiledResult", "PromptResult"]


class PromptResult(Prompt):
    """`Prompt`, from the API or the cache (`is_fallback` False), or built from `fallback` (`is_fallback` True)."""

    is_fallback: bool = False

    @classmethod
    def from_fallback(cls, ref: str, text: str, label: Optional[str], version: Optional[int]) -> "PromptResult":
        labels = {label: version or 0} if label else {}
        return cls.model_construct(
            id="", slug=ref, name=ref, description=None, category="", tags=[], framework=None, is_public=False,
            owner_id="", content=text, system_prompt=None, variables=[], model_config_=ModelConfig(),
            version=version or 0, latest_version=version or 0, labels=labels, published_version=None, etag="",
            created_at="", updated_at="", is_fallback=True,
        )


class CompiledResult(Compiled):
    """`Compiled`, from the API or the cache (`is_fallback` False), or built from `fallback` (`is_fallback` True)."""

    is_fallback: bool = False

    @classmethod
    def from_fallback(cls, ref: str, text: str, label: Optional[str], version: Optional[int]) -> "CompiledResult":
        return cls.model_construct(
            id="", slug=ref, name=ref, version=version or 0, label=label, compiled_prompt=text,
            compiled_system_prompt=None, model_config_=ModelConfig(), variables=[], variables_used=[],
            missing_variables=[], unused_variables=[], tokens=0, tokenizer="", etag="", is_fallback=True,
        )
