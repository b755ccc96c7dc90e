"""From a prompt's rendered texts to the messages of a run, assembled as API.md §5 says.

The texts come from `DeliveryService.render` (as delivery renders them, minus the token count, which would
load a tiktoken encoding a run never uses: the provider reports the real token usage).
"""

from __future__ import annotations

from promptbank.providers import ChatMessage


def assemble_messages(system: str | None, content: str, query: str | None) -> list[ChatMessage]:
    """Without `query`: system = the system prompt (if any), user = the content. With `query`: system = the
    system prompt and the content joined by a blank line, user = the query."""
    if query is None:
        messages = [ChatMessage("system", system)] if system else []
        return [*messages, ChatMessage("user", content)]
    joined = "\n\n".join(part for part in (system, content) if part)
    messages = [ChatMessage("system", joined)] if joined else []
    return [*messages, ChatMessage("user", query)]
