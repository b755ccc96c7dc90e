"""How provider failures become ProviderError / ProviderTimeout, and that the API key never leaks."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.errors import PromptbankError, ProviderError, ProviderNotConfigured, ProviderTimeout
from promptbank.providers import ChatMessage, ChatRequest, _http, deadline_after, get_provider

KEY = "sk-test-SECRET-4f9a8b7c6d5e"
REQUEST = ChatRequest(model="any-model", messages=[ChatMessage("user", "ping")])


def run(provider: str = "openai", base_url: str | None = None) -> None:
    get_provider(provider, api_key=KEY, base_url=base_url).chat(REQUEST, deadline=deadline_after())


def everything_said(error: PromptbankError) -> str:
    return f"{error} {error.message!r} {error.details!r} {error.headers!r} {error.args!r}"


# -- the provider's error message ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("openai", {"error": {"message": "The model `x` does not exist", "type": "invalid_request_error"}}),
        (
            "anthropic",
            {
                "type": "error",
                "error": {"type": "not_found_error", "message": "The model `x` does not exist"},
            },
        ),
        (
            "gemini",
            {"error": {"code": 404, "message": "The model `x` does not exist", "status": "NOT_FOUND"}},
        ),
        (
            "gemini",
            [{"error": {"code": 404, "message": "The model `x` does not exist", "status": "NOT_FOUND"}}],
        ),
        ("openai_compatible", {"error": "The model `x` does not exist"}),
        ("openai_compatible", {"detail": "The model `x` does not exist"}),
    ],
)
def test_the_provider_message_is_taken_from_its_json_error_body(
    fake: FakeProviderServer, provider: str, body: object
) -> None:
    # Given a provider answering 404 with its own error shape
    fake.fail_next(1, status=404, body=body)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run(provider)
    # Then the details carry the provider, the status and the message from the body
    assert caught.value.details == [
        {"provider": provider, "status": 404, "message": "The model `x` does not exist"}
    ]


def test_a_non_json_error_body_is_kept_as_text_truncated_to_500_chars(fake: FakeProviderServer) -> None:
    # Given a proxy answering 400 with a long HTML page
    fake.respond_with("/chat/completions", 400, "<html>" + "x" * 2000 + "</html>")
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run()
    # Then the message is the start of the text, 500 chars at most
    message = caught.value.details[0]["message"]
    assert message.startswith("<html>xxx")
    assert len(message) == 500


# -- malformed 2xx answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "path", "body"),
    [
        ("openai", "/chat/completions", "this is not json"),
        ("openai", "/chat/completions", ""),
        ("openai", "/chat/completions", '{"id": "chatcmpl-1"}'),
        ("openai", "/chat/completions", '{"choices": []}'),
        ("openai", "/chat/completions", '{"choices": [{"message": {"content": 42}}]}'),
        (
            "openai",
            "/chat/completions",
            '{"choices": [{"message": {"content": "a"}}], "usage": {"prompt_tokens": "9"}}',
        ),
        ("anthropic", "/v1/messages", '{"content": "text, not blocks"}'),
        ("anthropic", "/v1/messages", '{"content": [{"type": "text", "text": 5}]}'),
        ("gemini", ":generateContent", '{"candidates": {"0": "x"}}'),
        ("gemini", ":generateContent", "[1, 2, 3]"),
        ("gemini", ":generateContent", '{"usageMetadata": {"promptTokenCount": 3}}'),
    ],
)
def test_a_malformed_2xx_answer_is_a_provider_error_and_is_not_retried(
    fake: FakeProviderServer, provider: str, path: str, body: str
) -> None:
    # Given a provider answering 200 with garbage, a missing field or a wrong type
    fake.respond_with(path, 200, body)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run(provider)
    # Then it is a 502 "malformed response" with the 200 status, after a single request
    assert caught.value.status == 502
    assert caught.value.details[0]["status"] == 200
    assert caught.value.details[0]["message"].startswith("malformed response")
    assert fake.request_count == 1


@pytest.mark.parametrize(("provider", "path"), [("anthropic", "count_tokens"), ("gemini", ":countTokens")])
def test_a_count_tokens_answer_without_a_count_is_malformed(
    fake: FakeProviderServer, provider: str, path: str
) -> None:
    # Given a count-tokens answer without its count
    fake.respond_with(path, 200, '{"tokens": 3}')
    # When tokens are counted
    # Then it is a malformed-response ProviderError
    with pytest.raises(ProviderError, match="malformed"):
        get_provider(provider, api_key=KEY).count_tokens("m", "a b c", deadline=deadline_after())


def test_an_oversized_answer_is_refused(fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a size limit smaller than the answer
    monkeypatch.setattr(_http, "MAX_RESPONSE_BYTES", 64)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run()
    # Then it is refused as malformed, naming the limit
    assert "larger than 64 bytes" in caught.value.details[0]["message"]


# -- the API key never leaks -----------------------------------------------------------------------


def test_a_key_echoed_in_the_provider_error_is_redacted(fake: FakeProviderServer) -> None:
    # Given a provider (or proxy) whose 401 message quotes the key it got
    fake.fail_next(1, status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}."}})
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run()
    # Then the key is replaced in the details, and appears nowhere in the error
    assert caught.value.details[0]["message"] == "Incorrect API key provided: [REDACTED]."
    assert KEY not in everything_said(caught.value)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_the_key_is_in_no_log_line_of_a_retried_call(
    fake: FakeProviderServer, caplog: pytest.LogCaptureFixture, provider: str
) -> None:
    # Given every logger at DEBUG (httpx and httpcore included) and a provider failing twice
    caplog.set_level(logging.DEBUG)
    fake.fail_next(2, status=500, body={"error": {"message": f"upstream said {KEY}"}})
    # When a chat is run
    run(provider)
    # Then the retries were logged, and the key is in none of the records
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text
    assert all(KEY not in repr(r.args) for r in caplog.records)


def test_the_key_is_not_in_a_timeout_error(fake: FakeProviderServer) -> None:
    # Given a provider slower than the deadline
    fake.set_latency(1000)
    # When a chat is run
    with pytest.raises(ProviderTimeout) as caught:
        get_provider("anthropic", api_key=KEY).chat(REQUEST, deadline=deadline_after(0.2))
    # Then the key is nowhere in the error
    assert KEY not in everything_said(caught.value)


def test_the_key_is_not_in_a_connection_error() -> None:
    # Given a base URL where nothing listens
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run("gemini", base_url=f"http://127.0.0.1:{port}")
    # Then the key is nowhere in the error, nor in its chained cause
    assert KEY not in everything_said(caught.value)
    assert caught.value.__cause__ is None or KEY not in str(caught.value.__cause__)


def test_the_key_is_not_in_the_provider_repr() -> None:
    # Given a provider object
    provider = get_provider("openai", api_key=KEY)
    # When it is printed (a debugger, a log of locals)
    # Then the key is not shown
    assert KEY not in repr(provider)
    assert KEY not in str(provider)


def test_a_key_that_cannot_be_a_header_is_refused_without_quoting_it() -> None:
    # Given a key with a line break (a copy-paste accident)
    bad = KEY + "\nX-Injected: 1"
    # When the provider is asked for
    with pytest.raises(ProviderNotConfigured) as caught:
        get_provider("openai", api_key=bad)
    # Then it is refused as not configured, without the key in the error
    assert KEY not in everything_said(caught.value)


def test_the_provider_error_maps_to_the_api_error_codes(fake: FakeProviderServer) -> None:
    # Given a provider failing with a 400
    fake.fail_next(1, status=400, body=json.dumps({"error": {"message": "bad"}}))
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        run()
    # Then the error is API.md's 502 PROVIDER_ERROR
    assert (caught.value.status, caught.value.code) == (502, "PROVIDER_ERROR")
