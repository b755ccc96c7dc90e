"""Run, chat and enhance: resolve the model's provider and key, apply the AI limit, call, and record the run.

Every call that reaches a provider is recorded, failed ones too (502/504 become a `failed` run with the
error). Checks that need no provider (validation, 404, `PROVIDER_NOT_CONFIGURED`, the AI limit) come first
and record nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from promptbank.auth.principal import Principal
from promptbank.clock import now
from promptbank.errors import ProviderError, ProviderTimeout
from promptbank.limits import AiLimiter
from promptbank.models import DEFAULT_MODEL, cost_usd, route
from promptbank.observability import emit
from promptbank.provider_keys.service import KeyResolver
from promptbank.providers import ChatMessage, ChatRequest, Provider, deadline_after, get_provider
from promptbank.runs.enhance import ENHANCE_SYSTEM_PROMPT, parse_answer, user_message
from promptbank.runs.models import ChatIn, EnhanceIn, EnhanceResult, RunIn
from promptbank.runs.records import RunRecord
from promptbank.store.runs import RunStore

if TYPE_CHECKING:
    from promptbank.prompts.delivery import DeliveryService

DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 2048
ENHANCE_TEMPERATURE = 0.3
ENHANCE_MAX_TOKENS = 4096

ProviderFactory = Callable[..., Provider]

# One vocabulary across providers, as OpenAI's API names them; unknown values pass through lower-cased.
_FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
    "refusal": "content_filter",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
}


def finish_reason(raw: str | None) -> str | None:
    """The provider's finish reason in OpenAI's terms (`stop`, `length`, `content_filter`, `tool_calls`)."""
    if raw is None:
        return None
    return _FINISH_REASONS.get(raw.lower(), raw.lower())


def error_text(err: ProviderError | ProviderTimeout) -> str:
    """A failed run's `error`: the code, our message and the provider's status and message (never a key)."""
    text = f"{err.code}: {err.message}"
    for detail in err.details[:1]:
        status, message = detail.get("status"), detail.get("message")
        if status is not None:
            text += f" (provider status {status})"
        if message:
            text += f": {message}"
    return text


@dataclass(frozen=True)
class Call:
    """One provider call as the run routes ask for it."""

    source: str
    model: str
    messages: list[ChatMessage]
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    prompt_id: str | None = None
    prompt_version: int | None = None


class RunService:
    def __init__(
        self,
        runs: RunStore | None = None,
        delivery: DeliveryService | None = None,
        keys: KeyResolver | None = None,
        limiter: AiLimiter | None = None,
        clock: Callable[[], datetime] = now,
        provider_factory: ProviderFactory = get_provider,
    ) -> None:
        self.runs = runs or RunStore()
        self._delivery = delivery
        self.keys = keys or KeyResolver()
        self.limiter = limiter or AiLimiter()
        self.clock = clock
        self.provider_factory = provider_factory

    @property
    def delivery(self) -> DeliveryService:
        if self._delivery is None:
            from promptbank.prompts.delivery import DeliveryService  # only the run route reads prompts

            self._delivery = DeliveryService()
        return self._delivery

    # routes ----------------------------------------------------------------------------------------------
    def run_prompt(self, principal: Principal, ref: str, data: RunIn) -> RunRecord:
        """POST /v1/prompts/{ref}/run: compile, assemble the messages (API.md §5), call, record."""
        from promptbank.runs.prompting import assemble_messages

        deadline = deadline_after()
        principal.require_write()
        doc, label = self.delivery.document(principal, ref, data.version, data.label)
        # Rendered as delivery renders it, without the token count (a run never needs tiktoken loaded).
        rendered = self.delivery.render(doc, label, data.variables)
        system, content = rendered.text_by_part[1], rendered.text_by_part[0] or ""
        config: dict[str, Any] = doc.get("model_config") or {}
        call = Call(
            source="run",
            model=data.model or config.get("model") or DEFAULT_MODEL,
            messages=assemble_messages(system, content, data.query),
            temperature=_first(data.temperature, config.get("temperature"), DEFAULT_TEMPERATURE),
            max_tokens=_first(data.max_tokens, config.get("max_tokens"), DEFAULT_MAX_TOKENS),
            top_p=config.get("top_p"),
            stop=config.get("stop") or None,
            prompt_id=doc["prompt_id"],
            prompt_version=doc["version"],
        )
        return self.call(principal, call, deadline=deadline)

    def chat(self, principal: Principal, data: ChatIn) -> RunRecord:
        deadline = deadline_after()
        principal.require_write()
        call = Call(
            source="chat",
            model=data.model,
            messages=[ChatMessage(m.role, m.content) for m in data.messages],
            temperature=data.temperature,
            max_tokens=data.max_tokens,
        )
        return self.call(principal, call, deadline=deadline)

    def enhance(self, principal: Principal, data: EnhanceIn) -> EnhanceResult:
        deadline = deadline_after()
        principal.require_write()
        call = Call(
            source="enhance",
            model=data.model or DEFAULT_MODEL,
            messages=[
                ChatMessage("system", ENHANCE_SYSTEM_PROMPT),
                ChatMessage("user", user_message(data.prompt)),
            ],
            temperature=ENHANCE_TEMPERATURE,
            max_tokens=ENHANCE_MAX_TOKENS,
        )
        record = self.call(principal, call, deadline=deadline)
        enhancement = parse_answer(record.output or "")
        return EnhanceResult(
            enhanced_prompt=enhancement.enhanced_prompt, issues=enhancement.issues, model=record.model, run_id=record.id
        )

    # the call ------------------------------------------------------------------------------------------
    def call(
        self,
        principal: Principal,
        call: Call,
        *,
        deadline: float | None = None,
        count_against_limit: bool = True,
    ) -> RunRecord:
        """Route, resolve the key, take the AI limit, call the provider, record the run (failed ones too).

        Raises the provider's 502/504 after recording it. `count_against_limit=False` is for callers that
        took the AI limit once for a whole request (evaluate).
        """
        record, failure = self.attempt(principal, call, deadline=deadline, count_against_limit=count_against_limit)
        self.runs.put_run(record)
        if failure is not None:
            raise failure
        return record

    def attempt(
        self,
        principal: Principal,
        call: Call,
        *,
        deadline: float | None = None,
        count_against_limit: bool = True,
    ) -> tuple[RunRecord, ProviderError | ProviderTimeout | None]:
        """`call` without recording: the run (succeeded, or failed with the provider's error) and that error.

        For a caller that records the run itself once it knows more about it (evaluate adds `passed` and
        `quality_score`). Validation, `PROVIDER_NOT_CONFIGURED` and the AI limit still raise.
        """
        provider_name, provider_model = route(call.model)
        credentials = self.keys.resolve_key(principal.user_id, provider_name)
        provider = self.provider_factory(
            provider_name, api_key=credentials.api_key, base_url=credentials.base_url
        )
        if count_against_limit:
            self.limiter.acquire(principal.user_id)
        request = ChatRequest(
            model=provider_model,
            messages=call.messages,
            temperature=call.temperature,
            max_tokens=call.max_tokens,
            top_p=call.top_p,
            stop=call.stop,
        )
        created_at = self.clock()
        started = time.monotonic()
        base: dict[str, Any] = {
            "user_id": principal.user_id,
            "source": call.source,
            "model": call.model,
            "provider": provider_name,
            "created_at": created_at,
            "prompt_id": call.prompt_id,
            "prompt_version": call.prompt_version,
        }
        try:
            response = provider.chat(request, deadline=deadline if deadline is not None else deadline_after())
        except (ProviderError, ProviderTimeout) as err:
            failed = RunRecord(
                **base,
                status="failed",
                latency_ms=round((time.monotonic() - started) * 1000),
                error=error_text(err),
            ).with_id()
            outcome = "timeout" if isinstance(err, ProviderTimeout) else "failed"
            emit({"Runs": 1, "ProviderLatency": failed.latency_ms or 0}, provider=provider_name, outcome=outcome)
            return failed, err
        cost = None
        if response.input_tokens is not None and response.output_tokens is not None:
            cost = cost_usd(call.model, response.input_tokens, response.output_tokens)
        record = RunRecord(
            **base,
            status="succeeded",
            latency_ms=response.latency_ms,
            output=response.output,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cost_usd=cost,
            finish_reason=finish_reason(response.finish_reason),
        ).with_id()
        emit({"Runs": 1, "ProviderLatency": record.latency_ms or 0}, provider=provider_name, outcome="succeeded")
        return record, None


def _first(*values: Any) -> Any:
    """The first value that is not None (request > prompt model_config > default)."""
    return next((value for value in values if value is not None), None)
