"""From a resolved prompt to the messages of a run: compile its texts, then assemble them as API.md §5 says.

`compile_texts` renders exactly what `DeliveryService.compile` renders (same parts, defaults and include
resolution at the outer prompt's label) but skips the token count, which would load a tiktoken encoding
(~0.5 s at a cold start) that a run never uses: the provider reports the real token usage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptbank.providers import ChatMessage

if TYPE_CHECKING:
    from promptbank.store.prompts import PromptStore
    from promptbank.templates import IncludeRef, Template


def compile_texts(
    store: PromptStore, doc: dict[str, Any], label: str | None, variables: dict[str, Any]
) -> tuple[str | None, str]:
    """(compiled system prompt or None, compiled content) of a label or version document."""
    from promptbank.templates import compile_parts, parse_cached

    include_label = label or "latest"

    def resolve(ref: IncludeRef) -> Template | None:
        if ref.version is not None:
            target = store.slug_target(doc["owner_id"], ref.slug)
            found = store.get_version(target, ref.version) if target else None
        else:
            found = store.label_by_slug(doc["owner_id"], ref.slug, ref.label or include_label)
        return parse_cached(found["content"]) if found else None

    system = doc.get("system_prompt")
    parts = [parse_cached(doc["content"]), parse_cached(system) if system else None]
    outcome = compile_parts(
        parts, variables, defaults=doc.get("variables") or {}, strict=False, resolve_include=resolve
    )
    content = outcome.text_by_part[0] or ""
    return (outcome.text_by_part[1] if system else None), content


def assemble_messages(system: str | None, content: str, query: str | None) -> list[ChatMessage]:
    """Without `query`: system = the system prompt (if any), user = the content. With `query`: system = the
    system prompt and the content joined by a blank line, user = the query."""
    if query is None:
        messages = [ChatMessage("system", system)] if system else []
        return [*messages, ChatMessage("user", content)]
    joined = "\n\n".join(part for part in (system, content) if part)
    messages = [ChatMessage("system", joined)] if joined else []
    return [*messages, ChatMessage("user", query)]
