"""/docs and the share page under a stage prefix, as deployed: `https://<id>.execute-api.<region>.amazonaws.com/v1`
serves the API's `/docs` at `/v1/docs` and its `/v1/openapi.json` at `/v1/v1/openapi.json`. A small proxy puts
the local runtime under `/v1`, and headless Chromium (Debian's, as in test_share_page_browser.py) uses the pages
there: every URL they fetch or link must be relative to the page, never to the host's root.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

STAGE = "/v1"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class StageProxy(ThreadingHTTPServer):
    """`http://127.0.0.1:<port>/v1/<path>` -> `<runtime>/<path>`, as API Gateway maps a stage; anything else 403."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: StageProxy

    def _forward(self) -> None:
        if not (self.path == STAGE or self.path.startswith(STAGE + "/")):
            self.send_response(403)  # execute-api's answer for a path outside every stage
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = httpx.request(
            self.command, self.server.upstream + (self.path[len(STAGE):] or "/"), headers=headers,
            content=self.rfile.read(length) if length else None, timeout=30,
        )
        self.send_response(upstream.status_code)
        for name, value in upstream.headers.multi_items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    do_GET = do_POST = do_OPTIONS = _forward

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def stage(runtime: Any) -> Iterator[str]:
    """The local runtime's API under `/v1` of another origin: the stage URL, as PROMPTBANK_PUBLIC_BASE_URL is."""
    proxy = StageProxy(runtime.base_url)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy.url + STAGE
    finally:
        proxy.shutdown()
        proxy.server_close()



@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Every URL the page asked for and did not get (the browser's own /favicon.ico aside)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not
            r.url.endswith("/favicon.ico") else None)
    page.problems = problems
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("where", ["stage", "root"])
def test_docs_page_loads_the_document_and_tries_a_route(page: Any, stage: str, runtime: Any, where: str) -> None:
    from playwright.sync_api import expect

    base = stage if where == "stage" else runtime.base_url
    # Given /docs under a stage prefix (deployed) or at the root of the host (local runtime)
    response = page.goto(f"{base}/docs")
    assert response is not None and response.status == 200
    # Then it lists the routes of the document it fetched from this API
    ops = page.locator("#ops")
    expect(ops).to_contain_text("/v1/prompts/{ref}/compiled", timeout=10_000)
    # And its links point into this API
    assert page.get_by_role("link", name="/v1/openapi.json").get_attribute("href") == f"{base}/v1/openapi.json"
    assert page.get_by_role("link", name="/llms.txt").get_attribute("href") == f"{base}/llms.txt"
    assert httpx.get(f"{base}/v1/openapi.json").json()["paths"]
    # When "Send" is pressed on GET /v1/health
    health = ops.locator("details").filter(has_text="/v1/health").first
    health.locator("summary").click()
    health.get_by_role("button", name="Send").click()
    # Then the answer is the health route's, reached through this API
    expect(health.locator("pre").last).to_contain_text('200 OK\n\n{"status":"ok"', timeout=10_000)
    assert page.problems == []


def test_share_page_under_the_stage_compiles_through_it(
    page: Any, stage: str, api: httpx.Client, new_user: Any
) -> None:
    from playwright.sync_api import expect

    # Given a share link, opened under the stage prefix as deployed share_url values are
    owner = new_user()
    prompt = api.post("/v1/prompts", headers=owner["headers"], json={"name": "Hi", "content": "Hi {{who|text}}!"})
    assert prompt.status_code == 201, prompt.text
    share = api.post(f"/v1/prompts/{prompt.json()['id']}/shares", headers=owner["headers"], json={})
    assert share.status_code == 201, share.text
    token = share.json()["share_url"].rsplit("/", 1)[1]
    response = page.goto(f"{stage}/share/{token}")
    assert response is not None and response.status == 200
    # When the reader fills the variable in
    page.get_by_role("textbox", name="who").fill("Ada")
    # Then the compiled text follows: the page's compile call reached the API through the stage
    expect(page.locator("#compiled")).to_have_text("Hi Ada!", timeout=10_000)
    assert page.problems == []
