"""The patterns the OpenAPI document states are the rules the code applies (issue 9: schemathesis ST202).

Each pattern sits in the schema as `json_schema_extra`/`Query(pattern=...)`, while the code validates with
its own function and messages; these tests hold the two equal: everything a pattern admits is accepted,
and for model ids also the converse, so neither can drift without a failing test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiktoken.model import MODEL_PREFIX_TO_ENCODING, MODEL_TO_ENCODING

from promptbank.auth.models import EMAIL_RE, HTTPS_URL_RE, ProfileUpdateIn, RegisterIn
from promptbank.errors import ValidationFailed
from promptbank.models.routing import route
from promptbank.provider_keys.service import API_KEY_RE, BASE_URL_PATTERN, ProviderKeyIn
from promptbank.provider_keys.urls import check_base_url
from promptbank.runs.models import (
    MODEL_ID_PATTERN,
    RETIRED_OPENAI_MODELS,
    TIKTOKEN_ONLY_MODELS,
    TIKTOKEN_ONLY_PREFIXES,
    TOKEN_MODEL_PATTERN,
    ChatIn,
    TokenCountIn,
)
from promptbank.runs.stats import DAY_PATTERN, parse_day
from promptbank.tokens import FAMILY_ALIASES, SUPPORTED_ENCODINGS, count_tokens

BUNDLED = {*SUPPORTED_ENCODINGS, "o200k_harmony"}  # o200k_harmony counts as o200k_base
# Printable ASCII, plus what a pattern must keep out: spaces, control characters, non-ASCII.
ANY_ID = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
ASCII_ID = st.text(st.characters(min_codepoint=0x1F, max_codepoint=0x7F), min_size=1, max_size=40)


def _routes(model: str) -> bool:
    try:
        route(model)
    except ValidationFailed:
        return False
    return True


def _counts(model: str) -> bool:
    try:
        count_tokens("hello", model)
    except ValidationFailed:
        return False
    return True


def _schema_pattern(model: type, field: str) -> str:
    return model.model_json_schema()["properties"][field]["pattern"]  # type: ignore[attr-defined]


def test_the_models_put_the_patterns_in_the_schema() -> None:
    assert _schema_pattern(ChatIn, "model") == MODEL_ID_PATTERN
    assert _schema_pattern(TokenCountIn, "model") == TOKEN_MODEL_PATTERN
    assert _schema_pattern(RegisterIn, "email") == EMAIL_RE.pattern
    avatar = ProfileUpdateIn.model_json_schema()["properties"]["avatar_url"]["anyOf"][0]
    assert avatar["pattern"] == HTTPS_URL_RE.pattern
    keys = ProviderKeyIn.model_json_schema()["properties"]
    assert keys["api_key"]["pattern"] == API_KEY_RE.pattern
    assert keys["base_url"]["anyOf"][0]["pattern"] == BASE_URL_PATTERN


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o",
        "gpt-",
        "o1",
        "o3-mini",
        "chatgpt-4o-latest",
        "ft:gpt-4o-mini:org::id",
        "ft:o1",
        "claude-3-5",
        "deepseek-chat",
        "gemini-2.0-flash",
        "openai/x",
        "openai_compatible/meta-llama/Llama-3-8b",
        "0",
        "o",
        "ox",
        "omni-moderation",
        "gpt-4o/x",
        "openai/",
        "nope/x",
        "/gpt-4o",
        "gpt-4o x",
        "gpt-4o\n",
        "claude-\t",
        "o\u0661",
        "gemini-\u00e9",
        "ft:davinci-002",
        "GPT-4o",
    ],
)
def test_model_id_pattern_is_the_router(model: str) -> None:
    assert bool(re.fullmatch(MODEL_ID_PATTERN, model)) is _routes(model)


@settings(max_examples=300)
@given(st.one_of(st.from_regex(MODEL_ID_PATTERN, fullmatch=True), ANY_ID, ASCII_ID))
def test_model_id_pattern_agrees_with_the_router_on_any_text(model: str) -> None:
    assert bool(re.fullmatch(MODEL_ID_PATTERN, model)) is _routes(model)


def test_token_model_lists_are_tiktokens_tables() -> None:
    retired = {name for name, encoding in MODEL_TO_ENCODING.items() if encoding not in BUNDLED}
    assert set(RETIRED_OPENAI_MODELS) == retired
    counted_only = {name for name, encoding in MODEL_TO_ENCODING.items() if encoding in BUNDLED and not _routes(name)}
    assert set(TIKTOKEN_ONLY_MODELS) == counted_only
    prefixes = {prefix for prefix, encoding in MODEL_PREFIX_TO_ENCODING.items() if not _routes(prefix + "x")}
    assert set(TIKTOKEN_ONLY_PREFIXES) == prefixes
    # They go into the pattern unescaped.
    for name in (*RETIRED_OPENAI_MODELS, *TIKTOKEN_ONLY_MODELS, *TIKTOKEN_ONLY_PREFIXES, *FAMILY_ALIASES):
        assert re.fullmatch(r"[a-z0-9:-]+", name), name


@pytest.mark.parametrize(
    "model",
    [
        *FAMILY_ALIASES,
        *TIKTOKEN_ONLY_MODELS,
        *RETIRED_OPENAI_MODELS,
        *(f"openai/{name}" for name in RETIRED_OPENAI_MODELS),
        "ft:davinci-002:org::x",
        "gpt-4o",
        "gpt-2x",
        "anthropic/davinci",
        "openai/gpt-4o",
        "0",
        "claudex",
        "text-embedding-3",
        "ft:gpt-3.5-turbo:a::b",
    ],
)
def test_token_model_pattern_is_what_counting_accepts(model: str) -> None:
    assert bool(re.fullmatch(TOKEN_MODEL_PATTERN, model)) is _counts(model)


@settings(max_examples=300)
@given(st.one_of(st.from_regex(TOKEN_MODEL_PATTERN, fullmatch=True), ANY_ID, ASCII_ID))
def test_every_token_model_the_pattern_admits_is_counted(model: str) -> None:
    # One way only: counting also takes a few strings no pattern should advertise (`gpt-4o- x` by prefix).
    if re.fullmatch(TOKEN_MODEL_PATTERN, model):
        assert _counts(model)
    else:
        assert not _routes(model) or model.removeprefix("openai/") in RETIRED_OPENAI_MODELS


def _accepted(check: Callable[[str], object], value: str) -> bool:
    try:
        check(value)
    except (ValueError, ValidationFailed):
        return False
    return True


def _email(value: str) -> None:
    RegisterIn.model_validate({"email": value, "password": "long enough", "name": "N"})


def _avatar(value: str) -> None:
    ProfileUpdateIn.model_validate({"avatar_url": value})


def _api_key(value: str) -> None:
    ProviderKeyIn.model_validate({"api_key": value})


def _base_url(value: str) -> None:
    check_base_url(
        ProviderKeyIn.model_validate({"api_key": "k" * 10, "base_url": value}).base_url or "", deployed=False
    )


def _day(value: str) -> None:
    parse_day(value, "from")


# (pattern, the code's check, the field's length bounds, values the pattern and the check both refuse)
CASES = {
    "email": (EMAIL_RE.pattern, _email, (1, 254), ["", "a@b", "a b@c.de", "@c.de"]),
    "avatar_url": (HTTPS_URL_RE.pattern, _avatar, (1, 2048), ["", "http://a.example/x.png", "https://", "https://a b"]),
    "api_key": (API_KEY_RE.pattern, _api_key, (10, 200), ["sk-\u00e9" * 4, "sk-with space"]),
    "base_url": (
        BASE_URL_PATTERN,
        _base_url,
        (1, 2000),
        ["", "ftp://a", "https://u:p@a", "https://a/?q", "https://a:65536"],
    ),
}


@pytest.mark.parametrize(("pattern", "check", "bounds", "refused"), CASES.values(), ids=CASES.keys())
@settings(max_examples=200)
@given(data=st.data())
def test_what_a_pattern_admits_is_accepted(
    pattern: str, check: Callable[[str], None], bounds: tuple[int, int], refused: list[str], data: st.DataObject
) -> None:
    low, high = bounds
    value = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda v: low <= len(v) <= high))
    assert _accepted(check, value), value
    for value in refused:
        assert not re.fullmatch(pattern, value)
        assert not _accepted(check, value), value


PATTERNS = {
    "model": MODEL_ID_PATTERN,
    "token_model": TOKEN_MODEL_PATTERN,
    "email": EMAIL_RE.pattern,
    "avatar_url": HTTPS_URL_RE.pattern,
    "api_key": API_KEY_RE.pattern,
    "base_url": BASE_URL_PATTERN,
    "day": DAY_PATTERN,
}
# Where Python's `re` and ECMA-262 regexes differ: whitespace (`\s`), digits (`\d`), `$` before a newline.
TRICKY = st.sampled_from("\x1c\x1f\x85\ufeff\u00a0\u0661\n \t\x00")


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=PATTERNS.keys())
@settings(max_examples=150)
@given(data=st.data())
def test_the_schema_dialect_reads_each_pattern_as_python_does(pattern: str, data: st.DataObject) -> None:
    # Schemathesis checks values against the document with jsonschema_rs (ECMA-262 regexes).
    schema = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    valid = data.draw(st.from_regex(pattern, fullmatch=True))
    position = data.draw(st.integers(0, len(valid)))
    tricky = valid[:position] + data.draw(TRICKY) + valid[position:]
    for value in (valid, tricky, tricky + "\n"):
        assert schema.is_valid(value) is bool(re.fullmatch(pattern, value)), repr(value)


@given(st.dates())
def test_a_date_is_a_day_the_stats_take(day: date) -> None:
    assert re.fullmatch(DAY_PATTERN, day.isoformat())
    assert parse_day(day.isoformat(), "from") == day
