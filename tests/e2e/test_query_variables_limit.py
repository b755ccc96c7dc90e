"""The `variables` query parameter is as long as a URL can carry (docs/http.md): over HTTP, at most 600 characters
of JSON on GET /v1/prompts/{ref}/compiled and 2,400 of base64 on GET /v1/prompts/{ref}/download, and the longest
allowed value, percent-encoded at its worst (4-byte UTF-8, `+`, `/`), still fits API Gateway's 10,240 bytes of
request line and headers. Longer is a 400 on `variables`; the same variables go through POST .../compile.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from promptbank.prompts.models import MAX_QUERY_VARIABLES_BASE64, MAX_QUERY_VARIABLES_JSON

API_GATEWAY_REQUEST_LINE_AND_HEADERS = 10_240
EMOJI = "\U0001f600"  # 4 bytes of UTF-8: 12 once percent-encoded


def _json_of_length(length: int) -> str:
    """A JSON object of exactly `length` characters, a value of emoji for a name the template does not use."""
    text = json.dumps({"extra": EMOJI * (length - len('{"extra": ""}'))}, ensure_ascii=False)
    assert len(text) == length
    return text


def _base64_of_length(length: int) -> str:
    """Standard base64 of a JSON object, `length` characters, with many `/` (3 bytes each once percent-encoded)."""
    assert length % 4 == 0
    document = json.dumps({"extra": "?" * (length // 4 * 3 - len('{"extra": ""}'))}).encode()  # "???" is "Pz8/"
    encoded = base64.b64encode(document).decode()
    assert len(encoded) == length and encoded.count("/") > length // 5
    return encoded


def _request_bytes(request: httpx.Request) -> int:
    """Request line and headers as sent: `GET <target> HTTP/1.1\\r\\n` and `name: value\\r\\n` each, and `\\r\\n`."""
    line = len(request.method) + 1 + len(request.url.raw_path) + len(" HTTP/1.1\r\n")
    return line + sum(len(k) + 2 + len(v) + 2 for k, v in request.headers.raw) + 2


@pytest.fixture
def owner_and_ref(api, new_user) -> tuple[dict[str, Any], str]:
    owner = new_user()
    created = api.post("/v1/prompts", headers=owner["headers"], json={"name": "Q", "content": "Hi {{who}}"})
    assert created.status_code == 201, created.text
    return owner, created.json()["id"]


@pytest.mark.parametrize(
    ("route", "longest", "too_long"),
    [
        ("compiled", _json_of_length(MAX_QUERY_VARIABLES_JSON), _json_of_length(MAX_QUERY_VARIABLES_JSON + 1)),
        ("download", _base64_of_length(MAX_QUERY_VARIABLES_BASE64), _base64_of_length(MAX_QUERY_VARIABLES_BASE64 + 4)),
    ],
)
def test_the_longest_variables_fit_a_url_and_longer_is_a_400(api, owner_and_ref, route, longest, too_long):
    # Given a prompt
    owner, ref = owner_and_ref
    path = f"/v1/prompts/{ref}/{route}"
    # When it is delivered with the longest `variables` the query allows, at its worst once percent-encoded
    response = api.get(path, headers=owner["headers"], params={"variables": longest, "label": "production"})
    # Then that is answered, and the request fits what API Gateway takes
    assert response.status_code == 200, response.text
    assert _request_bytes(response.request) < API_GATEWAY_REQUEST_LINE_AND_HEADERS, _request_bytes(response.request)
    # And one more is a 400 on `variables`, not a 414 or a 5xx
    refused = api.get(path, headers=owner["headers"], params={"variables": too_long})
    assert refused.status_code == 400, refused.text
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["variables"]


def test_base64_outside_the_alphabet_is_refused(api, owner_and_ref):
    # Given a prompt
    owner, ref = owner_and_ref
    # When it is downloaded with `variables` that is not base64 (a JSON object as it is)
    response = api.get(f"/v1/prompts/{ref}/download", headers=owner["headers"], params={"variables": '{"who":"x"}'})
    # Then that is a 400 on `variables`
    assert response.status_code == 400, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == ["variables"]


def test_longer_variables_go_through_the_compile_body(api, owner_and_ref):
    # Given a prompt, and variables far longer than a URL carries
    owner, ref = owner_and_ref
    variables = {"extra": EMOJI * 50_000, "who": "Ada"}
    # When they are sent in the body of POST .../compile
    response = api.post(f"/v1/prompts/{ref}/compile", headers=owner["headers"], json={"variables": variables})
    # Then the prompt compiles with them
    assert response.status_code == 200, response.text
    assert response.json()["compiled_prompt"] == "Hi Ada"
