"""Evaluation request models: every bad assertion is a 400 naming the field and the problem, before any provider
is called; defaults of thresholds and weights; what a test case checks when it lists no assertions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from promptbank.evaluation.models import MAX_ASSERTIONS, MAX_REGEX_CHARS, Assertion
from promptbank.evaluation.models import TestCase as Case
from promptbank.http import validation_error
from promptbank.inputs import StrictInput


class _Body(StrictInput):
    """A body holding test cases, as POST /v1/evaluate and POST /v1/eval-suites will."""

    test_cases: list[Case]


def _details(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The 400's details for `payload`, as the resolver makes them (Powertools puts "body" first in each loc)."""
    with pytest.raises(ValidationError) as caught:
        _Body.model_validate(payload)
    errors = [{**error, "loc": ("body", *error["loc"])} for error in caught.value.errors()]
    failure = validation_error(errors)
    assert failure.status == 400 and failure.code == "VALIDATION_ERROR"
    return failure.details


def _one_assertion(assertion: dict[str, Any]) -> dict[str, Any]:
    return {"test_cases": [{"inputs": {}, "assertions": [assertion]}]}


def _message(assertion: dict[str, Any]) -> str:
    details = _details(_one_assertion(assertion))
    assert len(details) == 1, details
    return str(details[0]["message"])


def test_an_unknown_type_is_a_400_that_names_it() -> None:
    # When a case asks for an assertion type that does not exist
    details = _details(_one_assertion({"type": "contians", "value": "x"}))
    # Then the 400 points at the type and names what was sent, and what exists
    assert details == [
        {
            "field": "test_cases.0.assertions.0.type",
            "message": "Unknown assertion type 'contians'; expected one of: equals, contains, icontains, "
            "not_contains, starts_with, regex, is_json, json_schema, similarity, max_latency_ms, max_cost_usd, "
            "llm_rubric",
        }
    ]


def test_an_invalid_regex_is_a_400_on_the_value() -> None:
    # When a regex assertion's pattern does not compile
    details = _details(_one_assertion({"type": "regex", "value": "(unclosed"}))
    # Then the 400 names the value and says why
    assert [d["field"] for d in details] == ["test_cases.0.assertions.0.value"]
    assert details[0]["message"].startswith("Invalid regular expression: missing )")


def test_a_regex_longer_than_the_bound_is_refused() -> None:
    # Given a pattern one character over the bound / Then it is refused, and one at the bound is taken
    assert "at most 1000 characters" in _message({"type": "regex", "value": "a" * (MAX_REGEX_CHARS + 1)})
    assert Assertion.model_validate({"type": "regex", "value": "a" * MAX_REGEX_CHARS}).value == "a" * 1000


def test_an_invalid_json_schema_is_a_400_that_says_where() -> None:
    # When the schema's `type` is no JSON type
    message = _message({"type": "json_schema", "value": {"type": "object", "properties": {"n": {"type": "int"}}}})
    # Then the 400 says which part of the schema is wrong
    assert message.startswith("Invalid JSON schema at /properties/n/type:")


def test_a_json_schema_with_a_bad_pattern_is_refused() -> None:
    # Given a schema whose `pattern` is no regular expression / Then the schema is invalid
    assert _message({"type": "json_schema", "value": {"type": "string", "pattern": "(x"}}).startswith(
        "Invalid JSON schema at /pattern:"
    )


@pytest.mark.parametrize("value", [None, "{}", ["object"], 3])
def test_a_json_schema_assertion_needs_a_schema_object(value: Any) -> None:
    message = _message({"type": "json_schema", "value": value})
    assert message == "'json_schema' needs a JSON schema (an object) as its value"


@pytest.mark.parametrize("kind", ["equals", "contains", "icontains", "not_contains", "starts_with", "similarity"])
@pytest.mark.parametrize("value", [None, 3, True, ["x"], {"a": "b"}])
def test_text_assertions_need_a_string_value(kind: str, value: Any) -> None:
    assert _message({"type": kind, "value": value}) == f"'{kind}' needs a string value"


@pytest.mark.parametrize("kind", ["contains", "icontains", "not_contains", "starts_with", "similarity"])
def test_text_assertions_other_than_equals_need_some_text(kind: str) -> None:
    # Given an empty value (which every output contains) / Then it is refused; `equals ""` is a real check
    assert _message({"type": kind, "value": ""}) == f"'{kind}' needs a non-empty string value"
    assert Assertion.model_validate({"type": "equals", "value": ""}).value == ""


@pytest.mark.parametrize("kind", ["max_latency_ms", "max_cost_usd"])
@pytest.mark.parametrize("value", [None, -1, -0.01, "100", True])
def test_limits_need_a_number_of_at_least_zero(kind: str, value: Any) -> None:
    assert _message({"type": kind, "value": value}) == f"'{kind}' needs a number >= 0 as its value"


@pytest.mark.parametrize(("kind", "value"), [("max_latency_ms", 0), ("max_latency_ms", 1500), ("max_cost_usd", 0.002)])
def test_limits_take_integers_and_fractions(kind: str, value: float) -> None:
    assert Assertion.model_validate({"type": kind, "value": value}).value == value


def test_is_json_takes_no_value() -> None:
    assert _message({"type": "is_json", "value": "yes"}) == "'is_json' takes no value"
    assert Assertion.model_validate({"type": "is_json"}).value is None


@pytest.mark.parametrize("value", [None, "", "   ", 5])
def test_llm_rubric_needs_a_rubric(value: Any) -> None:
    assert _message({"type": "llm_rubric", "value": value}).startswith("'llm_rubric' needs the rubric")


def test_thresholds_default_to_0_8_for_similarity_and_70_for_llm_rubric() -> None:
    # When the threshold is left out / Then each type gets its own default, and the others none
    assert Assertion.model_validate({"type": "similarity", "value": "Paris"}).threshold == 0.8
    assert Assertion.model_validate({"type": "llm_rubric", "value": "Polite"}).threshold == 70
    assert Assertion.model_validate({"type": "contains", "value": "Paris"}).threshold is None


@pytest.mark.parametrize(
    ("kind", "threshold", "message"),
    [
        ("similarity", 1.5, "The threshold of 'similarity' is between 0 and 1"),
        ("similarity", -0.1, "The threshold of 'similarity' is between 0 and 1"),
        ("llm_rubric", 101, "The threshold of 'llm_rubric' is between 0 and 100"),
        ("contains", 0.5, "'contains' takes no threshold (only similarity and llm_rubric do)"),
    ],
)
def test_a_threshold_out_of_range_or_on_a_type_without_one_is_refused(
    kind: str, threshold: float, message: str
) -> None:
    details = _details(_one_assertion({"type": kind, "value": "x", "threshold": threshold}))
    assert details == [{"field": "test_cases.0.assertions.0.threshold", "message": message}]


def test_a_similarity_threshold_of_1_and_a_rubric_threshold_of_0_are_allowed() -> None:
    assert Assertion.model_validate({"type": "similarity", "value": "x", "threshold": 1}).threshold == 1
    assert Assertion.model_validate({"type": "llm_rubric", "value": "x", "threshold": 0}).threshold == 0


def test_weight_defaults_to_1_and_must_be_positive() -> None:
    assert Assertion.model_validate({"type": "contains", "value": "x"}).weight == 1
    assert Assertion.model_validate({"type": "contains", "value": "x", "weight": 2.5}).weight == 2.5
    for weight in (0, -1, 101, "2"):
        with pytest.raises(ValidationError):
            Assertion.model_validate({"type": "contains", "value": "x", "weight": weight})


def test_unknown_assertion_fields_are_rejected() -> None:
    assert _details(_one_assertion({"type": "contains", "value": "x", "case_sensitive": True})) == [
        {"field": "test_cases.0.assertions.0.case_sensitive", "message": "Unknown field"}
    ]


def test_every_bad_assertion_of_a_request_is_reported_at_once() -> None:
    # Given two cases with a bad assertion each
    payload = {
        "test_cases": [
            {"inputs": {}, "assertions": [{"type": "regex", "value": "["}]},
            {"inputs": {}, "assertions": [{"type": "contains", "value": "ok"}, {"type": "bogus"}]},
        ]
    }
    # Then the 400 lists both
    assert [d["field"] for d in _details(payload)] == [
        "test_cases.0.assertions.0.value",
        "test_cases.1.assertions.1.type",
    ]


def test_a_case_without_assertions_checks_its_expected_output_and_rubric() -> None:
    # Given a case with an expected output and a rubric, and no assertions
    case = Case.model_validate(
        {"inputs": {"city": "Paris"}, "expected_output": "Eiffel", "rubric": "Mentions a landmark"}
    )
    # Then the expected output is an icontains check and the rubric an llm_rubric one at its default threshold
    checks = case.checks()
    assert [(a.type, a.value, a.threshold, a.weight) for a in checks] == [
        ("icontains", "Eiffel", None, 1),
        ("llm_rubric", "Mentions a landmark", 70, 1),
    ]


def test_a_case_with_assertions_checks_only_those() -> None:
    case = Case.model_validate(
        {"inputs": {}, "expected_output": "Eiffel", "assertions": [{"type": "starts_with", "value": "The"}]}
    )
    assert [a.type for a in case.checks()] == ["starts_with"]


def test_an_empty_assertion_list_counts_as_none() -> None:
    case = Case.model_validate({"inputs": {}, "expected_output": "Eiffel", "assertions": []})
    assert [a.type for a in case.checks()] == ["icontains"]


def test_a_case_with_nothing_to_check_has_no_assertions() -> None:
    assert Case.model_validate({"inputs": {"x": 1}}).checks() == []


def test_a_case_without_an_id_is_known_by_its_position() -> None:
    assert Case.model_validate({"inputs": {}}).case_id(3) == "3"
    assert Case.model_validate({"id": "capital-fr", "inputs": {}}).case_id(3) == "capital-fr"


def test_a_case_needs_inputs() -> None:
    assert _details({"test_cases": [{"expected_output": "x"}]}) == [
        {"field": "test_cases.0.inputs", "message": "Field required"}
    ]


def test_a_case_takes_at_most_20_assertions() -> None:
    many = [{"type": "contains", "value": "x"}] * (MAX_ASSERTIONS + 1)
    assert [d["field"] for d in _details({"test_cases": [{"inputs": {}, "assertions": many}]})] == [
        "test_cases.0.assertions"
    ]
    assert len(Case.model_validate({"inputs": {}, "assertions": many[:MAX_ASSERTIONS]}).checks()) == MAX_ASSERTIONS
