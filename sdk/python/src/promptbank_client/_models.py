"""The API's schemas as pydantic models: GENERATED from docs/openapi.json by sdk/python/scripts/generate.py."""

from __future__ import annotations
from typing import Annotated, Any, Dict, List, Literal, Optional, Union
from pydantic import ConfigDict, Field, RootModel, StringConstraints
from promptbank_client._model_base import APIModel
from typing_extensions import TypeAliasType


class ApiKey(APIModel):
    """
    An API key as listed; `prefix` is the first 12 characters of the raw key, which is never shown again.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    prefix: Annotated[str, Field(title="Prefix")]
    environment: Annotated[
        Literal["production", "development"], Field(title="Environment")
    ]
    access: Annotated[Literal["full", "read"], Field(title="Access")]
    last_used_at: Annotated[Optional[str], Field(title="Last Used At")]
    created_at: Annotated[str, Field(title="Created At")]


class Assertion(APIModel):
    """
    One check of a case's output (docs/evaluation.md lists what each type passes on and how it scores).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    type: Annotated[
        Literal[
            "equals",
            "contains",
            "icontains",
            "not_contains",
            "starts_with",
            "regex",
            "is_json",
            "json_schema",
            "similarity",
            "max_latency_ms",
            "max_cost_usd",
            "llm_rubric",
        ],
        Field(title="Type"),
    ]
    value: Annotated[
        Optional[Union[str, float, Dict[str, Any], bool]], Field(title="Value")
    ] = None
    """
    Text for equals/contains/icontains/not_contains/starts_with/similarity, a regular expression for regex, the rubric for llm_rubric, a JSON schema for json_schema, a number >= 0 for max_latency_ms/max_cost_usd; none for is_json
    """
    threshold: Annotated[Optional[float], Field(title="Threshold")] = None
    weight: Annotated[Optional[float], Field(gt=0.0, le=100.0, title="Weight")] = 1.0


class AssertionResult(APIModel):
    """
    How one assertion went: `score` 0-100 (100 or 0 for the deterministic types), and why.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    type: Annotated[
        Literal[
            "equals",
            "contains",
            "icontains",
            "not_contains",
            "starts_with",
            "regex",
            "is_json",
            "json_schema",
            "similarity",
            "max_latency_ms",
            "max_cost_usd",
            "llm_rubric",
        ],
        Field(title="Type"),
    ]
    passed: Annotated[bool, Field(title="Passed")]
    score: Annotated[float, Field(title="Score")]
    reason: Annotated[str, Field(title="Reason")]


class Author(APIModel):
    """
    A public prompt's author: never the email.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    display_name: Annotated[Optional[str], Field(title="Display Name")]
    username: Annotated[Optional[str], Field(title="Username")]
    avatar_url: Annotated[Optional[str], Field(title="Avatar Url")]


class CaseResult(APIModel):
    """
    One case's run and checks. `passed`: no error and every assertion passed. `quality_score`: the weighted mean
    of the assertion scores, null when nothing was scored (an error, or no assertions).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    test_case_id: Annotated[str, Field(title="Test Case Id")]
    name: Annotated[Optional[str], Field(title="Name")]
    passed: Annotated[bool, Field(title="Passed")]
    quality_score: Annotated[Optional[float], Field(title="Quality Score")]
    output: Annotated[Optional[str], Field(title="Output")]
    latency_ms: Annotated[Optional[int], Field(title="Latency Ms")]
    cost_usd: Annotated[Optional[float], Field(title="Cost Usd")]
    assertions: Annotated[List[AssertionResult], Field(title="Assertions")]
    error: Annotated[Optional[str], Field(title="Error")]


class ChatMessageIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    role: Annotated[Literal["system", "user", "assistant"], Field(title="Role")]
    content: Annotated[str, Field(max_length=500000, title="Content")]


class VersionValue(RootModel[int]):
    root: Annotated[int, Field(ge=1, title="Version")]


class CompileIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    variables: Annotated[
        Optional[
            Dict[str, Optional[Union[str, float, bool, List[Union[str, float, bool]]]]]
        ],
        Field(title="Variables"),
    ] = None
    version: Annotated[Optional[VersionValue], Field(title="Version")] = None
    label: Annotated[
        Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,36}$")]],
        Field(title="Label"),
    ] = None
    strict: Annotated[Optional[bool], Field(title="Strict")] = False


class ModelConfig(APIModel):
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    model: Optional[str] = None
    temperature: Optional[float] = None
    max_tokens: Optional[int] = None
    top_p: Optional[float] = None
    stop: Optional[List[str]] = None


class CreatedApiKey(APIModel):
    """
    `POST /v1/keys`: the new key and, this once, its raw value.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    api_key: ApiKey
    raw_key: Annotated[str, Field(title="Raw Key")]


class DayStats(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    runs: Annotated[int, Field(title="Runs")]
    cost_usd: Annotated[float, Field(title="Cost Usd")]


class DeliveryAttempt(APIModel):
    """
    One POST: when, what the receiver answered (null when it did not), how long it took, and what went wrong.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    at: Annotated[str, Field(title="At")]
    response_status: Annotated[Optional[int], Field(title="Response Status")]
    duration_ms: Annotated[Optional[int], Field(title="Duration Ms")]
    error: Annotated[Optional[str], Field(title="Error")]


class EnhanceIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt: Annotated[str, Field(max_length=3000, min_length=1, title="Prompt")]
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None


class EnhanceResult(APIModel):
    """
    `POST /v1/enhance`: the rewritten prompt, the issues found, and the run that did it.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    enhanced_prompt: Annotated[str, Field(title="Enhanced Prompt")]
    issues: Annotated[List[str], Field(title="Issues")]
    model: Annotated[str, Field(title="Model")]
    run_id: Annotated[str, Field(title="Run Id")]


class Error1(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    code: Annotated[str, Field(examples=["NOT_FOUND"])]
    message: str
    details: List[Dict[str, Any]]
    request_id: str


class Error(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    error: Error1


class EvaluationSummary(APIModel):
    """
    `pass_rate` is 0-1; the averages leave out cases without the value (null when none has it).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    total_tests: Annotated[int, Field(title="Total Tests")]
    passed_tests: Annotated[int, Field(title="Passed Tests")]
    pass_rate: Annotated[float, Field(title="Pass Rate")]
    avg_latency_ms: Annotated[Optional[float], Field(title="Avg Latency Ms")]
    avg_quality_score: Annotated[Optional[float], Field(title="Avg Quality Score")]
    total_cost_usd: Annotated[float, Field(title="Total Cost Usd")]


class Health(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    status: Annotated[Literal["ok"], Field(title="Status")]
    version: Annotated[str, Field(title="Version")]


class KeyCreateIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    name: Annotated[str, Field(max_length=100, min_length=1, title="Name")]
    environment: Annotated[
        Optional[Literal["production", "development"]], Field(title="Environment")
    ] = "production"
    access: Annotated[Optional[Literal["full", "read"]], Field(title="Access")] = "full"


class LabelSet(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    version: Annotated[int, Field(ge=1, title="Version")]


class LastRun(APIModel):
    """
    The suite's newest finished run, in brief.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    status: Annotated[
        Literal["queued", "running", "succeeded", "failed"], Field(title="Status")
    ]
    pass_rate: Annotated[Optional[float], Field(title="Pass Rate")]
    regressed: Annotated[Optional[bool], Field(title="Regressed")]
    created_at: Annotated[str, Field(title="Created At")]


class LoginIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    email: Annotated[str, Field(max_length=254, min_length=1, title="Email")]
    password: Annotated[str, Field(max_length=256, min_length=1, title="Password")]


class Model(APIModel):
    """
    One entry of the model catalogue (`GET /v1/models`); prices in USD per million tokens.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    provider: Annotated[str, Field(title="Provider")]
    context_window: Annotated[int, Field(title="Context Window")]
    input_usd_per_mtok: Annotated[float, Field(title="Input Usd Per Mtok")]
    output_usd_per_mtok: Annotated[float, Field(title="Output Usd Per Mtok")]
    tokenizer: Annotated[str, Field(title="Tokenizer")]
    pricing_as_of: Annotated[str, Field(title="Pricing As Of")]


class Temperature(RootModel[float]):
    root: Annotated[float, Field(ge=0.0, le=2.0, title="Temperature")]


class MaxTokens(RootModel[int]):
    root: Annotated[int, Field(ge=1, le=200000, title="Max Tokens")]


class TopP(RootModel[float]):
    root: Annotated[float, Field(ge=0.0, le=1.0, title="Top P")]


class Stop(
    RootModel[List[Annotated[str, StringConstraints(min_length=1, max_length=200)]]]
):
    root: Annotated[
        List[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Field(max_length=4, title="Stop"),
    ]


class ModelSettings(APIModel):
    """
    `model_config` on the wire (pydantic reserves that name, hence the alias).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    model: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=120)]],
        Field(title="Model"),
    ] = None
    temperature: Annotated[Optional[Temperature], Field(title="Temperature")] = None
    max_tokens: Annotated[Optional[MaxTokens], Field(title="Max Tokens")] = None
    top_p: Annotated[Optional[TopP], Field(title="Top P")] = None
    stop: Annotated[Optional[Stop], Field(title="Stop")] = None


class ModelStats(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    runs: Annotated[int, Field(title="Runs")]
    cost_usd: Annotated[float, Field(title="Cost Usd")]
    avg_latency_ms: Annotated[Optional[float], Field(title="Avg Latency Ms")]


class PageApiKey(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[ApiKey], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageModel(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[Model], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class Profile(APIModel):
    """
    Your own profile (`GET/PATCH /v1/profile`): the public one with email and plan.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    display_name: Annotated[str, Field(title="Display Name")]
    username: Annotated[Optional[str], Field(title="Username")]
    avatar_url: Annotated[Optional[str], Field(title="Avatar Url")]
    bio: Annotated[Optional[str], Field(title="Bio")]
    created_at: Annotated[str, Field(title="Created At")]
    email: Annotated[str, Field(title="Email")]
    plan: Annotated[Literal["free", "pro", "team"], Field(title="Plan")]


class ProfileUpdateIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    display_name: Annotated[
        Optional[str], Field(max_length=80, min_length=1, title="Display Name")
    ] = None
    bio: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=300)]], Field(title="Bio")
    ] = None
    username: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(min_length=3, max_length=30, pattern=r"^[a-z0-9_]+$"),
            ]
        ],
        Field(title="Username"),
    ] = None
    avatar_url: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    pattern=r"^https://[^/$.?#\s\x1c-\x1f\x85\ufeff][^\s\x1c-\x1f\x85\ufeff]{0,2040}$"
                ),
            ]
        ],
        Field(title="Avatar Url"),
    ] = None


VariablesAdditionalProperty = TypeAliasType(
    "VariablesAdditionalProperty", Annotated[str, Field(max_length=100000)]
)


class PromptCreate(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    name: Annotated[str, Field(max_length=200, min_length=1, title="Name")]
    slug: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
                ),
            ]
        ],
        Field(title="Slug"),
    ] = None
    content: Annotated[str, Field(max_length=50000, min_length=1, title="Content")]
    system_prompt: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50000)]],
        Field(title="System Prompt"),
    ] = None
    description: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=2000)]],
        Field(title="Description"),
    ] = None
    category: Annotated[
        Optional[str], Field(max_length=100, min_length=1, title="Category")
    ] = "Uncategorized"
    tags: Annotated[
        Optional[List[Annotated[str, StringConstraints(min_length=1, max_length=50)]]],
        Field(max_length=20, title="Tags"),
    ] = None
    framework: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50)]],
        Field(title="Framework"),
    ] = None
    variables: Annotated[
        Optional[
            Dict[
                Annotated[
                    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
                ],
                VariablesAdditionalProperty,
            ]
        ],
        Field(title="Variables"),
    ] = None
    model_config_: Annotated[Optional[ModelSettings], Field(alias="model_config")] = (
        None
    )
    is_public: Annotated[Optional[bool], Field(title="Is Public")] = False
    publish: Annotated[Optional[bool], Field(title="Publish")] = True
    commit_message: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=500)]],
        Field(title="Commit Message"),
    ] = None


class PromptSummary(APIModel):
    """
    `Prompt` without `content`, `system_prompt` and `variables`: a list entry (the latest version's settings).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    slug: Annotated[str, Field(title="Slug")]
    name: Annotated[str, Field(title="Name")]
    description: Annotated[Optional[str], Field(title="Description")]
    category: Annotated[str, Field(title="Category")]
    tags: Annotated[List[str], Field(title="Tags")]
    framework: Annotated[Optional[str], Field(title="Framework")]
    is_public: Annotated[bool, Field(title="Is Public")]
    owner_id: Annotated[str, Field(title="Owner Id")]
    model_config_: Annotated[
        ModelConfig, Field(alias="model_config", title="Model Config")
    ]
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """
    version: Annotated[int, Field(title="Version")]
    latest_version: Annotated[int, Field(title="Latest Version")]
    labels: Annotated[Dict[str, int], Field(title="Labels")]
    """
    {"latest": n, "production": m, ...}
    """
    published_version: Annotated[Optional[int], Field(title="Published Version")]
    """
    labels.production, or null
    """
    etag: Annotated[Optional[str], Field(title="Etag")]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]


class PromptUpdate(APIModel):
    """
    Every field optional. Explicit null clears `description`, `system_prompt`, `framework`, `model_config`,
    `commit_message`; it is rejected for the others (they cannot be empty).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    name: Annotated[
        Optional[str], Field(max_length=200, min_length=1, title="Name")
    ] = None
    slug: Annotated[
        Optional[str],
        Field(
            max_length=100,
            min_length=1,
            pattern="^[a-z0-9]+(-[a-z0-9]+)*$",
            title="Slug",
        ),
    ] = None
    content: Annotated[
        Optional[str], Field(max_length=50000, min_length=1, title="Content")
    ] = None
    system_prompt: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50000)]],
        Field(title="System Prompt"),
    ] = None
    description: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=2000)]],
        Field(title="Description"),
    ] = None
    category: Annotated[
        Optional[str], Field(max_length=100, min_length=1, title="Category")
    ] = None
    tags: Annotated[
        Optional[List[Annotated[str, StringConstraints(min_length=1, max_length=50)]]],
        Field(max_length=20, title="Tags"),
    ] = None
    framework: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50)]],
        Field(title="Framework"),
    ] = None
    variables: Annotated[
        Optional[
            Dict[
                Annotated[
                    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
                ],
                VariablesAdditionalProperty,
            ]
        ],
        Field(title="Variables"),
    ] = None
    model_config_: Annotated[Optional[ModelSettings], Field(alias="model_config")] = (
        None
    )
    is_public: Annotated[Optional[bool], Field(title="Is Public")] = None
    publish: Annotated[Optional[bool], Field(title="Publish")] = True
    commit_message: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=500)]],
        Field(title="Commit Message"),
    ] = None


class ProviderKey(APIModel):
    """
    One provider's entry, configured or not; `masked_key` shows at most the last 4 characters.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    provider: Annotated[
        Literal["openai", "anthropic", "deepseek", "gemini", "openai_compatible"],
        Field(title="Provider"),
    ]
    configured: Annotated[bool, Field(title="Configured")]
    masked_key: Annotated[Optional[str], Field(title="Masked Key")]
    base_url: Annotated[Optional[str], Field(title="Base Url")]
    updated_at: Annotated[Optional[str], Field(title="Updated At")]


class ProviderKeyIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    api_key: Annotated[
        str,
        Field(
            max_length=200, min_length=10, pattern="^[\\x21-\\x7e]+$", title="Api Key"
        ),
    ]
    base_url: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=2000,
                    pattern=r"^https://[A-Za-z0-9.-]+(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(?:/[^?#\s\x1c-\x1f\x85\ufeff]*)?$",
                ),
            ]
        ],
        Field(title="Base Url"),
    ] = None


class PublicProfile(APIModel):
    """
    A user's public face (`GET /v1/users/{user_id}`, `/v1/u/{username}`).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    display_name: Annotated[str, Field(title="Display Name")]
    username: Annotated[Optional[str], Field(title="Username")]
    avatar_url: Annotated[Optional[str], Field(title="Avatar Url")]
    bio: Annotated[Optional[str], Field(title="Bio")]
    created_at: Annotated[str, Field(title="Created At")]


class Publish(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    version: Annotated[Optional[VersionValue], Field(title="Version")] = None


class RegisterIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    email: Annotated[
        str,
        Field(
            max_length=254,
            pattern="^[^@\\s\\x1c-\\x1f\\x85\\ufeff]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
            title="Email",
        ),
    ]
    password: Annotated[str, Field(max_length=256, min_length=8, title="Password")]
    name: Annotated[str, Field(max_length=80, min_length=1, title="Name")]


class Run(APIModel):
    """
    One recorded provider call (`GET /v1/runs`, `GET /v1/runs/{run_id}`).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    source: Annotated[
        Literal["run", "chat", "enhance", "evaluate"], Field(title="Source")
    ]
    prompt_id: Annotated[Optional[str], Field(title="Prompt Id")]
    prompt_version: Annotated[Optional[int], Field(title="Prompt Version")]
    model: Annotated[str, Field(title="Model")]
    provider: Annotated[str, Field(title="Provider")]
    status: Annotated[Literal["succeeded", "failed"], Field(title="Status")]
    output: Annotated[Optional[str], Field(title="Output")]
    error: Annotated[Optional[str], Field(title="Error")]
    latency_ms: Annotated[int, Field(title="Latency Ms")]
    input_tokens: Annotated[Optional[int], Field(title="Input Tokens")]
    output_tokens: Annotated[Optional[int], Field(title="Output Tokens")]
    cost_usd: Annotated[Optional[float], Field(title="Cost Usd")]
    finish_reason: Annotated[Optional[str], Field(title="Finish Reason")]
    quality_score: Annotated[Optional[float], Field(title="Quality Score")]
    passed: Annotated[Optional[bool], Field(title="Passed")]
    created_at: Annotated[str, Field(title="Created At")]


class RunIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    variables: Annotated[
        Optional[
            Dict[str, Optional[Union[str, float, bool, List[Union[str, float, bool]]]]]
        ],
        Field(title="Variables"),
    ] = None
    query: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=500000)]],
        Field(title="Query"),
    ] = None
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None
    temperature: Annotated[Optional[Temperature], Field(title="Temperature")] = None
    max_tokens: Annotated[Optional[MaxTokens], Field(title="Max Tokens")] = None
    version: Annotated[Optional[VersionValue], Field(title="Version")] = None
    label: Annotated[
        Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,36}$")]],
        Field(title="Label"),
    ] = None


class RunResult(APIModel):
    """
    What a run or a chat answers: the whole output (a stored `Run` keeps its first 10,000 characters).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    run_id: Annotated[str, Field(title="Run Id")]
    output: Annotated[str, Field(title="Output")]
    model: Annotated[str, Field(title="Model")]
    provider: Annotated[str, Field(title="Provider")]
    prompt_id: Annotated[Optional[str], Field(title="Prompt Id")]
    prompt_version: Annotated[Optional[int], Field(title="Prompt Version")]
    latency_ms: Annotated[int, Field(title="Latency Ms")]
    input_tokens: Annotated[Optional[int], Field(title="Input Tokens")]
    output_tokens: Annotated[Optional[int], Field(title="Output Tokens")]
    cost_usd: Annotated[Optional[float], Field(title="Cost Usd")]
    finish_reason: Annotated[Optional[str], Field(title="Finish Reason")]


class Share(APIModel):
    """
    A share link. `share_url` is `<public base URL>/share/<token>`.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    token: Annotated[str, Field(title="Token")]
    share_url: Annotated[str, Field(title="Share Url")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    prefilled_variables: Annotated[Dict[str, str], Field(title="Prefilled Variables")]
    expires_at: Annotated[Optional[str], Field(title="Expires At")]
    created_at: Annotated[str, Field(title="Created At")]


class ShareCompileIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    variables: Annotated[
        Optional[
            Dict[str, Optional[Union[str, float, bool, List[Union[str, float, bool]]]]]
        ],
        Field(title="Variables"),
    ] = None


PrefilledVariablesAdditionalProperty = TypeAliasType(
    "PrefilledVariablesAdditionalProperty", Annotated[str, Field(max_length=100000)]
)


class ExpiresInHours(RootModel[int]):
    root: Annotated[int, Field(ge=1, le=8760, title="Expires In Hours")]


class ShareCreate(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prefilled_variables: Annotated[
        Optional[
            Dict[
                Annotated[
                    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
                ],
                PrefilledVariablesAdditionalProperty,
            ]
        ],
        Field(max_length=200, title="Prefilled Variables"),
    ] = None
    expires_in_hours: Annotated[
        Optional[ExpiresInHours], Field(title="Expires In Hours")
    ] = None


class ShareUpdate(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prefilled_variables: Annotated[
        Dict[
            Annotated[
                str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
            ],
            PrefilledVariablesAdditionalProperty,
        ],
        Field(max_length=200, title="Prefilled Variables"),
    ]


class SharedPromptRef(APIModel):
    """
    The prompt a share link belongs to, as GET /v1/shares names it.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]


class Stats(APIModel):
    """
    Run statistics (`GET /v1/runs/stats`); `by_date` keys are `YYYY-MM-DD` (UTC).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    total_runs: Annotated[int, Field(title="Total Runs")]
    failed_runs: Annotated[int, Field(title="Failed Runs")]
    total_cost_usd: Annotated[float, Field(title="Total Cost Usd")]
    avg_latency_ms: Annotated[Optional[float], Field(title="Avg Latency Ms")]
    avg_quality_score: Annotated[Optional[float], Field(title="Avg Quality Score")]
    pass_rate: Annotated[Optional[float], Field(title="Pass Rate")]
    by_model: Annotated[Dict[str, ModelStats], Field(title="By Model")]
    by_date: Annotated[Dict[str, DayStats], Field(title="By Date")]


class MinPassRate(RootModel[float]):
    root: Annotated[float, Field(ge=0.0, le=1.0, title="Min Pass Rate")]


class SuiteSummary(APIModel):
    """
    A suite without its cases (the list's items): `test_case_count` says how many it has.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    label: Annotated[str, Field(title="Label")]
    model: Annotated[Optional[str], Field(title="Model")]
    judge_model: Annotated[Optional[str], Field(title="Judge Model")]
    test_case_count: Annotated[int, Field(title="Test Case Count")]
    schedule: Annotated[Optional[str], Field(title="Schedule")]
    schedule_timezone: Annotated[str, Field(title="Schedule Timezone")]
    run_on_publish: Annotated[bool, Field(title="Run On Publish")]
    min_pass_rate: Annotated[Optional[float], Field(title="Min Pass Rate")]
    next_run_at: Annotated[Optional[str], Field(title="Next Run At")]
    last_run: Optional[LastRun]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]


class Assertions(RootModel[List[Assertion]]):
    root: Annotated[List[Assertion], Field(max_length=20, title="Assertions")]


class TestCase(APIModel):
    """
    One case: the prompt's variables, and what its output must satisfy.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=100)]],
        Field(title="Id"),
    ] = None
    name: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Field(title="Name"),
    ] = None
    inputs: Annotated[
        Dict[str, Optional[Union[str, float, bool, List[Union[str, float, bool]]]]],
        Field(title="Inputs"),
    ]
    expected_output: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=100000)]],
        Field(title="Expected Output"),
    ] = None
    rubric: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=10000)]],
        Field(title="Rubric"),
    ] = None
    assertions: Annotated[Optional[Assertions], Field(title="Assertions")] = None


class TokenCount(APIModel):
    """
    `GET/POST /v1/token-count`; `exact` is false for an estimate.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    model: Annotated[str, Field(title="Model")]
    token_count: Annotated[int, Field(title="Token Count")]
    character_count: Annotated[int, Field(title="Character Count")]
    tokenizer: Annotated[str, Field(title="Tokenizer")]
    exact: Annotated[bool, Field(title="Exact")]


class TokenCountIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        regex_engine="python-re",
    )
    prompt: Annotated[str, Field(max_length=1000000, min_length=1, title="Prompt")]
    model: Annotated[
        str,
        Field(
            max_length=256,
            min_length=1,
            pattern="^(?!(?:openai/)?(?:text-davinci-003|text-davinci-002|text-davinci-001|text-curie-001|text-babbage-001|text-ada-001|davinci|curie|babbage|ada|code-davinci-002|code-davinci-001|code-cushman-002|code-cushman-001|davinci-codex|cushman-codex|text-davinci-edit-001|code-davinci-edit-001|text-similarity-davinci-001|text-similarity-curie-001|text-similarity-babbage-001|text-similarity-ada-001|text-search-davinci-doc-001|text-search-curie-doc-001|text-search-babbage-doc-001|text-search-ada-doc-001|code-search-babbage-code-001|code-search-ada-code-001|gpt2|gpt-2)$)(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\\x21-\\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\\x21-\\x2e\\x30-\\x7e]*|openai|claude|gemini|deepseek|davinci-002|babbage-002|text-embedding-ada-002|text-embedding-3-small|text-embedding-3-large|ft:davinci-002[\\x21-\\x7e]*|ft:babbage-002[\\x21-\\x7e]*)$",
            title="Model",
        ),
    ]
    """
    A model id, `provider/model`, or a family alias: openai, claude, gemini, deepseek
    """


class User(APIModel):
    """
    The calling account (`GET /v1/auth/me`).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    email: Annotated[str, Field(title="Email")]
    name: Annotated[str, Field(title="Name")]
    plan: Annotated[Literal["free", "pro", "team"], Field(title="Plan")]
    created_at: Annotated[str, Field(title="Created At")]


class Variable(APIModel):
    """
    A template variable; `required` when it has no default and is used outside a section.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    key: Annotated[str, Field(title="Key")]
    type: Annotated[str, Field(title="Type")]
    max_length: Annotated[int, Field(title="Max Length")]
    description: Annotated[Optional[str], Field(title="Description")]
    default_value: Annotated[Optional[str], Field(title="Default Value")]
    required: Annotated[bool, Field(title="Required")]


class Version(APIModel):
    """
    One immutable version; `labels` names the labels that point at it.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    version: Annotated[int, Field(title="Version")]
    content: Annotated[str, Field(title="Content")]
    system_prompt: Annotated[Optional[str], Field(title="System Prompt")]
    variables: Annotated[List[Variable], Field(title="Variables")]
    model_config_: Annotated[
        ModelConfig, Field(alias="model_config", title="Model Config")
    ]
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """
    commit_message: Annotated[Optional[str], Field(title="Commit Message")]
    author_id: Annotated[str, Field(title="Author Id")]
    labels: Annotated[List[str], Field(title="Labels")]
    etag: Annotated[str, Field(title="Etag")]
    created_at: Annotated[str, Field(title="Created At")]


class VersionSummary(APIModel):
    """
    `Version` without `content` and `system_prompt`.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    version: Annotated[int, Field(title="Version")]
    variables: Annotated[List[Variable], Field(title="Variables")]
    model_config_: Annotated[
        ModelConfig, Field(alias="model_config", title="Model Config")
    ]
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """
    commit_message: Annotated[Optional[str], Field(title="Commit Message")]
    author_id: Annotated[str, Field(title="Author Id")]
    labels: Annotated[List[str], Field(title="Labels")]
    etag: Annotated[str, Field(title="Etag")]
    created_at: Annotated[str, Field(title="Created At")]


class Webhook(APIModel):
    """
    A subscription. `enabled` false with a `disabled_reason` when the receiver answered 410 or every delivery
    failed for 24 h; PATCH `enabled: true` to turn it back on.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    url: Annotated[str, Field(title="Url")]
    events: Annotated[
        List[
            Literal[
                "prompt.created",
                "prompt.version_created",
                "prompt.label_moved",
                "prompt.deleted",
                "eval_run.completed",
                "eval_run.regressed",
            ]
        ],
        Field(title="Events"),
    ]
    description: Annotated[Optional[str], Field(title="Description")]
    enabled: Annotated[bool, Field(title="Enabled")]
    disabled_reason: Annotated[Optional[str], Field(title="Disabled Reason")]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]


class WebhookCreate(APIModel):
    """
    `POST /v1/webhooks`: where to send (https; http to loopback only when running locally) and which events.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    url: Annotated[
        str,
        Field(
            examples=["https://example.com/hooks/promptbank"],
            max_length=2000,
            min_length=1,
            title="Url",
        ),
    ]
    events: Annotated[
        List[
            Literal[
                "prompt.created",
                "prompt.version_created",
                "prompt.label_moved",
                "prompt.deleted",
                "eval_run.completed",
                "eval_run.regressed",
            ]
        ],
        Field(max_length=6, min_length=1, title="Events"),
    ]
    description: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=200)]],
        Field(title="Description"),
    ] = None


class WebhookSecret(APIModel):
    """
    A webhook and its signing secret, shown this once (`whsec_` + base64 of 32 bytes).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    webhook: Webhook
    secret: Annotated[str, Field(title="Secret")]


class WebhookUpdate(APIModel):
    """
    `PATCH /v1/webhooks/{id}`: the fields given replace the webhook's; `enabled: true` re-enables a disabled
    webhook (and clears `disabled_reason`); `description: null` clears it.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    url: Annotated[
        Optional[str],
        Field(
            examples=["https://example.com/hooks/promptbank"],
            max_length=2000,
            min_length=1,
            title="Url",
        ),
    ] = None
    events: Annotated[
        Optional[
            List[
                Literal[
                    "prompt.created",
                    "prompt.version_created",
                    "prompt.label_moved",
                    "prompt.deleted",
                    "eval_run.completed",
                    "eval_run.regressed",
                ]
            ]
        ],
        Field(max_length=6, min_length=1, title="Events"),
    ] = None
    description: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=200)]],
        Field(title="Description"),
    ] = None
    enabled: Annotated[Optional[bool], Field(title="Enabled")] = None


class ChatIn(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    model: Annotated[
        str,
        Field(
            max_length=256,
            min_length=1,
            pattern="^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\\x21-\\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\\x21-\\x2e\\x30-\\x7e]*)$",
            title="Model",
        ),
    ]
    """
    A model id of a known family (gpt-*, o<digit>*, chatgpt-*, claude-*, deepseek-*, gemini-*) or `provider/model`; see GET /v1/models
    """
    messages: Annotated[
        List[ChatMessageIn], Field(max_length=100, min_length=1, title="Messages")
    ]
    temperature: Annotated[
        Optional[float], Field(ge=0.0, le=2.0, title="Temperature")
    ] = 0.7
    max_tokens: Annotated[Optional[int], Field(ge=1, le=200000, title="Max Tokens")] = (
        2048
    )


class Compiled(APIModel):
    """
    A compiled prompt (a frozen shape: fields may be added, never removed or renamed). Served pre-serialised
    (prompts.delivery builds the body; its bytes are fixed), so this model documents the shape.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    slug: Annotated[str, Field(title="Slug")]
    name: Annotated[str, Field(title="Name")]
    version: Annotated[int, Field(title="Version")]
    label: Annotated[Optional[str], Field(title="Label")]
    compiled_prompt: Annotated[str, Field(title="Compiled Prompt")]
    compiled_system_prompt: Annotated[
        Optional[str], Field(title="Compiled System Prompt")
    ]
    model_config_: Annotated[
        ModelConfig, Field(alias="model_config", title="Model Config")
    ]
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """
    variables: Annotated[List[Variable], Field(title="Variables")]
    variables_used: Annotated[List[str], Field(title="Variables Used")]
    missing_variables: Annotated[List[str], Field(title="Missing Variables")]
    unused_variables: Annotated[List[str], Field(title="Unused Variables")]
    tokens: Annotated[int, Field(title="Tokens")]
    """
    compiled_system_prompt + compiled_prompt, for model_config.model
    """
    tokenizer: Annotated[str, Field(title="Tokenizer")]
    etag: Annotated[str, Field(title="Etag")]


class Delivery(APIModel):
    """
    One event for one webhook, and every attempt to deliver it. `event_id` is the `webhook-id` header, the same
    on every attempt; `next_attempt_at` is when the next attempt is due, null when none is.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    webhook_id: Annotated[str, Field(title="Webhook Id")]
    event_id: Annotated[str, Field(title="Event Id")]
    event_type: Annotated[str, Field(title="Event Type")]
    status: Annotated[Literal["pending", "succeeded", "failed"], Field(title="Status")]
    attempts: Annotated[List[DeliveryAttempt], Field(title="Attempts")]
    response_status: Annotated[Optional[int], Field(title="Response Status")]
    next_attempt_at: Annotated[Optional[str], Field(title="Next Attempt At")]
    created_at: Annotated[str, Field(title="Created At")]


class EvalRun(APIModel):
    """
    A suite run with one page of its case results, in the suite's order; `next_cursor` pages on.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    suite_id: Annotated[str, Field(title="Suite Id")]
    status: Annotated[
        Literal["queued", "running", "succeeded", "failed"], Field(title="Status")
    ]
    trigger: Annotated[Literal["manual", "schedule", "publish"], Field(title="Trigger")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    prompt_version: Annotated[Optional[int], Field(title="Prompt Version")]
    label: Annotated[str, Field(title="Label")]
    model: Annotated[Optional[str], Field(title="Model")]
    total_cases: Annotated[int, Field(title="Total Cases")]
    done_cases: Annotated[int, Field(title="Done Cases")]
    summary: Optional[EvaluationSummary]
    regressed: Annotated[Optional[bool], Field(title="Regressed")]
    error: Annotated[Optional[str], Field(title="Error")]
    created_at: Annotated[str, Field(title="Created At")]
    started_at: Annotated[Optional[str], Field(title="Started At")]
    finished_at: Annotated[Optional[str], Field(title="Finished At")]
    results: Annotated[List[CaseResult], Field(title="Results")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class EvalRunOverview(APIModel):
    """
    A suite run without its case results (the trend's items). `summary` and `regressed` are null until the run
    has finished; `done_cases` of `total_cases` says how far a running one is; `error` says why a run failed
    as a whole (its prompt or label is gone, no provider key), null otherwise.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    suite_id: Annotated[str, Field(title="Suite Id")]
    status: Annotated[
        Literal["queued", "running", "succeeded", "failed"], Field(title="Status")
    ]
    trigger: Annotated[Literal["manual", "schedule", "publish"], Field(title="Trigger")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    prompt_version: Annotated[Optional[int], Field(title="Prompt Version")]
    label: Annotated[str, Field(title="Label")]
    model: Annotated[Optional[str], Field(title="Model")]
    total_cases: Annotated[int, Field(title="Total Cases")]
    done_cases: Annotated[int, Field(title="Done Cases")]
    summary: Optional[EvaluationSummary]
    regressed: Annotated[Optional[bool], Field(title="Regressed")]
    error: Annotated[Optional[str], Field(title="Error")]
    created_at: Annotated[str, Field(title="Created At")]
    started_at: Annotated[Optional[str], Field(title="Started At")]
    finished_at: Annotated[Optional[str], Field(title="Finished At")]


class EvaluateIn1(APIModel):
    """
    `POST /v1/evaluate`: a template text (`prompt`) or a stored prompt (`prompt_ref` with `version` or `label`),
    exactly one of the two (checked by the service, which names the field), and 1-100 cases.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=50000)]],
        Field(title="Prompt"),
    ]
    prompt_ref: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Field(title="Prompt Ref"),
    ] = None
    version: Annotated[Optional[VersionValue], Field(title="Version")] = None
    label: Annotated[
        Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,36}$")]],
        Field(title="Label"),
    ] = None
    system_prompt: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50000)]],
        Field(title="System Prompt"),
    ] = None
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None
    judge_model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Judge Model"),
    ] = None
    concurrency: Annotated[Optional[int], Field(ge=1, le=20, title="Concurrency")] = 10
    test_cases: Annotated[
        List[TestCase], Field(max_length=100, min_length=1, title="Test Cases")
    ]


class EvaluateIn2(APIModel):
    """
    `POST /v1/evaluate`: a template text (`prompt`) or a stored prompt (`prompt_ref` with `version` or `label`),
    exactly one of the two (checked by the service, which names the field), and 1-100 cases.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=50000)]],
        Field(title="Prompt"),
    ] = None
    prompt_ref: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Field(title="Prompt Ref"),
    ]
    version: Annotated[Optional[VersionValue], Field(title="Version")] = None
    label: Annotated[
        Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,36}$")]],
        Field(title="Label"),
    ] = None
    system_prompt: Annotated[
        Optional[Annotated[str, StringConstraints(max_length=50000)]],
        Field(title="System Prompt"),
    ] = None
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None
    judge_model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Judge Model"),
    ] = None
    concurrency: Annotated[Optional[int], Field(ge=1, le=20, title="Concurrency")] = 10
    test_cases: Annotated[
        List[TestCase], Field(max_length=100, min_length=1, title="Test Cases")
    ]


class EvaluateIn(RootModel[Union[EvaluateIn1, EvaluateIn2]]):
    root: Annotated[Union[EvaluateIn1, EvaluateIn2], Field(title="EvaluateIn")]
    """
    `POST /v1/evaluate`: a template text (`prompt`) or a stored prompt (`prompt_ref` with `version` or `label`),
    exactly one of the two (checked by the service, which names the field), and 1-100 cases.
    """


class Evaluation(APIModel):
    """
    `POST /v1/evaluate`: a result per case, in the order of the request, and their summary.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    results: Annotated[List[CaseResult], Field(title="Results")]
    summary: EvaluationSummary


class OwnedShare(APIModel):
    """
    A share link in the list of all the caller's links: flagged when expired, with its prompt.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    token: Annotated[str, Field(title="Token")]
    share_url: Annotated[str, Field(title="Share Url")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    prefilled_variables: Annotated[Dict[str, str], Field(title="Prefilled Variables")]
    expires_at: Annotated[Optional[str], Field(title="Expires At")]
    created_at: Annotated[str, Field(title="Created At")]
    is_expired: Annotated[bool, Field(title="Is Expired")]
    prompt: SharedPromptRef


class PageDelivery(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[Delivery], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageEvalRunOverview(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[EvalRunOverview], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageOwnedShare(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[OwnedShare], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PagePromptSummary(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[PromptSummary], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageProviderKey(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[ProviderKey], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageRun(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[Run], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageShare(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[Share], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageSuiteSummary(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[SuiteSummary], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageVersionSummary(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[VersionSummary], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class PageWebhook(APIModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[Webhook], Field(title="Data")]
    next_cursor: Annotated[Optional[str], Field(title="Next Cursor")]


class Prompt(APIModel):
    """
    A prompt at one version: its metadata and that version's fields.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    slug: Annotated[str, Field(title="Slug")]
    name: Annotated[str, Field(title="Name")]
    description: Annotated[Optional[str], Field(title="Description")]
    category: Annotated[str, Field(title="Category")]
    tags: Annotated[List[str], Field(title="Tags")]
    framework: Annotated[Optional[str], Field(title="Framework")]
    is_public: Annotated[bool, Field(title="Is Public")]
    owner_id: Annotated[str, Field(title="Owner Id")]
    content: Annotated[str, Field(title="Content")]
    system_prompt: Annotated[Optional[str], Field(title="System Prompt")]
    variables: Annotated[List[Variable], Field(title="Variables")]
    model_config_: Annotated[
        ModelConfig, Field(alias="model_config", title="Model Config")
    ]
    """
    {model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}
    """
    version: Annotated[int, Field(title="Version")]
    latest_version: Annotated[int, Field(title="Latest Version")]
    labels: Annotated[Dict[str, int], Field(title="Labels")]
    """
    {"latest": n, "production": m, ...}
    """
    published_version: Annotated[Optional[int], Field(title="Published Version")]
    """
    labels.production, or null
    """
    etag: Annotated[str, Field(title="Etag")]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]


class PublicPrompt(APIModel):
    """
    A listed prompt at its `production` version (public prompts with no `production` version are not listed).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    slug: Annotated[str, Field(title="Slug")]
    description: Annotated[Optional[str], Field(title="Description")]
    content: Annotated[str, Field(title="Content")]
    tags: Annotated[List[str], Field(title="Tags")]
    category: Annotated[Optional[str], Field(title="Category")]
    variables: Annotated[List[Variable], Field(title="Variables")]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]
    author: Author


class Session(APIModel):
    """
    `POST /v1/auth/register` and `/login`: the user and a new session token (also set as the cookie).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    user: User
    session_token: Annotated[str, Field(title="Session Token")]


class SharedPrompt(APIModel):
    """
    What a share link shows of its prompt (at the link's label).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    description: Annotated[Optional[str], Field(title="Description")]
    content: Annotated[str, Field(title="Content")]
    tags: Annotated[List[str], Field(title="Tags")]
    variables: Annotated[List[Variable], Field(title="Variables")]


class Suite(APIModel):
    """
    A saved suite: its prompt, cases, schedule and its latest run. `next_run_at` is null without a schedule.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    id: Annotated[str, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    prompt_id: Annotated[str, Field(title="Prompt Id")]
    label: Annotated[str, Field(title="Label")]
    model: Annotated[Optional[str], Field(title="Model")]
    judge_model: Annotated[Optional[str], Field(title="Judge Model")]
    test_case_count: Annotated[int, Field(title="Test Case Count")]
    schedule: Annotated[Optional[str], Field(title="Schedule")]
    schedule_timezone: Annotated[str, Field(title="Schedule Timezone")]
    run_on_publish: Annotated[bool, Field(title="Run On Publish")]
    min_pass_rate: Annotated[Optional[float], Field(title="Min Pass Rate")]
    next_run_at: Annotated[Optional[str], Field(title="Next Run At")]
    last_run: Optional[LastRun]
    created_at: Annotated[str, Field(title="Created At")]
    updated_at: Annotated[str, Field(title="Updated At")]
    test_cases: Annotated[List[TestCase], Field(title="Test Cases")]


class SuiteCreate(APIModel):
    """
    `POST /v1/eval-suites`: a prompt of yours (`prompt_ref`: id or slug) and 1-1,000 cases to run it over.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    name: Annotated[str, Field(max_length=200, min_length=1, title="Name")]
    prompt_ref: Annotated[str, Field(max_length=200, min_length=1, title="Prompt Ref")]
    label: Annotated[
        Optional[str], Field(pattern="^[a-z0-9_-]{1,36}$", title="Label")
    ] = "production"
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None
    judge_model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Judge Model"),
    ] = None
    test_cases: Annotated[
        List[TestCase], Field(max_length=1000, min_length=1, title="Test Cases")
    ]
    schedule: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=256)]],
        Field(title="Schedule"),
    ] = None
    schedule_timezone: Annotated[
        Optional[str],
        Field(
            examples=["UTC", "Europe/Paris"],
            max_length=64,
            min_length=1,
            title="Schedule Timezone",
        ),
    ] = "UTC"
    run_on_publish: Annotated[Optional[bool], Field(title="Run On Publish")] = False
    min_pass_rate: Annotated[Optional[MinPassRate], Field(title="Min Pass Rate")] = None


class SuiteUpdate(APIModel):
    """
    `PATCH /v1/eval-suites/{id}`: the fields given replace the suite's; `null` clears `model`, `judge_model`,
    `schedule` and `min_pass_rate`. The prompt of a suite does not change (make another suite).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    name: Annotated[
        Optional[str], Field(max_length=200, min_length=1, title="Name")
    ] = None
    label: Annotated[
        Optional[str], Field(pattern="^[a-z0-9_-]{1,36}$", title="Label")
    ] = None
    model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Model"),
    ] = None
    judge_model: Annotated[
        Optional[
            Annotated[
                str,
                StringConstraints(
                    min_length=1,
                    max_length=256,
                    pattern=r"^(?:(?:openai|anthropic|deepseek|gemini|openai_compatible)/[\x21-\x7e]+|(?:(?:ft:)?(?:gpt-|o[0-9])|chatgpt-|claude-|deepseek-|gemini-)[\x21-\x2e\x30-\x7e]*)$",
                ),
            ]
        ],
        Field(title="Judge Model"),
    ] = None
    test_cases: Annotated[
        Optional[List[TestCase]],
        Field(max_length=1000, min_length=1, title="Test Cases"),
    ] = None
    schedule: Annotated[
        Optional[Annotated[str, StringConstraints(min_length=1, max_length=256)]],
        Field(title="Schedule"),
    ] = None
    schedule_timezone: Annotated[
        Optional[str],
        Field(
            examples=["UTC", "Europe/Paris"],
            max_length=64,
            min_length=1,
            title="Schedule Timezone",
        ),
    ] = None
    run_on_publish: Annotated[Optional[bool], Field(title="Run On Publish")] = None
    min_pass_rate: Annotated[Optional[MinPassRate], Field(title="Min Pass Rate")] = None


class CataloguePage(APIModel):
    """
    A page of the public catalogue: numbered pages of `page_size` (18), not a cursor.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    data: Annotated[List[PublicPrompt], Field(title="Data")]
    total: Annotated[int, Field(ge=0, title="Total")]
    page: Annotated[int, Field(ge=1, title="Page")]
    page_size: Annotated[int, Field(title="Page Size")]
    total_pages: Annotated[int, Field(ge=0, title="Total Pages")]


class ProfilePage(APIModel):
    """
    A public profile and the user's newest public prompts (at most 50; explore has the rest).
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    profile: PublicProfile
    prompts: Annotated[List[PublicPrompt], Field(title="Prompts")]


class ResolvedShare(APIModel):
    """
    GET /v1/shares/{token}: the shared prompt, the prefilled values and the expiry.
    """

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
    )
    prompt: SharedPrompt
    prefilled_variables: Annotated[Dict[str, str], Field(title="Prefilled Variables")]
    expires_at: Annotated[Optional[str], Field(title="Expires At")]
