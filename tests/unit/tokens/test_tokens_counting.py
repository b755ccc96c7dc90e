"""count_tokens, count_exact_openai, encoding_for_model and the estimate, on the bundled encodings."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from promptbank.errors import ValidationFailed
from promptbank.tokens import (
    ESTIMATE_FACTORS,
    TokenCount,
    count_exact_openai,
    count_tokens,
    encoding_for_model,
    estimate_tokens,
    get_encoding,
)

REPO = Path(__file__).resolve().parents[3]


def test_hello_world_is_two_tokens_for_gpt_4o() -> None:
    # Given a model on o200k_base
    # When "hello world" is counted
    result = count_tokens("hello world", "gpt-4o")
    # Then it is exactly two tokens
    assert result == TokenCount(
        model="gpt-4o", token_count=2, character_count=11, tokenizer="o200k_base", exact=True
    )


def test_hello_world_is_two_tokens_for_gpt_4() -> None:
    # Given a model on cl100k_base
    # When "hello world" is counted
    result = count_tokens("hello world", "gpt-4")
    # Then it is exactly two tokens, counted by cl100k_base
    assert (result.token_count, result.tokenizer, result.exact) == (2, "cl100k_base", True)


@pytest.mark.parametrize(("encoding", "ids"), [("o200k_base", [24912, 2375]), ("cl100k_base", [15339, 1917])])
def test_bundled_encodings_give_openais_published_token_ids(encoding: str, ids: list[int]) -> None:
    # Given a bundled encoding
    # When "hello world" is encoded
    # Then the ids are the ones OpenAI's tokenizer gives
    assert get_encoding(encoding).encode_ordinary("hello world") == ids


def test_to_dict_is_the_api_token_count_shape() -> None:
    # Given a count
    result = count_tokens("hello world", "gpt-4o-mini")
    # When it is serialised
    # Then it has exactly the fields of API.md's TokenCount
    assert result.to_dict() == {
        "model": "gpt-4o-mini",
        "token_count": 2,
        "character_count": 11,
        "tokenizer": "o200k_base",
        "exact": True,
    }


def test_character_count_is_in_code_points() -> None:
    # Given text with a two-byte letter and a four-byte emoji
    # When it is counted
    result = count_tokens("héllo 🦊", "gpt-4o")
    # Then each counts as one character
    assert result.character_count == 7


def test_special_token_strings_count_as_plain_text() -> None:
    # Given a prompt that contains the text of a special token
    text = "before <|endoftext|> after"
    # When it is counted (tiktoken's encode() would refuse it)
    result = count_tokens(text, "gpt-4o")
    # Then it counts as ordinary text, as encode with no special tokens does
    assert result.token_count == len(get_encoding("o200k_base").encode(text, disallowed_special=()))
    assert result.token_count > 3


def test_empty_text_is_zero_tokens() -> None:
    # Given empty text
    # When it is counted exactly and estimated
    # Then both are zero
    assert count_tokens("", "gpt-4o").token_count == 0
    assert count_tokens("", "claude").token_count == 0


def test_count_is_the_same_with_and_without_the_openai_prefix() -> None:
    # Given the same model with and without its provider prefix
    text = "The quick brown fox jumps over the lazy dog."
    # When both are counted
    plain = count_tokens(text, "gpt-4.1")
    prefixed = count_tokens(text, "openai/gpt-4.1")
    # Then the count is the same and the model is echoed as given
    assert prefixed.token_count == plain.token_count
    assert prefixed.model == "openai/gpt-4.1"


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-oss-120b", "o200k_base"),
        ("gpt-99-future", "o200k_base"),
        ("openai", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("openai/text-embedding-3-small", "cl100k_base"),
    ],
)
def test_encoding_for_model(model: str, encoding: str) -> None:
    # Given an OpenAI model id
    # When its encoding is looked up
    # Then it is the one OpenAI uses for it (unknown future models: o200k_base)
    assert encoding_for_model(model) == encoding


@pytest.mark.parametrize(
    "model", ["claude-sonnet-4-20250514", "gemini", "deepseek-chat", "openai_compatible/x"]
)
def test_encoding_for_model_refuses_models_without_a_tiktoken_encoding(model: str) -> None:
    # Given a model whose tokenizer is not OpenAI's
    # When its encoding is asked for
    # Then it is a validation error on the model field
    with pytest.raises(ValidationFailed) as caught:
        encoding_for_model(model)
    assert caught.value.details[0]["field"] == "model"


def test_count_exact_openai_counts_with_the_named_encoding() -> None:
    # Given a text that the two encodings split differently
    text = "Привет мир, こんにちは世界"
    # When it is counted with each
    o200k = count_exact_openai(text, "o200k_base")
    cl100k = count_exact_openai(text, "cl100k_base")
    # Then each count is that encoding's own
    assert o200k == len(get_encoding("o200k_base").encode_ordinary(text))
    assert cl100k == len(get_encoding("cl100k_base").encode_ordinary(text))
    assert o200k < cl100k


def test_count_exact_openai_refuses_an_encoding_that_is_not_bundled() -> None:
    # Given an encoding name that is not bundled
    # When text is counted with it
    # Then it is refused rather than downloaded
    with pytest.raises(ValueError, match="Unsupported encoding"):
        count_exact_openai("hello", "p50k_base")


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("claude", "anthropic"),
        ("claude-sonnet-4-20250514", "anthropic"),
        ("anthropic/claude-3-5-haiku-20241022", "anthropic"),
        ("gemini", "gemini"),
        ("gemini-2.5-flash", "gemini"),
        ("deepseek", "deepseek"),
        ("deepseek-reasoner", "deepseek"),
        ("openai_compatible/meta-llama/Llama-3-8b", "openai_compatible"),
    ],
)
def test_other_families_get_a_labelled_estimate(model: str, provider: str) -> None:
    # Given a model whose tokenizer is not available locally
    text = "Summarise the following support ticket in two sentences, then list the next steps."
    # When it is counted
    result = count_tokens(text, model)
    # Then it is the o200k_base count scaled by the family's factor, marked as an estimate
    expected = math.ceil(count_exact_openai(text, "o200k_base") * ESTIMATE_FACTORS[provider])
    assert result == TokenCount(
        model=model,
        token_count=expected,
        character_count=len(text),
        tokenizer=f"{provider}-estimate",
        exact=False,
    )


def test_claude_estimate_is_above_the_gpt_4o_count() -> None:
    # Given English prose (Claude's tokenizer needs more tokens than o200k_base for it)
    text = "Tokenizers differ: the same paragraph costs a different number of tokens per provider. " * 20
    # When it is counted for both
    # Then the Claude estimate is the larger
    assert count_tokens(text, "claude").token_count > count_tokens(text, "gpt-4o").token_count


def test_estimate_tokens_refuses_an_unknown_provider() -> None:
    # Given a provider with no estimate factor
    # When an estimate is asked for
    # Then it is a programming error, not a silent default
    with pytest.raises(ValueError, match="No token estimate"):
        estimate_tokens("hello", "openai")


@pytest.mark.parametrize(
    "model", ["llama-3", "mistral-large", "", "foo/bar", "meta-llama/Llama-3-8b", "GPT-4o", "o", " gpt-4o"]
)
def test_unknown_model_family_is_a_validation_error(model: str) -> None:
    # Given a model that names no known family or provider
    # When text is counted for it
    # Then it is a 400 on the model field
    with pytest.raises(ValidationFailed) as caught:
        count_tokens("hello", model)
    assert caught.value.status == 400
    assert caught.value.details[0]["field"] == "model"


def test_model_on_a_retired_encoding_is_a_validation_error() -> None:
    # Given an OpenAI model whose encoding (r50k_base) is not bundled
    # When text is counted for it
    # Then it is refused, never downloaded
    with pytest.raises(ValidationFailed, match="r50k_base"):
        count_tokens("hello", "openai/davinci")


def test_text_must_be_a_string() -> None:
    # Given bytes instead of text
    # When they are counted
    # Then it is a type error
    with pytest.raises(TypeError):
        count_tokens(b"hello", "gpt-4o")  # type: ignore[arg-type]


def test_an_encoding_is_built_once_and_shared() -> None:
    # Given several threads asking for an encoding at the same time
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(get_encoding("cl100k_base"))) for _ in range(8)]
    # When they all finish
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then they all got the one cached object
    assert len({id(result) for result in results}) == 1
    assert results[0] is get_encoding("cl100k_base")


def test_importing_the_package_loads_nothing() -> None:
    # Given a fresh interpreter
    code = (
        "import sys, promptbank.tokens as t; "
        "print('tiktoken' in sys.modules, 'tiktoken_ext' in sys.modules, t.loaded_encodings())"
    )
    # When promptbank.tokens is imported
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO / "shared")},
    ).stdout
    # Then neither tiktoken nor any encoding was loaded
    assert out.strip() == "False False {}"
