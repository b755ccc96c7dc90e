"""The share page's HTML: typed, labelled fields, nothing a prompt says becomes markup, a strict CSP."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from promptbank.sharing.page import new_nonce, notice_page, security_headers, share_page

HOSTILE = '<script>alert(1)</script></textarea>"onload=alert(2) x="<img src=x onerror=alert(3)>'


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def variable(key: str, typ: str = "text", description: str | None = None, default: str | None = None) -> dict:
    return {"key": key, "type": typ, "max_length": 100, "description": description, "default_value": default,
            "required": default is None}


def page(**overrides: Any) -> tuple[str, str]:
    nonce = new_nonce()
    args: dict[str, Any] = {
        "token": "t" * 76,
        "prompt": {"name": "Greeting", "description": "Say hi", "content": "Hi {{name}}",
                   "variables": [variable("name")]},
        "prefilled": {"name": "Ada"},
        "expires_at": None,
        "compiled": {"compiled_prompt": "Hi Ada", "compiled_system_prompt": None},
        "problem": None,
        "nonce": nonce,
    }
    args.update(overrides)
    return share_page(**args), nonce


def test_each_variable_gets_a_labelled_field_of_its_type() -> None:
    # Given variables of every type
    types = ["text", "textarea", "number", "email", "phone", "list"]
    html, _ = page(prompt={"name": "All", "description": None, "content": "",
                           "variables": [variable(f"v_{t}", t) for t in types]}, prefilled={})
    tags = elements(html)
    controls = {attrs["data-variable"]: (tag, attrs.get("type")) for tag, attrs in tags if "data-variable" in attrs}
    # Then textarea/list are textareas and the others inputs of the matching type
    assert controls == {
        "v_text": ("input", "text"),
        "v_textarea": ("textarea", None),
        "v_number": ("input", "number"),
        "v_email": ("input", "email"),
        "v_phone": ("input", "tel"),
        "v_list": ("textarea", None),
    }
    labelled = {attrs["for"] for tag, attrs in tags if tag == "label"}
    ids = {attrs["id"] for tag, attrs in tags if "data-variable" in attrs}
    assert ids <= labelled


def test_prefilled_values_fill_the_fields_and_defaults_are_placeholders() -> None:
    html, _ = page(prompt={"name": "P", "description": None, "content": "",
                           "variables": [variable("a"), variable("b", default="fallback")]},
                   prefilled={"a": "given"})
    controls = {attrs["data-variable"]: attrs for _, attrs in elements(html) if "data-variable" in attrs}
    assert controls["a"]["value"] == "given"
    assert controls["b"]["value"] == ""
    assert controls["b"]["placeholder"] == "fallback"


def test_a_hostile_prompt_cannot_inject_markup_or_script() -> None:
    # Given a prompt whose every field is hostile
    html, nonce = page(
        prompt={
            "name": HOSTILE,
            "description": HOSTILE,
            "content": HOSTILE,
            "variables": [variable("x", "text", description=HOSTILE, default=HOSTILE), variable("y", "textarea")],
        },
        prefilled={"x": HOSTILE, "y": HOSTILE},
        compiled={"compiled_prompt": HOSTILE, "compiled_system_prompt": HOSTILE},
        problem=HOSTILE,
    )
    tags = elements(html)
    # Then the only script is ours (with the nonce), there is no <img>, and no element has an on* attribute
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{"nonce": nonce}]
    assert not [tag for tag, _ in tags if tag == "img"]
    assert not [name for _, attrs in tags for name in attrs if name.startswith("on")]
    # And the hostile text is there, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;" in html


def test_the_compile_url_is_relative_to_the_page() -> None:
    # Works at /share/<t> locally and under a stage prefix (/v1/share/<t>) deployed
    html, _ = page()
    form = next(attrs for tag, attrs in elements(html) if tag == "form")
    assert form["data-compile-url"] == "../v1/shares/" + "t" * 76 + "/compile"


def test_the_headers_allow_only_this_pages_nonce() -> None:
    nonce = new_nonce()
    headers = security_headers(nonce)
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert f"script-src 'nonce-{nonce}'" in csp
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_every_nonce_is_new() -> None:
    assert new_nonce() != new_nonce()


def test_a_notice_page_has_no_script() -> None:
    html = notice_page("This share link has expired", "Ask for a new one.", new_nonce())
    assert not [tag for tag, _ in elements(html) if tag == "script"]
    assert "This share link has expired" in html
