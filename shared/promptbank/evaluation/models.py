"""Request and response models of evaluation (API.md §6): test cases, assertions, and the results of a run.

Every assertion is checked when the request is validated, so bad input is a 400 before any provider is called:
an unknown type is named, a regex must compile (with the engine that will run it), a JSON schema must be valid
for JSON Schema 2020-12, thresholds and values must fit their type. The regex engine and jsonschema are
imported only when such an assertion is validated, so a route that merely lists suites does not pay for them.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from promptbank.inputs import WHOLE, StrictInput
from promptbank.outputs import Output
from promptbank.prompts.models import Label, Variables
from promptbank.runs.models import ModelId

AssertionType = Literal[
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
]
ASSERTION_TYPES: tuple[str, ...] = get_args(AssertionType)
#: The types whose value is a piece of text the output is compared with.
TEXT_TYPES = frozenset({"equals", "contains", "icontains", "not_contains", "starts_with", "similarity"})
#: The types whose value is a number (a limit, >= 0).
LIMIT_TYPES = frozenset({"max_latency_ms", "max_cost_usd"})

MAX_TEXT_CHARS = 100_000  # an expected text; outputs are rarely longer, and a body is at most 1 MiB anyway
MAX_REGEX_CHARS = 1_000
MAX_RUBRIC_CHARS = 10_000
MAX_ASSERTIONS = 20  # per test case: each one may cost a judge call or a bounded regex search
DEFAULT_WEIGHT = 1.0
MAX_WEIGHT = 100.0
#: Defaults and ranges of `threshold`, by type: `similarity` is a ratio, `llm_rubric` a judge's score.
THRESHOLDS: dict[str, tuple[float, float, float]] = {  # type -> (default, min, max)
    "similarity": (0.8, 0.0, 1.0),
    "llm_rubric": (70.0, 0.0, 100.0),
}


def _known_type(value: Any) -> Any:
    """Name the unknown type in the 400 (a plain Literal error would list the choices but not what was sent)."""
    if isinstance(value, str) and value not in ASSERTION_TYPES:
        raise PydanticCustomError(
            "unknown_assertion_type",
            "Unknown assertion type '{type}'; expected one of: {choices}",
            {"type": value[:100], "choices": ", ".join(ASSERTION_TYPES)},
        )
    return value


def _error(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("assertion_value", message, context)


def _text(kind: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _error("'{type}' needs a string value", type=kind)
    if not value and kind != "equals":
        raise _error("'{type}' needs a non-empty string value", type=kind)
    if len(value) > MAX_TEXT_CHARS:
        raise _error("'{type}' takes at most {limit} characters", type=kind, limit=MAX_TEXT_CHARS)
    return value


def _regex(value: Any) -> str:
    # The `regex` module (already in the layer as tiktoken's dependency) runs the searches, because it can
    # stop one after a timeout: catastrophic backtracking ends as a failed assertion, not a stuck function.
    import regex

    if not isinstance(value, str) or not value:
        raise _error("'regex' needs a non-empty string value (a regular expression)")
    if len(value) > MAX_REGEX_CHARS:
        raise _error("A regular expression may have at most {limit} characters", limit=MAX_REGEX_CHARS)
    try:
        regex.compile(value)
    except regex.error as err:
        raise _error("Invalid regular expression: {error}", error=str(err)) from None
    return value


def _json_schema(value: Any) -> Any:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(value, (dict, bool)):
        raise _error("'json_schema' needs a JSON schema (an object) as its value")
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as err:
        where = "/".join(str(part) for part in err.absolute_path)
        raise _error(
            "Invalid JSON schema{where}: {error}", where=f" at /{where}" if where else "", error=err.message
        ) from None
    return value


def _limit(kind: str, value: Any) -> float:
    # bool is an int to Python but not a number to JSON.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise _error("'{type}' needs a number >= 0 as its value", type=kind)
    return value


def _rubric(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error("'llm_rubric' needs the rubric (a non-empty string) as its value")
    if len(value) > MAX_RUBRIC_CHARS:
        raise _error("A rubric may have at most {limit} characters", limit=MAX_RUBRIC_CHARS)
    return value


#: What `value` may be on the wire; which one a type needs is checked per type (Assertion._value).
AssertionValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "object"}, {"type": "boolean"}],
            "description": "Text for equals/contains/icontains/not_contains/starts_with/similarity, a regular "
            "expression for regex, the rubric for llm_rubric, a JSON schema for json_schema, a number >= 0 for "
            "max_latency_ms/max_cost_usd; none for is_json",
        }
    ),
]


Threshold = Annotated[float, Field(description="similarity: 0-1, default 0.8; llm_rubric: 0-100, default 70")]


class Assertion(StrictInput):
    """One check of a case's output (docs/evaluation.md lists what each type passes on and how it scores)."""

    type: Annotated[AssertionType, BeforeValidator(_known_type)]
    value: AssertionValue = Field(default=None, validate_default=True)
    threshold: Threshold | None = Field(default=None, validate_default=True)
    weight: Annotated[float, Field(gt=0, le=MAX_WEIGHT)] = DEFAULT_WEIGHT

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("type")
        if kind is None:  # the type itself was refused, and said so
            return value
        if kind in TEXT_TYPES:
            return _text(kind, value)
        if kind == "regex":
            return _regex(value)
        if kind == "json_schema":
            return _json_schema(value)
        if kind in LIMIT_TYPES:
            return _limit(kind, value)
        if kind == "llm_rubric":
            return _rubric(value)
        if value is not None:  # is_json
            raise _error("'{type}' takes no value", type=kind)
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("type")
        if kind is None:
            return value
        if kind not in THRESHOLDS:
            if value is not None:
                raise PydanticCustomError(
                    "assertion_threshold",
                    "'{type}' takes no threshold (only similarity and llm_rubric do)",
                    {"type": kind},
                )
            return None
        default, low, high = THRESHOLDS[kind]
        if value is None:
            return default
        if not low <= value <= high:
            raise PydanticCustomError(
                "assertion_threshold",
                "The threshold of '{type}' is between {low} and {high}",
                {"type": kind, "low": f"{low:g}", "high": f"{high:g}"},
            )
        return value


class TestCase(StrictInput):
    """One case: the prompt's variables, and what its output must satisfy."""

    __test__: ClassVar[bool] = False  # not a pytest class, whatever its name says

    id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    inputs: Variables
    expected_output: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)] | None = None
    rubric: Annotated[str, Field(min_length=1, max_length=MAX_RUBRIC_CHARS)] | None = None
    assertions: Annotated[list[Assertion], Field(max_length=MAX_ASSERTIONS)] | None = None

    def checks(self) -> list[Assertion]:
        """The assertions to run: those given, else `expected_output` as `icontains` and `rubric` as `llm_rubric`.

        An empty `assertions` list counts as none given. A case with nothing to check passes when its run
        succeeds.
        """
        if self.assertions:
            return list(self.assertions)
        derived: list[Assertion] = []
        if self.expected_output is not None:
            derived.append(Assertion(type="icontains", value=self.expected_output))
        if self.rubric is not None:
            derived.append(Assertion(type="llm_rubric", value=self.rubric))
        return derived

    def case_id(self, position: int) -> str:
        """`test_case_id` of the results: the case's own `id`, else its 1-based position in the request."""
        return self.id if self.id is not None else str(position)


MAX_CASES = 100  # per POST /v1/evaluate: what fits in its 25 s at the highest concurrency
MAX_CONCURRENCY = 20
DEFAULT_CONCURRENCY = 10
MAX_TEMPLATE_CHARS = 50_000  # as a stored prompt's content and system prompt


class EvaluateIn(StrictInput):
    """`POST /v1/evaluate`: a template text (`prompt`) or a stored prompt (`prompt_ref` with `version` or `label`),
    exactly one of the two (checked by the service, which names the field), and 1-100 cases."""

    # The same rules in the schema, so that clients (and fuzzers) generated from it know them.
    model_config = StrictInput.model_config | ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["prompt"]}, {"required": ["prompt_ref"]}],
            "dependentRequired": {"version": ["prompt_ref"], "label": ["prompt_ref"]},
        }
    )

    prompt: Annotated[str, Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)] | None = None
    prompt_ref: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    version: Annotated[int, Field(ge=1), WHOLE] | None = None
    label: Label | None = None
    system_prompt: Annotated[str, Field(max_length=MAX_TEMPLATE_CHARS)] | None = None
    model: ModelId | None = None
    judge_model: ModelId | None = None
    concurrency: Annotated[int, Field(ge=1, le=MAX_CONCURRENCY), WHOLE] = DEFAULT_CONCURRENCY
    test_cases: Annotated[list[TestCase], Field(min_length=1, max_length=MAX_CASES)]


# Responses -------------------------------------------------------------------------------------------------------
class AssertionResult(Output):
    """How one assertion went: `score` 0-100 (100 or 0 for the deterministic types), and why."""

    type: AssertionType
    passed: bool
    score: float
    reason: str


class CaseResult(Output):
    """One case's run and checks. `passed`: no error and every assertion passed. `quality_score`: the weighted mean
    of the assertion scores, null when nothing was scored (an error, or no assertions)."""

    test_case_id: str
    name: str | None
    passed: bool
    quality_score: float | None
    output: str | None
    latency_ms: int | None
    cost_usd: float | None
    assertions: list[AssertionResult]
    error: str | None


class EvaluationSummary(Output):
    """`pass_rate` is 0-1; the averages leave out cases without the value (null when none has it)."""

    total_tests: int
    passed_tests: int
    pass_rate: float
    avg_latency_ms: float | None
    avg_quality_score: float | None
    total_cost_usd: float


class Evaluation(Output):
    """`POST /v1/evaluate`: a result per case, in the order of the request, and their summary."""

    results: list[CaseResult]
    summary: EvaluationSummary
