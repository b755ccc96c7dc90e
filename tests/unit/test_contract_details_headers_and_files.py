"""Contract details (issue 15 item 5) that need no table: which `If-Match`/`If-None-Match` values match an ETag
(RFC 9110), and the raw download's front matter, which YAML 1.1 readers (PyYAML) load back to the same values."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from promptbank.prompts.delivery import markdown_file
from promptbank.prompts.frontmatter import front_matter
from promptbank.prompts.service import etag_matches

ETAG = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


@pytest.mark.parametrize(
    "header",
    [
        "*",
        " * ",
        f'"{ETAG}"',
        f'W/"{ETAG}"',
        ETAG,
        f'"{OTHER}", "{ETAG}"',
        f'"{OTHER}",W/"{ETAG}"',
        f'W/"{OTHER}" ,  "{ETAG}" ',
        f'"a,b", "{ETAG}"',
    ],
)
def test_a_star_or_a_list_holding_the_etag_matches(header: str) -> None:
    # Given a header naming the current ETag (or any, with `*`); When compared; Then it matches
    assert etag_matches(header, ETAG)


@pytest.mark.parametrize(
    "header",
    ["", " ", f'"{OTHER}"', f'"{OTHER}", W/"{OTHER}"', f'"{ETAG[:-1]}"', f'"x,{ETAG}"', f'"{ETAG},x"', '"*"', "**"],
)
def test_a_list_without_the_etag_does_not_match(header: str) -> None:
    # Given a header that names other ETags only (a comma inside quotes belongs to its tag)
    # When compared; Then it does not match
    assert not etag_matches(header, ETAG)


def load_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(the front matter as PyYAML's safe_load reads it, the content after it)."""
    assert text.startswith("---\n")
    head, separator, content = text[4:].partition("\n---\n")
    assert separator
    return yaml.safe_load(head), content


YAML_1_1_LOOKALIKES = ["yes", "No", "on", "OFF", "y", "~", "null", "0x1A", "0o17", "017", "1_000", "1e3", ".5",
                       "+1", "2026-01-01", "12:30:45", ".inf", "-.NaN", "=", "<<", "!tag", "&a", "*a", "@", "`"]
TRICKY_TEXT = ["", " leading and trailing ", "a\nb", "\n", "\r\n", "---", "...", "line\n---\nline", "# not a comment",
               "key: value", "- item", "{ }", "[", "'", '"', "\\", "\t", "\x00\x01\x1f\x7f", "\x85\u2028\u2029",
               "\ufeff", "\ufffe\uffff", "\U0001fffe\U0010ffff", "\ud7ff\ue000", "é😀", "{{name}}"]
NUMBERS = [1e-05, 0.1, -2.5e-308, 5e-324, 1e16, 1.7976931348623157e308, 123456789.125, 0.0, -0.0, 10**30, -(10**20), 0]


def a_document(**changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = {"name": "N", "slug": "n", "description": None, "category": None, "tags": [], "framework": None}
    doc = {"version": 3, "content": "Hello {{name}}\n---\nbody", "model_config": {}, "system_prompt": None,
           "variables": {}}
    for key, value in changes.items():
        (meta if key in meta else doc)[key] = value
    return doc, meta


@pytest.mark.parametrize("text", YAML_1_1_LOOKALIKES + TRICKY_TEXT)
def test_the_front_matter_loads_back_every_string_exactly(text: str) -> None:
    # Given a prompt whose fields, tags, variable names and values hold the text
    doc, meta = a_document(
        name=text, description=text, category=text, tags=[text, "t"], framework=text, system_prompt=text,
        variables={"v": text, "<<": text, "yes": text}, model_config={"model": text, "stop": [text]},
    )
    # When it is downloaded raw and read back with PyYAML (YAML 1.1)
    front, content = load_front_matter(markdown_file(doc, meta))
    # Then every value is the one written, and the content follows exactly
    assert front == {
        "name": text, "slug": "n", "description": text, "category": text, "tags": [text, "t"], "framework": text,
        "model_config": {"model": text, "stop": [text]}, "system_prompt": text,
        "variables": {"v": text, "<<": text, "yes": text},
        "version": 3,
    }
    assert content == doc["content"]


@pytest.mark.parametrize("number", NUMBERS)
def test_the_front_matter_loads_back_every_number_exactly(number: float) -> None:
    # Given settings and variable values that are numbers (floats such as 1e-05 need a dot in YAML 1.1)
    doc, meta = a_document(model_config={"temperature": number}, variables={"n": number, "flag": True})
    # When downloaded raw and read back
    front, _ = load_front_matter(markdown_file(doc, meta))
    # Then they are the same numbers, of the same type (and sign, for -0.0)
    for loaded, written in ((front["model_config"]["temperature"], number), (front["variables"]["n"], number)):
        assert loaded == written and type(loaded) is type(written)
        assert math.copysign(1, loaded) == math.copysign(1, written)
    assert front["variables"]["flag"] is True


def test_the_front_matter_is_one_line_per_field() -> None:
    # Given a prompt with a multi-line description, settings and variables
    doc, meta = a_document(description="one\ntwo", model_config={"model": "gpt-4o", "stop": ["\n\n"]},
                           variables={"name": "Bo"})
    # When downloaded raw
    head = markdown_file(doc, meta).split("\n---\n")[0]
    # Then each field is one `key: value` line, in the contract's order, strings in double quotes
    assert head.split("\n") == [
        "---", 'name: "N"', 'slug: "n"', 'description: "one\\ntwo"', "category: null", "tags: []",
        "framework: null", 'model_config: {"model": "gpt-4o", "stop": ["\\n\\n"]}', "system_prompt: null",
        'variables: {"name": "Bo"}', "version: 3",
    ]


# Strings as a prompt may hold them: any code point but a lone surrogate (which JSON from a client and DynamoDB
# cannot carry).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "description", "model_config", "variables", "tags"]), VALUES))
def test_any_json_values_round_trip_through_pyyaml(fields: dict[str, Any]) -> None:
    # Given any JSON-like values; When written as front matter and read back with PyYAML
    loaded, content = load_front_matter(front_matter(fields) + "content")
    # Then they are the values written, and the content follows
    assert (loaded or {}) == fields
    assert content == "content"


def test_a_yaml_1_2_reader_loads_the_same_values() -> None:
    ruamel = pytest.importorskip("ruamel.yaml")
    # Given a front matter of tricky strings and numbers
    fields = {"tags": YAML_1_1_LOOKALIKES + TRICKY_TEXT, "model_config": {"values": NUMBERS}}
    head = front_matter(fields)[4:].partition("\n---\n")[0]
    # When read by ruamel.yaml, a YAML 1.2 reader; Then the same values
    assert ruamel.YAML(typ="safe", pure=True).load(head) == fields
