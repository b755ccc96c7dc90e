"""The assertion catalogue: each type passing and failing with its score and reason, the judge's prompt and the
reading of its reply, and how a case and an evaluation are scored from their assertions."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptbank.evaluation.assertions import (
    REGEX_TIMEOUT_S,
    case_result,
    check,
    rubric_messages,
    score_rubric_reply,
    summary,
)
from promptbank.evaluation.models import Assertion, AssertionResult, CaseResult

# A pattern that backtracks exponentially on a long run of "a" followed by something else.
CATASTROPHIC = r"(a|aa)+$"


def _assertion(kind: str, value: Any = None, **fields: Any) -> Assertion:
    body = {"type": kind, **({"value": value} if value is not None else {}), **fields}
    return Assertion.model_validate(body)


def _check(kind: str, value: Any, output: str, latency_ms: int | None = 900, cost_usd: float | None = 0.001,
           **fields: Any) -> AssertionResult:
    return check(_assertion(kind, value, **fields), output, latency_ms, cost_usd)


@pytest.mark.parametrize(
    ("kind", "value", "output", "passed"),
    [
        ("equals", "Paris", "Paris", True),
        ("equals", "Paris", "Paris\n", False),
        ("equals", "Paris", "paris", False),
        ("contains", "Paris", "The capital is Paris.", True),
        ("contains", "Paris", "The capital is PARIS.", False),
        ("icontains", "paris", "The capital is PARIS.", True),
        ("icontains", "straße", "STRASSE", True),
        ("icontains", "Lyon", "The capital is Paris.", False),
        ("not_contains", "sorry", "Here you are.", True),
        ("not_contains", "sorry", "I am sorry, I cannot.", False),
        ("starts_with", "Dear", "Dear customer,", True),
        ("starts_with", "Dear", "Hi customer,", False),
        ("regex", r"^\d{3}-\d{4}$", "555-1234", True),
        ("regex", r"\bORD-[0-9]+\b", "Your order ORD-42 shipped", True),
        ("regex", r"^\d{3}-\d{4}$", "call 555-1234", False),
        ("is_json", None, ' {"a": [1, 2]}\n', True),
        ("is_json", None, "```json\n{}\n```", False),
        ("is_json", None, "NaN", False),
        ("similarity", "The quick brown fox", "The quick brown fox", True),
        ("similarity", "The quick brown fox", "A slow red dog", False),
        ("max_latency_ms", 1000, "x", True),
        ("max_latency_ms", 899, "x", False),
        ("max_cost_usd", 0.001, "x", True),
        ("max_cost_usd", 0.0009, "x", False),
    ],
)
def test_each_deterministic_type_passes_with_100_or_fails_with_0(
    kind: str, value: Any, output: str, passed: bool
) -> None:
    # When an output of 900 ms costing $0.001 is checked
    result = _check(kind, value, output)
    # Then the result says whether it passed, and deterministic checks score all or nothing
    assert (result.type, result.passed) == (kind, passed)
    if kind != "similarity":
        assert result.score == (100 if passed else 0)
    assert result.reason


def test_a_limit_passes_at_exactly_the_limit() -> None:
    assert _check("max_latency_ms", 900, "x").passed
    assert _check("max_cost_usd", 0.001, "x").passed


def test_reasons_say_what_was_expected_and_what_came() -> None:
    assert _check("contains", "Paris", "Lyon").reason == 'Output does not contain "Paris"'
    assert _check("equals", "Paris", "Lyon").reason == 'Output "Lyon" is not "Paris"'
    assert _check("max_latency_ms", 500, "x").reason == "Latency 900 ms > 500 ms"


def test_a_long_output_is_cut_short_in_a_reason() -> None:
    reason = _check("equals", "short", "x" * 5_000).reason
    assert len(reason) < 200 and "…" in reason


def test_a_regex_that_backtracks_catastrophically_fails_in_bounded_time() -> None:
    # Given a pattern that would take ages on this output with a backtracking engine
    started = time.perf_counter()
    result = _check("regex", CATASTROPHIC, "a" * 5_000 + "!")
    # Then the assertion fails soon after the timeout, and says why
    assert time.perf_counter() - started < 10 * REGEX_TIMEOUT_S + 1
    assert not result.passed and result.score == 0
    assert result.reason == f"The regular expression ran longer than {REGEX_TIMEOUT_S:g} s on the output"


def test_similarity_scores_the_normalised_levenshtein_ratio() -> None:
    # Given "kitten" and "sitting": 3 edits over 7 characters, 1 - 3/7 = 0.571
    result = _check("similarity", "kitten", "sitting")
    # Then the score is the ratio x 100, which is under the default threshold of 0.8
    assert (result.passed, result.score) == (False, 57.14)
    assert result.reason == "Similarity 0.571 < threshold 0.8"
    # And a lower threshold lets it pass, with the same score
    lenient = _check("similarity", "kitten", "sitting", threshold=0.5)
    assert (lenient.passed, lenient.score) == (True, 57.14)


def test_similarity_passes_at_exactly_the_threshold() -> None:
    # Given 1 edit in 5 characters (ratio 0.8) / Then the default threshold passes it
    assert _check("similarity", "abcde", "abcdx").passed


def test_similarity_is_case_sensitive() -> None:
    assert _check("similarity", "PARIS", "paris").score == 0


def test_json_schema_passes_valid_json_and_names_where_invalid_json_fails() -> None:
    schema = {"type": "object", "required": ["name", "age"], "properties": {"age": {"type": "integer", "minimum": 0}}}
    # When outputs are checked against the schema
    good = _check("json_schema", schema, '{"name": "Ada", "age": 36}')
    bad = _check("json_schema", schema, '{"name": "Ada", "age": -1}')
    # Then the valid one passes and the other fails, saying where and why
    assert (good.passed, good.score) == (True, 100)
    assert (bad.passed, bad.score) == (False, 0)
    assert bad.reason == "Output does not match the JSON schema at /age: -1 is less than the minimum of 0"


def test_json_schema_fails_an_output_that_is_not_json() -> None:
    result = _check("json_schema", {"type": "object"}, "Sure! Here is the JSON: {}")
    assert not result.passed and result.reason.startswith("Output is not JSON")


def test_a_schema_pattern_that_backtracks_catastrophically_fails_in_bounded_time() -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": CATASTROPHIC}}}
    started = time.perf_counter()
    result = _check("json_schema", schema, json.dumps({"code": "a" * 5_000 + "!"}))
    assert time.perf_counter() - started < 10 * REGEX_TIMEOUT_S + 1
    assert not result.passed and "ran longer than" in result.reason


def test_a_schema_pattern_property_is_checked_too() -> None:
    schema = {"type": "object", "patternProperties": {"^x-": {"type": "string"}}}
    assert _check("json_schema", schema, '{"x-id": "a", "other": 1}').passed
    assert not _check("json_schema", schema, '{"x-id": 1}').passed


def test_a_schema_ref_to_another_document_is_never_fetched() -> None:
    # Given a schema that refers to a document elsewhere
    schema = {"$ref": "https://schemas.example.com/person.json"}
    # Then the assertion fails, saying so, without any request (tests may only reach loopback)
    result = _check("json_schema", schema, "{}")
    assert not result.passed
    assert result.reason.startswith("The schema has a $ref that cannot be resolved")


def test_a_schema_ref_inside_the_schema_resolves() -> None:
    schema = {"$defs": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/$defs/n"}}
    assert _check("json_schema", schema, "[1, 2]").passed
    assert not _check("json_schema", schema, '[1, "2"]').passed


def test_a_latency_limit_fails_when_no_latency_was_measured() -> None:
    result = _check("max_latency_ms", 1000, "x", latency_ms=None)
    assert (result.passed, result.reason) == (False, "No latency was measured")


def test_a_cost_limit_fails_when_the_cost_is_unknown() -> None:
    # Given a model whose price is unknown (cost_usd null)
    result = _check("max_cost_usd", 1, "x", cost_usd=None)
    # Then the cost cannot be held under any limit, and the reason says so
    assert not result.passed and result.score == 0
    assert "cost is unknown" in result.reason


def test_llm_rubric_is_not_a_deterministic_check() -> None:
    with pytest.raises(ValueError, match="needs a judge"):
        _check("llm_rubric", "Polite", "Hello")


# The judge ----------------------------------------------------------------------------------------------------
def test_the_judge_is_asked_for_a_score_and_a_reason_as_json() -> None:
    # When the judge's messages are built for a rubric, an output and the prompt that produced it
    system, user = rubric_messages(_assertion("llm_rubric", "Answers politely"), "Go away.", prompt="Greet Ada")
    # Then the system message asks for the JSON object, and the user message holds the three, delimited
    assert (system.role, user.role) == ("system", "user")
    assert '{"score": <integer from 0 to 100>, "reason":' in system.content
    assert "<rubric>\nAnswers politely\n</rubric>" in user.content
    assert "<prompt>\nGreet Ada\n</prompt>" in user.content
    assert user.content.endswith("<output>\nGo away.\n</output>")


def test_the_judge_sees_no_prompt_section_without_a_prompt() -> None:
    _, user = rubric_messages(_assertion("llm_rubric", "Polite"), "Hello")
    assert "<prompt>" not in user.content


def _judged(reply: str, threshold: float | None = None) -> AssertionResult:
    fields = {"threshold": threshold} if threshold is not None else {}
    return score_rubric_reply(_assertion("llm_rubric", "Polite", **fields), reply)


def test_a_judge_score_at_the_threshold_passes_and_keeps_its_score_and_reason() -> None:
    result = _judged('{"score": 70, "reason": "Mostly polite."}')
    assert (result.passed, result.score) == (True, 70)
    assert result.reason == "Judge score 70 >= threshold 70: Mostly polite."


def test_a_judge_score_under_the_threshold_fails_with_that_score() -> None:
    result = _judged('{"score": 69.5, "reason": "Curt."}')
    assert (result.passed, result.score) == (False, 69.5)
    assert result.reason == "Judge score 69.5 < threshold 70: Curt."


def test_a_custom_threshold_decides() -> None:
    assert _judged('{"score": 50, "reason": "ok"}', threshold=50).passed
    assert not _judged('{"score": 95, "reason": "ok"}', threshold=96).passed


@pytest.mark.parametrize(
    "reply",
    [
        '```json\n{"score": 88, "reason": "Warm."}\n```',
        '```\n{"score": 88, "reason": "Warm."}\n```',
        'Here is my grade:\n{"score": 88, "reason": "Warm."}',
        '  {"score": 88, "reason": "Warm."}  \n',
    ],
)
def test_a_fenced_or_wrapped_judge_reply_is_read(reply: str) -> None:
    result = _judged(reply)
    assert (result.passed, result.score, result.reason) == (True, 88, "Judge score 88 >= threshold 70: Warm.")


def test_a_judge_reply_without_a_reason_still_counts() -> None:
    assert _judged('{"score": 90}').reason == "Judge score 90 >= threshold 70"


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("The answer is polite, 9/10.", "The judge did not answer with a JSON object"),
        ("", "The judge did not answer with a JSON object"),
        ('{"score": 80, "reason": "ok"', "The judge did not answer with a JSON object"),
        ("[80]", "The judge did not answer with a JSON object"),
        ('{"reason": "ok"}', "The judge's answer has no numeric score"),
        ('{"score": "80", "reason": "ok"}', "The judge's answer has no numeric score"),
        ('{"score": true, "reason": "ok"}', "The judge's answer has no numeric score"),
        ('{"score": 150, "reason": "great"}', "The judge's score 150 is outside 0-100"),
        ('{"score": -5, "reason": "awful"}', "The judge's score -5 is outside 0-100"),
        ('{"score": 80, "reason": ["ok"]}', "The judge's reason is not a string"),
    ],
)
def test_a_judge_reply_that_is_not_a_score_fails_the_assertion(reply: str, why: str) -> None:
    result = _judged(reply)
    assert (result.type, result.passed, result.score) == ("llm_rubric", False, 0)
    assert result.reason.startswith(why)


# Cases and evaluations ------------------------------------------------------------------------------------------
def _scored(kind: str, value: Any, output: str, weight: float = 1) -> tuple[Assertion, AssertionResult]:
    assertion = _assertion(kind, value, weight=weight)
    return assertion, check(assertion, output, 900, 0.001)


def _case(checked: list[tuple[Assertion, AssertionResult]], error: str | None = None, **fields: Any) -> CaseResult:
    run = {"test_case_id": "1", "name": None, "output": "Paris", "latency_ms": 900, "cost_usd": 0.001, **fields}
    return case_result(checked=checked, error=error, **run)


def test_a_case_passes_when_every_assertion_passes() -> None:
    result = _case([_scored("contains", "Par", "Paris"), _scored("max_latency_ms", 1000, "Paris")])
    assert (result.passed, result.quality_score) == (True, 100)
    assert [a.type for a in result.assertions] == ["contains", "max_latency_ms"]


def test_the_quality_score_is_the_weighted_mean_and_one_failure_fails_the_case() -> None:
    # Given a passing assertion of weight 3 and a failing one of weight 1
    result = _case([_scored("contains", "Par", "Paris", weight=3), _scored("equals", "Lyon", "Paris")])
    # Then the score is (3 x 100 + 1 x 0) / 4, and the case fails
    assert (result.passed, result.quality_score) == (False, 75)


def test_a_similarity_score_counts_with_its_weight() -> None:
    # Given similarity 57.14 (weight 1) and a pass (weight 2)
    result = _case([_scored("similarity", "kitten", "sitting"), _scored("contains", "t", "sitting", weight=2)])
    assert result.quality_score == round((57.14 + 200) / 3, 2)


def test_a_case_with_an_error_fails_without_a_quality_score() -> None:
    # Given a provider failure (or the evaluation's deadline) / Then the case fails, whatever was checked
    result = _case([], error="timeout", output=None, latency_ms=None, cost_usd=None)
    assert (result.passed, result.quality_score, result.error) == (False, None, "timeout")
    assert result.assertions == []


def test_a_case_with_no_assertions_passes_on_a_successful_run() -> None:
    result = _case([])
    assert (result.passed, result.quality_score) == (True, None)


def test_a_case_result_has_exactly_the_fields_of_the_contract() -> None:
    assert list(_case([_scored("contains", "P", "Paris")]).model_dump()) == [
        "test_case_id", "name", "passed", "quality_score", "output", "latency_ms", "cost_usd", "assertions", "error",
    ]


def test_the_summary_counts_every_case_and_averages_those_with_values() -> None:
    # Given a passing case, a failing one, and one that timed out
    results = [
        _case([_scored("contains", "P", "Paris")], latency_ms=1000, cost_usd=0.002),
        _case([_scored("equals", "Lyon", "Paris")], latency_ms=2000, cost_usd=None),
        _case([], error="timeout", output=None, latency_ms=None, cost_usd=None),
    ]
    # When they are summed up
    totals = summary(results)
    # Then every case counts for the pass rate; the averages and cost leave out what is unknown
    assert totals.model_dump() == {
        "total_tests": 3,
        "passed_tests": 1,
        "pass_rate": 0.3333,
        "avg_latency_ms": 1500.0,
        "avg_quality_score": 50.0,
        "total_cost_usd": 0.002,
    }


def test_the_summary_of_nothing_is_zero() -> None:
    assert summary([]).model_dump() == {
        "total_tests": 0, "passed_tests": 0, "pass_rate": 0.0, "avg_latency_ms": None, "avg_quality_score": None,
        "total_cost_usd": 0.0,
    }


# Properties -----------------------------------------------------------------------------------------------------
text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
# No per-example deadline: these run beside other suites, and a slow first example is the machine, not the code.
unhurried = settings(deadline=None)


@unhurried
@given(expected=text, output=st.text(st.characters(codec="utf-8"), max_size=40))
def test_similarity_scores_0_to_100_and_passes_exactly_at_its_threshold(expected: str, output: str) -> None:
    result = _check("similarity", expected, output)
    assert 0 <= result.score <= 100
    # (ratios of texts this short are never within rounding of 0.8 without being 0.8)
    assert result.passed == (result.score >= 80)
    assert _check("similarity", expected, expected).score == 100


@unhurried
@given(needle=text, before=st.text(max_size=10), after=st.text(max_size=10))
def test_an_escaped_value_as_a_regex_matches_where_contains_passes(needle: str, before: str, after: str) -> None:
    # Given any text that contains the value / Then contains passes, and so does the value as a literal regex
    output = before + needle + after
    assert _check("contains", needle, output).passed
    assert _check("regex", re.escape(needle), output).passed
    assert not _check("not_contains", needle, output).passed


@unhurried
@given(
    st.lists(
        st.tuples(st.booleans(), st.floats(min_value=0.01, max_value=100, allow_nan=False)), min_size=1, max_size=8
    )
)
def test_the_quality_score_lies_between_the_lowest_and_highest_assertion_score(cases: list[tuple[bool, float]]) -> None:
    checked = [_scored("contains", "P" if hit else "Q", "Paris", weight=weight) for hit, weight in cases]
    result = _case(checked)
    scores = [r.score for _, r in checked]
    assert result.quality_score is not None
    assert min(scores) <= result.quality_score <= max(scores)
    assert result.passed == all(hit for hit, _ in cases)


@unhurried
@given(score=st.integers(0, 100), reason=st.text(max_size=80), fenced=st.booleans())
def test_any_well_formed_judge_reply_is_read_back(score: int, reason: str, fenced: bool) -> None:
    reply = json.dumps({"score": score, "reason": reason})
    if fenced:
        reply = f"```json\n{reply}\n```"
    result = _judged(reply)
    assert (result.score, result.passed) == (score, score >= 70)
