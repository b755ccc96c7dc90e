"""An in-process fake of the OpenAI, DeepSeek, Anthropic and Gemini HTTP APIs, on 127.0.0.1 only.

    with FakeProviderServer() as fake:
        monkeypatch.setenv("PROMPTBANK_OPENAI_BASE_URL", fake.openai_base)   # or fake.env() for all
        ...
        assert fake.last_request.path == "/v1/chat/completions"

Routes (POST only; `/chat/completions` serves both base forms, `{base}/v1` and the bare root):
- OpenAI / DeepSeek: `/v1/chat/completions`, `/chat/completions`, auth `Authorization: Bearer <key>`.
- Anthropic: `/v1/messages`, `/v1/messages/count_tokens`, auth `x-api-key`, and `anthropic-version` is
  required (400 without it, like the real API).
- Gemini: `/v1beta/models/{model}:generateContent`, `...:countTokens`, auth `x-goog-api-key` header.
Without the auth header (or with another key than `api_key=`, when one is given) the answer is a 401
in that provider's error shape.

Deterministic answers: the output is "echo: " + the text of the last user message. Token counts are
whitespace-separated words: input = words of every message (system included), output = words of the
output; the count-tokens routes return the words of all the text sent. When the request's max tokens
(`max_tokens`, `max_completion_tokens`, `maxOutputTokens`) is below the output's word count, the
output is cut to that many words and the finish reason is the provider's "length" value
(`length`, `max_tokens`, `MAX_TOKENS`); otherwise `stop`, `end_turn`, `STOP`. The answer's model is
the requested one.

Injected behaviour (all cleared by `reset()`, which also forgets the recorded requests):
- `fail_next(n, status=500, body=None, retry_after=None, path=None)`: the next n requests (whose path
  contains `path`, if given) get `status` with `body` (dict -> JSON, str/bytes -> raw; default: an
  error in the provider's shape) and a `Retry-After: <retry_after>` header if given.
- `drop_next(n, path=None)`: the next n requests get no answer: the connection is closed.
- `set_latency(ms, times=None)`: wait before answering, for every request or the next `times` ones.
- `respond_with(path_substring, status, raw_body, headers=None, times=None)`: answer matching paths
  with exactly this (garbage, odd shapes), until reset or for `times` requests.

Every request is recorded (`requests`, `last_request`, `requests_to(...)`), even those answered by an
injected failure, with its path, lower-cased headers, raw body, decoded JSON and the client's port
(same port = same kept-alive connection).

Run by hand: `python -m tests.fakes.fake_provider --port 8765 [--latency-ms N] [--api-key K]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["FakeProviderServer", "RecordedRequest"]

_GEMINI_PATH = re.compile(r"^/v1beta/models/([^/:]+):(generateContent|countTokens)$")
_OPENAI_PATHS = ("/v1/chat/completions", "/chat/completions")
_ANTHROPIC_PATHS = ("/v1/messages", "/v1/messages/count_tokens")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json: Any  # None when the body was not JSON
    client_port: int

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class _Injection:
    remaining: int | None  # None = until reset
    path: str | None
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def matches(self, path: str) -> bool:
        return self.path is None or self.path in path


def _family(path: str) -> str:
    if path.startswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/v1beta/"):
        return "gemini"
    return "openai"


def _error_body(family: str, status: int, message: str) -> dict[str, Any]:
    if family == "anthropic":
        kind = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}.get(
            status, "rate_limit_error" if status == 429 else "api_error"
        )
        return {"type": "error", "error": {"type": kind, "message": message}}
    if family == "gemini":
        state = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
        return {"error": {"code": status, "message": message, "status": state.get(status, "INTERNAL")}}
    return {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}


def _words(text: str) -> int:
    return len(text.split())


def _text_of(content: Any) -> str:
    """Text of an OpenAI/Anthropic content (string or list of blocks) or a Gemini content ({parts})."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return _text_of(content.get("parts", []))
    if isinstance(content, list):
        return " ".join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeProviderServer, address: tuple[str, int]):
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and hang up are part of the tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is real
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stalls
    timeout = 30  # idle kept-alive connections end after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send(405, {"error": {"message": "use POST"}})

    def do_POST(self) -> None:
        fake = self.server.fake
        generation = fake._generation
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        parts = urlsplit(self.path)
        path = parts.path
        fake._record(
            RecordedRequest(
                method="POST",
                path=path,
                query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=raw,
                json=decoded,
                client_port=self.client_address[1],
            )
        )
        fake._wait_latency()
        injection = fake._take_injection(path, generation)
        family = _family(path)
        if injection is not None:
            if injection.drop:
                self.close_connection = True
                return
            body = injection.body
            if body is None:
                body = _error_body(family, injection.status, f"fake failure (HTTP {injection.status})")
            self._send(injection.status, body, injection.headers)
            return
        self._route(fake, path, family, raw, decoded)

    def _route(self, fake: FakeProviderServer, path: str, family: str, raw: bytes, body: Any) -> None:
        gemini = _GEMINI_PATH.match(path)
        if path not in _OPENAI_PATHS and path not in _ANTHROPIC_PATHS and gemini is None:
            self._send(404, _error_body(family, 404, f"no route {path}"))
            return
        problem = fake._auth_problem(family, self.headers)
        if problem:
            self._send(401, _error_body(family, 401, problem))
            return
        if family == "anthropic" and not self.headers.get("anthropic-version"):
            self._send(400, _error_body(family, 400, "anthropic-version: header is required"))
            return
        if not isinstance(body, dict):
            self._send(400, _error_body(family, 400, "the body must be a JSON object"))
            return
        if family == "openai":
            self._send(200, fake._openai_chat(body))
        elif path == "/v1/messages":
            self._send(200, fake._anthropic_chat(body))
        elif family == "anthropic":
            self._send(200, {"input_tokens": fake._anthropic_words(body)})
        elif gemini is not None and gemini.group(2) == "generateContent":
            self._send(200, fake._gemini_chat(unquote(gemini.group(1)), body))
        else:
            words = sum(_words(_text_of(c)) for c in body.get("contents", []))
            self._send(200, {"totalTokens": words})

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client hung up (it timed out)
            self.close_connection = True


class FakeProviderServer:
    """A threaded fake provider server on 127.0.0.1 (port chosen by the OS unless given)."""

    def __init__(self, *, api_key: str | None = None, port: int = 0, latency_ms: int = 0):
        self.api_key = api_key
        self._requested_port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests: list[RecordedRequest] = []
        self._injections: list[_Injection] = []
        #: Bumped by reset(): a request that arrived before it (still waiting out a latency) takes no injection
        #: meant for the next test.
        self._generation = 0
        self._latency_s = latency_ms / 1000
        self._latency_times: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> FakeProviderServer:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server(self, ("127.0.0.1", self._requested_port))
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
                name="fake-provider",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with server.sockets_lock:
            for sock in list(server.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake provider server is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The root, `http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def openai_compatible_base(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def deepseek_base(self) -> str:
        return self.base_url

    @property
    def anthropic_base(self) -> str:
        return self.base_url

    @property
    def gemini_base(self) -> str:
        return self.base_url

    def env(self) -> dict[str, str]:
        """PROMPTBANK_<PROVIDER>_BASE_URL for every provider, pointing here."""
        return {
            "PROMPTBANK_OPENAI_BASE_URL": self.openai_base,
            "PROMPTBANK_DEEPSEEK_BASE_URL": self.deepseek_base,
            "PROMPTBANK_ANTHROPIC_BASE_URL": self.anthropic_base,
            "PROMPTBANK_GEMINI_BASE_URL": self.gemini_base,
            "PROMPTBANK_OPENAI_COMPATIBLE_BASE_URL": self.openai_compatible_base,
        }

    # -- what was received ---------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            if not self._requests:
                raise AssertionError("the fake provider server received no request")
            return self._requests[-1]

    def requests_to(self, path_substring: str) -> list[RecordedRequest]:
        return [r for r in self.requests if path_substring in r.path]

    # -- injected behaviour --------------------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        body: Any = None,
        retry_after: float | str | None = None,
        path: str | None = None,
    ) -> None:
        headers = {} if retry_after is None else {"Retry-After": _header_number(retry_after)}
        self._inject(_Injection(remaining=n, path=path, status=status, body=body, headers=headers))

    def drop_next(self, n: int = 1, path: str | None = None) -> None:
        self._inject(_Injection(remaining=n, path=path, drop=True))

    def respond_with(
        self,
        path_substring: str,
        status: int,
        raw_body: str | bytes,
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        body = raw_body if isinstance(raw_body, bytes) else raw_body.encode()
        self._inject(
            _Injection(remaining=times, path=path_substring, status=status, body=body, headers=headers or {})
        )

    def set_latency(self, ms: float, times: int | None = None) -> None:
        with self._lock:
            self._latency_s = ms / 1000
            self._latency_times = times

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._injections.clear()
            self._generation += 1
            self._latency_s = 0
            self._latency_times = None

    # -- internals (called from the handler threads) -------------------------------------------------
    def _inject(self, injection: _Injection) -> None:
        if injection.remaining is not None and injection.remaining <= 0:
            return
        with self._lock:
            self._injections.append(injection)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_injection(self, path: str, generation: int | None = None) -> _Injection | None:
        with self._lock:
            if generation is not None and generation != self._generation:
                return None
            for injection in self._injections:
                if injection.matches(path):
                    if injection.remaining is not None:
                        injection.remaining -= 1
                        if injection.remaining <= 0:
                            self._injections.remove(injection)
                    return injection
        return None

    def _wait_latency(self) -> None:
        with self._lock:
            delay = self._latency_s
            if self._latency_times is not None:
                self._latency_times -= 1
                if self._latency_times <= 0:
                    self._latency_s, self._latency_times = 0, None
        if delay > 0:
            self._stopping.wait(delay)

    def _auth_problem(self, family: str, headers: Any) -> str | None:
        if family == "openai":
            value = headers.get("Authorization") or ""
            key = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
            name = "Authorization: Bearer"
        elif family == "anthropic":
            key, name = headers.get("x-api-key") or "", "x-api-key"
        else:
            key, name = headers.get("x-goog-api-key") or "", "x-goog-api-key"
        if not key:
            return f"missing API key ({name} header)"
        if self.api_key is not None and key != self.api_key:
            return "invalid API key"
        return None

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    @staticmethod
    def _reply(last_user: str, limit: Any) -> tuple[str, bool]:
        """The echo, cut to `limit` words (then True: stopped by the length limit)."""
        output = f"echo: {last_user}"
        words = output.split()
        if isinstance(limit, int) and not isinstance(limit, bool) and 0 <= limit < len(words):
            return " ".join(words[:limit]), True
        return output, False

    def _openai_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        last_user = next(
            (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        output, cut = self._reply(last_user, limit)
        prompt = sum(_words(_text_of(m.get("content"))) for m in messages)
        completion = _words(output)
        return {
            "id": f"chatcmpl-fake-{self._next_id()}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": output},
                    "finish_reason": "length" if cut else "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    def _anthropic_words(self, body: dict[str, Any]) -> int:
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        return _words(_text_of(body.get("system", ""))) + sum(
            _words(_text_of(m.get("content"))) for m in messages
        )

    def _anthropic_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        last_user = next(
            (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        output, cut = self._reply(last_user, body.get("max_tokens"))
        return {
            "id": f"msg_fake_{self._next_id()}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [{"type": "text", "text": output}],
            "stop_reason": "max_tokens" if cut else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": self._anthropic_words(body), "output_tokens": _words(output)},
        }

    def _gemini_chat(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        contents = [c for c in body.get("contents", []) if isinstance(c, dict)]
        last_user = next((_text_of(c) for c in reversed(contents) if c.get("role", "user") == "user"), "")
        config = body.get("generationConfig") or {}
        output, cut = self._reply(
            last_user, config.get("maxOutputTokens") if isinstance(config, dict) else None
        )
        prompt = _words(_text_of(body.get("systemInstruction") or {})) + sum(
            _words(_text_of(c)) for c in contents
        )
        completion = _words(output)
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": output}]},
                    "finishReason": "MAX_TOKENS" if cut else "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt,
                "candidatesTokenCount": completion,
                "totalTokenCount": prompt + completion,
            },
            "modelVersion": model,
        }


def _header_number(value: float | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _iter_env_lines(server: FakeProviderServer) -> Iterator[str]:
    for name, value in server.env().items():
        yield f"export {name}={value}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI/DeepSeek/Anthropic/Gemini server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    args = parser.parse_args(argv)
    server = FakeProviderServer(api_key=args.api_key, port=args.port, latency_ms=args.latency_ms).start()
    print(f"fake provider server on {server.base_url}", flush=True)
    for line in _iter_env_lines(server):
        print(line, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
