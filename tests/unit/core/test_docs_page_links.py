"""The /docs page's links lead into the API it is served from, at a host's root or under a stage prefix."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

from promptbank.docs_page import DOCS_HTML


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs[str(found.get("data-api-path"))] = str(found["href"])


@pytest.mark.parametrize("api_root", ["http://127.0.0.1:3000/", "https://abc.execute-api.us-east-1.amazonaws.com/v1/"])
def test_links_resolve_inside_the_api(api_root: str) -> None:
    # Given the page at <API root>docs (the local runtime's root, or a stage's)
    parser = Links()
    parser.feed(DOCS_HTML)
    # Then, even before its script runs, each link is the route under that API root
    resolved = {path: urljoin(api_root + "docs", href) for path, href in parser.hrefs.items()}
    assert resolved == {"/v1/openapi.json": api_root + "v1/openapi.json", "/llms.txt": api_root + "llms.txt"}


def test_the_script_fetches_nothing_from_the_hosts_root() -> None:
    # Every fetch goes through api(), which resolves a route path against the page's API root
    calls = re.findall(r"fetch\(([^)]*\))", DOCS_HTML)
    assert calls == ["api(url)", 'api("/v1/openapi.json")']
