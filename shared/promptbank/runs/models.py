"""Request and response models of runs, chat, enhance, token counts and the model list (API.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from promptbank.inputs import WHOLE, StrictInput
from promptbank.models.routing import MAX_MODEL_ID_LENGTH, PROVIDERS
from promptbank.outputs import Output
from promptbank.prompts.models import Label, Variables
from promptbank.tokens.counting import FAMILY_ALIASES

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

MAX_TOKENS_LIMIT = 200_000
MAX_MESSAGE_CHARS = 500_000

# The model ids `promptbank.models.routing.route` accepts, as a schema pattern (JSON Schema regexes are
# ECMA-262, so `[0-9]`, not `\d`): `provider/anything-printable`, or a bare id of a known family, which
# may not contain a slash. tests/unit/models/test_model_id_pattern.py keeps it equal to the router.
_PRINTABLE = r"[\x21-\x7e]"
_PRINTABLE_NO_SLASH = r"[\x21-\x2e\x30-\x7e]"
_FAMILIES = r"(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-"
_ROUTED = rf"(?:{'|'.join(PROVIDERS)})/{_PRINTABLE}+|(?:{_FAMILIES}){_PRINTABLE_NO_SLASH}*"
MODEL_ID_PATTERN = rf"^(?:{_ROUTED})$"

# What token counting accepts besides routed ids: the family aliases and the OpenAI models outside the
# chat families that tiktoken knows (on a bundled encoding), minus the OpenAI models on a retired (not
# bundled) encoding, which route as `openai/<name>` (`gpt-2` also bare) but cannot be counted. Kept equal to tiktoken's tables by the same test.
TIKTOKEN_ONLY_MODELS = (
    "davinci-002",
    "babbage-002",
    "text-embedding-ada-002",
    "text-embedding-3-small",
    "text-embedding-3-large",
)
TIKTOKEN_ONLY_PREFIXES = ("ft:davinci-002", "ft:babbage-002")
RETIRED_OPENAI_MODELS = (
    *("text-davinci-003", "text-davinci-002", "text-davinci-001", "text-curie-001", "text-babbage-001"),
    *("text-ada-001", "davinci", "curie", "babbage", "ada", "code-davinci-002", "code-davinci-001"),
    *("code-cushman-002", "code-cushman-001", "davinci-codex", "cushman-codex", "text-davinci-edit-001"),
    *("code-davinci-edit-001", "text-similarity-davinci-001", "text-similarity-curie-001"),
    *("text-similarity-babbage-001", "text-similarity-ada-001", "text-search-davinci-doc-001"),
    *("text-search-curie-doc-001", "text-search-babbage-doc-001", "text-search-ada-doc-001"),
    *("code-search-babbage-code-001", "code-search-ada-code-001", "gpt2", "gpt-2"),
)
_COUNTED = "|".join(
    [*FAMILY_ALIASES, *TIKTOKEN_ONLY_MODELS, *(rf"{prefix}{_PRINTABLE}*" for prefix in TIKTOKEN_ONLY_PREFIXES)]
)
# The names are plain `[a-z0-9:-]` (the test checks), so they go into the pattern unescaped.
TOKEN_MODEL_PATTERN = rf"^(?!(?:openai/)?(?:{'|'.join(RETIRED_OPENAI_MODELS)})$)(?:{_ROUTED}|{_COUNTED})$"

ModelId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_MODEL_ID_LENGTH,
        json_schema_extra={"pattern": MODEL_ID_PATTERN},
        description="A model id of a known family (gpt-*, o<digit>*, chatgpt-*, claude-*, deepseek-*, "
        "gemini-*) or `provider/model`; see GET /v1/models",
    ),
]
#: A model for token counting: a routed id, a family alias (openai, claude, gemini, deepseek), or another
#: OpenAI model tiktoken knows (text-embedding-3-small).
TokenModelId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_MODEL_ID_LENGTH,
        json_schema_extra={"pattern": TOKEN_MODEL_PATTERN},
        description="A model id, `provider/model`, or a family alias: " + ", ".join(FAMILY_ALIASES),
    ),
]
Temperature = Annotated[float, Field(ge=0, le=2)]
MaxTokens = Annotated[int, Field(ge=1, le=MAX_TOKENS_LIMIT), WHOLE]
Source = Literal["run", "chat", "enhance", "evaluate"]


class RunIn(StrictInput):
    variables: Variables = Field(default_factory=dict)
    query: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)] | None = None
    model: ModelId | None = None
    temperature: Temperature | None = None
    max_tokens: MaxTokens | None = None
    version: Annotated[int, Field(ge=1), WHOLE] | None = None
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
    model: TokenModelId


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


#: What both token-count routes (GET for short text, POST for long) declare.
TOKEN_COUNT_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The count; `exact` is false for an estimate",
        "content": {"application/json": {"model": TokenCount}},
    },
    400: {"description": "Validation failed, or a model of no known family"},
}
