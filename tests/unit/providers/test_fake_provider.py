"""The fake provider server itself (tests.fakes.fake_provider), spoken to with bare httpx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.fakes.fake_provider import FakeProviderServer

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello big world"}]}


def post(url: str, json: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(url, json=json, headers=headers or {}, trust_env=False, timeout=5)


@pytest.mark.parametrize(
    ("path", "error_message"),
    [
        ("/v1/chat/completions", lambda b: b["error"]["message"]),
        ("/v1/messages", lambda b: b["error"]["message"]),
        ("/v1beta/models/g:generateContent", lambda b: b["error"]["message"]),
    ],
)
def test_a_request_without_its_auth_header_gets_a_401_in_the_provider_shape(
    fake: FakeProviderServer, path: str, error_message: Callable[[Any], str]
) -> None:
    # Given no auth header
    # When a provider route is called
    response = post(fake.base_url + path, CHAT, {"anthropic-version": "2023-06-01"})
    # Then it is a 401 whose message (at the provider's usual place) names the missing key
    assert response.status_code == 401
    assert "missing API key" in error_message(response.json())


def test_a_server_made_with_a_key_refuses_another(fake: FakeProviderServer) -> None:
    # Given a server that accepts only "right"
    with FakeProviderServer(api_key="right") as strict:
        # When it is called with another key
        response = post(strict.openai_base + "/chat/completions", CHAT, {"Authorization": "Bearer wrong"})
    # Then it is a 401
    assert response.status_code == 401


def test_anthropic_routes_require_the_version_header(fake: FakeProviderServer) -> None:
    # Given a key but no anthropic-version
    # When /v1/messages is called
    response = post(fake.anthropic_base + "/v1/messages", CHAT, {"x-api-key": "k"})
    # Then it is a 400, like the real API
    assert response.status_code == 400


def test_every_request_is_recorded_with_headers_and_body(fake: FakeProviderServer) -> None:
    # Given a request
    post(fake.openai_base + "/chat/completions", CHAT, {"Authorization": "Bearer k", "X-Trace": "t1"})
    # When the recording is read
    request = fake.last_request
    # Then path, lower-cased headers and the decoded body are there
    assert (request.path, request.header("x-trace"), request.json) == ("/v1/chat/completions", "t1", CHAT)


def test_the_answer_echoes_the_last_user_message_and_counts_words(fake: FakeProviderServer) -> None:
    # Given a chat request
    # When it is sent
    body = post(fake.deepseek_base + "/chat/completions", CHAT, {"Authorization": "Bearer k"}).json()
    # Then the output echoes it, and tokens are words
    assert body["choices"][0]["message"]["content"] == "echo: hello big world"
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def test_fail_next_with_a_path_only_hits_that_path(fake: FakeProviderServer) -> None:
    # Given a failure injected for Anthropic only
    fake.fail_next(1, status=503, path="/v1/messages")
    # When OpenAI then Anthropic are called
    openai = post(fake.openai_base + "/chat/completions", CHAT, {"Authorization": "Bearer k"})
    anthropic = post(
        fake.anthropic_base + "/v1/messages", CHAT, {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    )
    # Then only Anthropic failed, in its own error shape
    assert (openai.status_code, anthropic.status_code) == (200, 503)
    assert anthropic.json()["type"] == "error"


def test_reset_forgets_requests_and_injections(fake: FakeProviderServer) -> None:
    # Given a recorded request and a pending failure
    post(fake.openai_base + "/chat/completions", CHAT, {"Authorization": "Bearer k"})
    fake.fail_next(5)
    # When the server is reset
    fake.reset()
    # Then nothing is recorded and the next call succeeds
    assert fake.requests == []
    assert (
        post(fake.openai_base + "/chat/completions", CHAT, {"Authorization": "Bearer k"}).status_code == 200
    )


def test_env_points_every_provider_variable_at_the_server(fake: FakeProviderServer) -> None:
    # Given the server
    # When its environment is asked for
    env = fake.env()
    # Then each variable has the provider's SDK form
    assert env["PROMPTBANK_OPENAI_BASE_URL"] == f"http://127.0.0.1:{fake.port}/v1"
    assert env["PROMPTBANK_DEEPSEEK_BASE_URL"] == env["PROMPTBANK_ANTHROPIC_BASE_URL"] == fake.base_url
    assert env["PROMPTBANK_GEMINI_BASE_URL"] == fake.base_url


def test_leaving_the_context_stops_the_server() -> None:
    # Given a server used as a context manager
    with FakeProviderServer() as server:
        url = server.openai_base + "/chat/completions"
    # When it is called after the block
    # Then nothing listens any more
    with pytest.raises(httpx.ConnectError):
        post(url, CHAT, {"Authorization": "Bearer k"})
