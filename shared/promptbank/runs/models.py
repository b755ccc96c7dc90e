"""Request and response models of runs, chat, enhance, token counts and the model list (API.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from promptbank.inputs import StrictInput
from promptbank.outputs import Output
from promptbank.prompts.models import Label

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

MAX_TOKENS_LIMIT = 200_000
MAX_MESSAGE_CHARS = 500_000

ModelId = Annotated[str, Field(min_length=1, max_length=256)]
Temperature = Annotated[float, Field(ge=0, le=2)]
MaxTokens = Annotated[int, Field(ge=1, le=MAX_TOKENS_LIMIT)]
Source = Literal["run", "chat", "enhance", "evaluate"]


class RunIn(StrictInput):
    variables: dict[str, Any] = Field(default_factory=dict)
    query: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)] | None = None
    model: ModelId | None = None
    temperature: Temperature | None = None
    max_tokens: MaxTokens | None = None
    version: Annotated[int, Field(ge=1)] | None = None
    label: Label | None = None


class ChatMessageIn(StrictInput):
    role: Literal["system", "user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]


class ChatIn(StrictInput):
    model: ModelId
    messages: Annotated[list[ChatMessageIn], Field(min_length=1, max_length=100)]
    temperature: Temperature = 0.7
    max_tokens: MaxTokens = 2048


class EnhanceIn(StrictInput):
    prompt: Annotated[str, Field(min_length=1, max_length=3_000)]
    model: ModelId | None = None


class TokenCountIn(StrictInput):
    prompt: Annotated[str, Field(min_length=1, max_length=1_000_000)]
    model: ModelId


# Responses -----------------------------------------------------------------------------------------------
class RunResult(Output):
    """What a run or a chat answers: the whole output (a stored `Run` keeps its first 10,000 characters)."""

    run_id: str
    output: str
    model: str
    provider: str
    prompt_id: str | None
    prompt_version: int | None
    latency_ms: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    finish_reason: str | None


class Run(Output):
    """One recorded provider call (`GET /v1/runs`, `GET /v1/runs/{run_id}`)."""

    id: str
    source: Source
    prompt_id: str | None
    prompt_version: int | None
    model: str
    provider: str
    status: Literal["succeeded", "failed"]
    output: str | None
    error: str | None
    latency_ms: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    finish_reason: str | None
    quality_score: float | None
    passed: bool | None
    created_at: str


class ModelStats(Output):
    runs: int
    cost_usd: float
    avg_latency_ms: float | None


class DayStats(Output):
    runs: int
    cost_usd: float


class Stats(Output):
    """Run statistics (`GET /v1/runs/stats`); `by_date` keys are `YYYY-MM-DD` (UTC)."""

    total_runs: int
    failed_runs: int
    total_cost_usd: float
    avg_latency_ms: float | None
    avg_quality_score: float | None
    pass_rate: float | None
    by_model: dict[str, ModelStats]
    by_date: dict[str, DayStats]


class EnhanceResult(Output):
    """`POST /v1/enhance`: the rewritten prompt, the issues found, and the run that did it."""

    enhanced_prompt: str
    issues: list[str]
    model: str
    run_id: str


class TokenCount(Output):
    """`GET/POST /v1/token-count`; `exact` is false for an estimate."""

    model: str
    token_count: int
    character_count: int
    tokenizer: str
    exact: bool


class Model(Output):
    """One entry of the model catalogue (`GET /v1/models`); prices in USD per million tokens."""

    id: str
    provider: str
    context_window: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    tokenizer: str
    pricing_as_of: str


#: The errors of every route that calls a provider (run, chat, enhance), for their `responses=` declarations.
#: The error envelope and the common statuses are added by scripts/openapi.py.
AI_ROUTE_ERRORS: dict[int, OpenAPIResponse] = {
    400: {"description": "Validation failed, or no key for the model's provider (PROVIDER_NOT_CONFIGURED)"},
    429: {
        "description": "Rate limited, quota spent, or the AI limit (10 requests/min per user) reached",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    },
    502: {"description": "The provider failed after retries (PROVIDER_ERROR); the run is recorded as failed"},
    504: {"description": "The provider did not answer in time (PROVIDER_TIMEOUT); the run is recorded as failed"},
}
