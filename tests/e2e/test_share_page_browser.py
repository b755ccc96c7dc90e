"""The share page in a real browser: headless Debian Chromium, driven by Playwright, against the local runtime.

Opens a share link, fills a field, sees the compiled text follow, copies it, and keeps a screenshot under
tests/e2e/artifacts/ (gitignored). Chromium comes from Debian (`make browser`); never `playwright install`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def page(browser: Any, runtime: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=runtime.base_url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems  # CSP violations and script errors both land here
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def share(api: httpx.Client, new_user: Any) -> dict[str, Any]:
    owner = new_user(name="Page Owner")
    prompt = api.post(
        "/v1/prompts",
        headers=owner["headers"],
        json={
            "name": "Customer reply",
            "description": "Answer a customer who wrote in.",
            "content": "Dear {{customer|text:60|Their name}},\n\nThanks for writing about {{issue|textarea}}.",
        },
    )
    assert prompt.status_code == 201, prompt.text
    response = api.post(
        f"/v1/prompts/{prompt.json()['id']}/shares",
        headers=owner["headers"],
        json={"prefilled_variables": {"customer": "Ada"}, "expires_in_hours": 48},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_typing_updates_the_compiled_prompt_and_copy_copies_it(page: Any, share: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    # Given the share page, with its prefilled value compiled in
    response = page.goto(share["share_url"])
    assert response is not None and response.status == 200
    compiled = page.locator("#compiled")
    expect(page.get_by_role("heading", name="Customer reply")).to_be_visible()
    expect(page.get_by_role("textbox", name="customer")).to_have_value("Ada")
    expect(compiled).to_contain_text("Dear Ada,")
    expect(compiled).to_contain_text("[issue]")

    # When the reader types into the issue field
    page.get_by_role("textbox", name="issue").fill("a parcel that never arrived")

    # Then the compiled text follows (through POST /v1/shares/{token}/compile)
    expect(compiled).to_contain_text("Thanks for writing about a parcel that never arrived.", timeout=10_000)

    # And Copy puts exactly that text on the clipboard
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#status")).to_have_text("Copied to the clipboard.")
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard == "Dear Ada,\n\nThanks for writing about a parcel that never arrived."

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-page.png"), full_page=True)
    assert (ARTIFACTS / "share-page.png").stat().st_size > 0
    # Nothing was blocked by the Content-Security-Policy, and no script failed
    assert page.problems == []


def test_an_invalid_value_is_explained_next_to_its_field(page: Any, share: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page.goto(share["share_url"])
    # customer is text:60: 61 characters are refused by the API, and the page says so at the field
    page.get_by_role("textbox", name="customer").evaluate("(el) => el.removeAttribute('maxlength')")
    page.get_by_role("textbox", name="customer").fill("x" * 61)
    expect(page.get_by_role("textbox", name="customer")).to_have_attribute("aria-invalid", "true", timeout=10_000)
    expect(page.locator("#status")).not_to_be_empty()


def test_a_revoked_link_shows_a_friendly_404_page(page: Any, runtime: Any) -> None:
    from playwright.sync_api import expect

    response = page.goto(f"{runtime.base_url}/share/{'x' * 76}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading")).to_have_text("This share link doesn't work")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "share-page-404.png"))
