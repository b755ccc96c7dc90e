"""The API reference in the repository (docs/api.md, issue 9 item 5) covers every operation of the generated
OpenAPI document, and the README's and the reference's relative links resolve (files and heading anchors)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "docs" / "api.md"
METHODS = ("get", "put", "post", "delete", "patch")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def operations() -> list[str]:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    return [
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in METHODS if method in item
    ]


def github_anchor(heading: str) -> str:
    """GitHub's heading id: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: Path) -> set[str]:
    return {github_anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", markdown.read_text(), re.M)}


def test_the_openapi_document_has_operations() -> None:
    assert len(operations()) > 40


@pytest.mark.parametrize("operation", operations())
def test_every_operation_is_in_the_reference(operation: str) -> None:
    assert f"`{operation}`" in REFERENCE.read_text(), f"{operation} is not documented in docs/api.md"


@pytest.mark.parametrize("page", [ROOT / "README.md", REFERENCE], ids=["README.md", "docs/api.md"])
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        missing_file = not linked.exists() or ROOT not in linked.parents
        missing_anchor = (
            not missing_file and bool(fragment) and linked.suffix == ".md" and fragment not in anchors(linked)
        )
        if missing_file or missing_anchor:
            broken.append(target)
    assert not broken, f"broken links in {page.name}: {broken}"


def test_github_anchor_matches_githubs_rules() -> None:
    assert github_anchor("The AI limit (`promptbank.limits`)") == "the-ai-limit-promptbanklimits"
    assert github_anchor("Sharing, discovery and profiles") == "sharing-discovery-and-profiles"
    assert github_anchor("Another user's public prompt: production only") == (
        "another-users-public-prompt-production-only"
    )
