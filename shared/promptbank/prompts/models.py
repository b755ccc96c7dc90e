"""Request and response models of prompts, labels and compilation (API.md §3)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, field_validator

from promptbank.inputs import WHOLE, StrictInput
from promptbank.outputs import Output

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LABEL_PATTERN = r"^[a-z0-9_-]{1,36}$"
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")  # templates.model.NAME_RE, anchored
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

#: Longest `variables` query parameter, in characters, of GET .../compiled (JSON) and GET .../download (base64).
#: API Gateway takes at most 10,240 bytes of request line and headers, and a character of JSON may take 12 bytes
#: once percent-encoded (4 bytes of UTF-8, `%XX` each): 600 characters are at most 7,200 bytes, which leaves room
#: for the path, the other parameters and the headers. A base64 character is ASCII, at most 3 bytes encoded (`+`,
#: `/`, `=`): 2,400 of them are 7,200 bytes too. Larger variables go in the body of POST /v1/prompts/{ref}/compile.
MAX_QUERY_VARIABLES_JSON = 600
MAX_QUERY_VARIABLES_BASE64 = 2_400
#: Base64 or base64url, padding optional (prompts.delivery.parse_variables_base64 reads either).
BASE64_PATTERN = r"^[A-Za-z0-9+/_-]*={0,2}$"

Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
Label = Annotated[str, Field(pattern=LABEL_PATTERN)]
Tag = Annotated[str, Field(min_length=1, max_length=50)]


def variable_names(value: dict[str, Any]) -> dict[str, Any]:
    """The check behind `VARIABLE_NAMES_SCHEMA`: every key is a variable name (VARIABLE_NAME)."""
    for name in value:
        if not VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"'{name}' is not a valid variable name")
    return value


#: The schema half of `variable_names`: the same pattern as `propertyNames` of the object.
VARIABLE_NAMES_SCHEMA: dict[str, Any] = {"propertyNames": {"pattern": VARIABLE_NAME.pattern}}

VariableDefaults = Annotated[
    dict[str, Annotated[str, Field(max_length=100_000)]],
    Field(json_schema_extra=VARIABLE_NAMES_SCHEMA),
    AfterValidator(variable_names),
]


class Input(StrictInput):
    model_config = ConfigDict(populate_by_name=True)


class ModelSettings(Input):
    """`model_config` on the wire (pydantic reserves that name, hence the alias)."""

    model: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=200_000), WHOLE] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    stop: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=4)] | None = None

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PromptCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    slug: Slug | None = None
    content: Annotated[str, Field(min_length=1, max_length=50_000)]
    system_prompt: Annotated[str, Field(max_length=50_000)] | None = None
    description: Annotated[str, Field(max_length=2_000)] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] = "Uncategorized"
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)
    framework: Annotated[str, Field(max_length=50)] | None = None
    variables: VariableDefaults = Field(default_factory=dict)
    model_settings: ModelSettings | None = Field(None, alias="model_config")
    is_public: bool = False
    publish: bool = True
    commit_message: Annotated[str, Field(max_length=500)] | None = None


class PromptUpdate(Input):
    """Every field optional. Explicit null clears `description`, `system_prompt`, `framework`, `model_config`,
    `commit_message`; it is rejected for the others (they cannot be empty)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = None  # type: ignore[assignment]
    slug: Slug = None  # type: ignore[assignment]
    content: Annotated[str, Field(min_length=1, max_length=50_000)] = None  # type: ignore[assignment]
    system_prompt: Annotated[str, Field(max_length=50_000)] | None = None
    description: Annotated[str, Field(max_length=2_000)] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] = None  # type: ignore[assignment]
    tags: Annotated[list[Tag], Field(max_length=20)] = None  # type: ignore[assignment]
    framework: Annotated[str, Field(max_length=50)] | None = None
    variables: VariableDefaults = None  # type: ignore[assignment]
    model_settings: ModelSettings | None = Field(None, alias="model_config")
    is_public: bool = None  # type: ignore[assignment]
    publish: bool = True
    commit_message: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("name", "slug", "content", "category", "tags", "variables", "is_public", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Cannot be null")
        return value


class LabelSet(Input):
    version: Annotated[int, Field(ge=1), WHOLE]


class Publish(Input):
    version: Annotated[int, Field(ge=1), WHOLE] | None = None


_SCALAR_VALUE: list[dict[str, Any]] = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]
#: The values a compile takes (templates.values): a string, number or boolean, null (as if absent), or an array of
#: strings, numbers and booleans (for a `list` variable, or a name the template does not use). Objects never are.
#: The template checks each value and names every bad one in the 400 (API.md §3), so the schema only declares them.
VariableValue = Annotated[
    Any,
    WithJsonSchema({"anyOf": [*_SCALAR_VALUE, {"type": "null"}, {"type": "array", "items": {"anyOf": _SCALAR_VALUE}}]}),
]
Variables = dict[str, VariableValue]


class CompileIn(Input):
    variables: Variables = Field(default_factory=dict)
    version: Annotated[int, Field(ge=1), WHOLE] | None = None
    label: Label | None = None
    strict: bool = False


# Responses (API.md §3) -------------------------------------------------------------------------------------------
#: `model_config` as stored and returned: only the settings that were set (`ModelSettings` without the nulls).
ModelConfig = Annotated[
    dict[str, Any],
    Field(
        description="{model?, temperature? (0-2), max_tokens? (1-200,000), top_p? (0-1), stop? (0-4 strings)}",
        json_schema_extra={"properties": {
            "model": {"type": "string"},
            "temperature": {"type": "number"},
            "max_tokens": {"type": "integer"},
            "top_p": {"type": "number"},
            "stop": {"type": "array", "items": {"type": "string"}},
        }},
    ),
]


class Variable(Output):
    """A template variable; `required` when it has no default and is used outside a section."""

    key: str
    type: str
    max_length: int
    description: str | None
    default_value: str | None
    required: bool


class PromptSummary(Output):
    """`Prompt` without `content`, `system_prompt` and `variables`: a list entry (the latest version's settings)."""

    id: str
    slug: str
    name: str
    description: str | None
    category: str
    tags: list[str]
    framework: str | None
    is_public: bool
    owner_id: str
    model_settings: ModelConfig = Field(alias="model_config")
    version: int
    latest_version: int
    labels: dict[str, int] = Field(description='{"latest": n, "production": m, ...}')
    published_version: int | None = Field(description="labels.production, or null")
    etag: str | None
    created_at: str
    updated_at: str


class Prompt(Output):
    """A prompt at one version: its metadata and that version's fields."""

    id: str
    slug: str
    name: str
    description: str | None
    category: str
    tags: list[str]
    framework: str | None
    is_public: bool
    owner_id: str
    content: str
    system_prompt: str | None
    variables: list[Variable]
    model_settings: ModelConfig = Field(alias="model_config")
    version: int
    latest_version: int
    labels: dict[str, int] = Field(description='{"latest": n, "production": m, ...}')
    published_version: int | None = Field(description="labels.production, or null")
    etag: str
    created_at: str
    updated_at: str


class VersionSummary(Output):
    """`Version` without `content` and `system_prompt`."""

    prompt_id: str
    version: int
    variables: list[Variable]
    model_settings: ModelConfig = Field(alias="model_config")
    commit_message: str | None
    author_id: str
    labels: list[str]
    etag: str
    created_at: str


class Version(Output):
    """One immutable version; `labels` names the labels that point at it."""

    prompt_id: str
    version: int
    content: str
    system_prompt: str | None
    variables: list[Variable]
    model_settings: ModelConfig = Field(alias="model_config")
    commit_message: str | None
    author_id: str
    labels: list[str]
    etag: str
    created_at: str


class Compiled(Output):
    """A compiled prompt (a frozen shape: fields may be added, never removed or renamed). Served pre-serialised
    (prompts.delivery builds the body; its bytes are fixed), so this model documents the shape."""

    id: str
    slug: str
    name: str
    version: int
    label: str | None
    compiled_prompt: str
    compiled_system_prompt: str | None
    model_settings: ModelConfig = Field(alias="model_config")
    variables: list[Variable]
    variables_used: list[str]
    missing_variables: list[str]
    unused_variables: list[str]
    tokens: int = Field(description="compiled_system_prompt + compiled_prompt, for model_config.model")
    tokenizer: str
    etag: str
