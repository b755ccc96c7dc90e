"""The shared transport's retry, backoff and deadline policy (promptbank.providers._http).

Sleeps are recorded by the `sleeps` fixture instead of slept, so these tests are fast.
"""

from __future__ import annotations

import email.utils
import socket
import time

import pytest
from tests.fakes.fake_provider import FakeProviderServer

from promptbank.errors import ProviderError, ProviderTimeout
from promptbank.providers import ChatMessage, ChatRequest, _http, deadline_after, get_provider
from promptbank.providers._types import ChatResponse

KEY = "sk-test-retries-0123456789"
REQUEST = ChatRequest(model="gpt-4o-mini", messages=[ChatMessage("user", "ping")])


def chat(
    deadline: float | None = None, provider: str = "openai", base_url: str | None = None
) -> ChatResponse:
    return get_provider(provider, api_key=KEY, base_url=base_url).chat(
        REQUEST, deadline=deadline_after() if deadline is None else deadline
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_500_then_success_gives_one_result_after_two_requests(
    fake: FakeProviderServer, sleeps: list[float]
) -> None:
    # Given a provider that fails once with 500
    fake.fail_next(1, status=500)
    # When a chat is run
    response = chat()
    # Then the retry's answer comes back, after two requests and one backoff sleep
    assert response.output == "echo: ping"
    assert fake.request_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
def test_429_and_5xx_are_retried(fake: FakeProviderServer, status: int) -> None:
    # Given a provider that fails once with a retryable status
    fake.fail_next(1, status=status)
    # When a chat is run
    response = chat()
    # Then it succeeds on the retry
    assert (response.output, fake.request_count) == ("echo: ping", 2)


def test_three_failures_give_a_provider_error_with_the_status(
    fake: FakeProviderServer, sleeps: list[float]
) -> None:
    # Given a provider that keeps answering 503
    fake.fail_next(3, status=503)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        chat()
    # Then it tried three times (two retries) and reports the provider, status and message
    assert fake.request_count == 3
    assert len(sleeps) == 2
    assert caught.value.status == 502
    assert caught.value.details == [
        {"provider": "openai", "status": 503, "message": "fake failure (HTTP 503)"}
    ]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_4xx_other_than_429_is_not_retried(
    fake: FakeProviderServer, sleeps: list[float], status: int
) -> None:
    # Given a provider that rejects the request
    fake.fail_next(1, status=status)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        chat()
    # Then there was one request, no sleep, and the status is in the details
    assert (fake.request_count, sleeps) == (1, [])
    assert caught.value.details[0]["status"] == status


def test_backoff_is_exponential_with_full_jitter(
    fake: FakeProviderServer, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the jitter draw fixed at its top (1.0) and two failures
    monkeypatch.setattr(_http, "_random", lambda: 1.0)
    fake.fail_next(2, status=500)
    # When a chat is run
    chat()
    # Then the sleeps are base * 2**n: 0.5 s then 1 s
    assert sleeps == [0.5, 1.0]


def test_backoff_jitter_scales_the_delay_down(
    fake: FakeProviderServer, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the jitter draw fixed at 0.25
    monkeypatch.setattr(_http, "_random", lambda: 0.25)
    fake.fail_next(2, status=502)
    # When a chat is run
    chat()
    # Then each delay is that fraction of the exponential cap
    assert sleeps == [0.125, 0.25]


def test_retry_after_in_seconds_is_honoured(fake: FakeProviderServer, sleeps: list[float]) -> None:
    # Given a 429 asking to retry after 3 seconds
    fake.fail_next(1, status=429, retry_after=3)
    # When a chat is run
    response = chat()
    # Then the transport waited exactly that long, then succeeded
    assert sleeps == [3.0]
    assert response.output == "echo: ping"


def test_retry_after_as_an_http_date_is_honoured(fake: FakeProviderServer, sleeps: list[float]) -> None:
    # Given a 503 asking to retry at an HTTP date 4 seconds from now
    fake.fail_next(1, status=503, retry_after=email.utils.formatdate(time.time() + 4, usegmt=True))
    # When a chat is run
    chat()
    # Then the wait is the time until that date (the date has whole seconds)
    assert len(sleeps) == 1
    assert 2.5 <= sleeps[0] <= 4.0


def test_retry_after_ms_is_honoured(fake: FakeProviderServer, sleeps: list[float]) -> None:
    # Given a 429 with OpenAI's retry-after-ms header
    fake.respond_with(
        "/chat/completions", 429, '{"error": {"message": "slow down"}}', {"retry-after-ms": "250"}, 1
    )
    # When a chat is run
    chat()
    # Then the wait is 0.25 s
    assert sleeps == [0.25]


def test_retry_after_over_10_seconds_ends_the_retries(fake: FakeProviderServer, sleeps: list[float]) -> None:
    # Given a 429 asking for a 30 s wait, more than the 10 s the transport will honour
    fake.fail_next(1, status=429, retry_after=30)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        chat()
    # Then it gives up at once with the 429, without sleeping
    assert (fake.request_count, sleeps) == (1, [])
    assert caught.value.details[0]["status"] == 429


def test_no_sleep_runs_past_the_deadline(fake: FakeProviderServer, sleeps: list[float]) -> None:
    # Given a 503 asking for a 5 s wait, and only 2 s left before the deadline
    fake.fail_next(1, status=503, retry_after=5)
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        chat(deadline=deadline_after(2))
    # Then it does not sleep or retry, and reports the 503
    assert (fake.request_count, sleeps) == (1, [])
    assert caught.value.details[0]["status"] == 503


def test_a_timeout_gives_provider_timeout_within_the_deadline(fake: FakeProviderServer) -> None:
    # Given a provider slower (2 s) than the time left (0.3 s)
    fake.set_latency(2000)
    started = time.monotonic()
    # When a chat is run
    with pytest.raises(ProviderTimeout) as caught:
        chat(deadline=deadline_after(0.3))
    # Then a 504 ProviderTimeout comes back near the deadline, not after the provider's answer
    assert time.monotonic() - started < 1.0
    assert caught.value.status == 504
    assert caught.value.details[0]["provider"] == "openai"


def test_a_timed_out_attempt_is_retried(fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given per-read timeouts of 0.2 s and a provider that is slow (1 s) only on the first request
    monkeypatch.setattr(_http, "READ_TIMEOUT_S", 0.2)
    fake.set_latency(1000, times=1)
    # When a chat is run
    response = chat()
    # Then the second attempt answers
    assert (response.output, fake.request_count) == ("echo: ping", 2)


def test_a_deadline_already_passed_sends_nothing(fake: FakeProviderServer) -> None:
    # Given a deadline in the past
    # When a chat is run
    with pytest.raises(ProviderTimeout):
        chat(deadline=time.monotonic() - 1)
    # Then no request was made
    assert fake.request_count == 0


def test_a_dropped_connection_is_retried(fake: FakeProviderServer) -> None:
    # Given a provider that closes the connection without answering, once
    fake.drop_next(1)
    # When a chat is run
    response = chat()
    # Then the retry answers
    assert (response.output, fake.request_count) == ("echo: ping", 2)


def test_connection_refused_after_retries_is_a_provider_error_without_status(sleeps: list[float]) -> None:
    # Given a base URL where nothing listens
    base = f"http://127.0.0.1:{closed_port()}/v1"
    # When a chat is run
    with pytest.raises(ProviderError) as caught:
        chat(base_url=base)
    # Then it retried twice, then reported a 502 with a null status
    assert len(sleeps) == 2
    assert caught.value.status == 502
    assert caught.value.details[0]["provider"] == "openai"
    assert caught.value.details[0]["status"] is None


def test_kept_alive_connections_are_reused_across_calls(fake: FakeProviderServer) -> None:
    # Given one call already made (its connection is now pooled)
    chat()
    # When another call is made
    chat()
    # Then both requests came over the same connection (same client port)
    first, second = fake.requests
    assert first.client_port == second.client_port


def test_the_client_is_created_once_per_process() -> None:
    # Given the shared client
    # When it is asked for twice
    # Then it is the same object
    assert _http.get_client() is _http.get_client()
