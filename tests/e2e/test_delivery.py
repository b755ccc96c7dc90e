"""Compiled delivery over HTTP: variables, ETag/304, strict mode, text, download, includes (API.md §3)."""

import base64
import json

import pytest


def create(api, user, **body):
    response = api.post("/v1/prompts", headers=user["headers"], json={"name": "P", **body})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def owner(new_user):
    return new_user()


@pytest.fixture
def prompt(api, owner):
    return create(
        api,
        owner,
        name="Support",
        slug="support",
        content="Dear {{customer|text:20|Customer}},{{#order}} about order {{order|number}}{{/order}} {{sign}}",
        system_prompt="You are {{persona}}.",
        variables={"sign": "Thanks", "persona": "helpful"},
        model_config={"model": "gpt-4o"},
    )


def compiled(api, owner, ref="support", **params):
    if "variables" in params and not isinstance(params["variables"], str):
        params["variables"] = json.dumps(params["variables"])
    return api.get(f"/v1/prompts/{ref}/compiled", headers=owner["headers"], params=params)


def test_compiled_shape_is_frozen(api, owner, prompt):
    body = compiled(api, owner, variables={"customer": "Ann", "order": 42}).json()
    assert set(body) == {"id", "slug", "name", "version", "label", "compiled_prompt", "compiled_system_prompt", "model_config",
                         "variables", "variables_used", "missing_variables", "unused_variables", "tokens", "tokenizer", "etag"}
    assert body["compiled_prompt"] == "Dear Ann, about order 42 Thanks"
    assert body["compiled_system_prompt"] == "You are helpful."
    assert body["label"] == "latest" and body["version"] == 1 and body["tokenizer"] == "o200k_base" and body["tokens"] > 5


def test_missing_variables_render_as_placeholders_and_strict_refuses(api, owner, prompt):
    body = compiled(api, owner).json()
    assert body["compiled_prompt"] == "Dear [customer], Thanks" and body["missing_variables"] == ["customer"]
    strict = compiled(api, owner, strict="true")
    assert strict.status_code == 400 and strict.json()["error"]["code"] == "VALIDATION_ERROR"


def test_unused_variables_are_reported_and_strict_refuses_them(api, owner, prompt):
    body = compiled(api, owner, variables={"customer": "A", "colour": "red"}).json()
    assert body["unused_variables"] == ["colour"]
    assert compiled(api, owner, variables={"customer": "A", "colour": "red"}, strict="true").status_code == 400


@pytest.mark.parametrize(
    ("variables", "field"),
    [({"customer": "x" * 21}, "variables.customer"), ({"customer": "A", "order": "forty"}, "variables.order")],
)
def test_invalid_values_are_400_naming_the_variable(api, owner, prompt, variables, field):
    response = compiled(api, owner, variables=variables)
    assert response.status_code == 400 and field in {d["field"] for d in response.json()["error"]["details"]}


@pytest.mark.parametrize("raw", ["not json", "[1,2]", '"text"'])
def test_variables_that_are_not_a_json_object_are_400(api, owner, prompt, raw):
    response = compiled(api, owner, variables=raw)
    assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == "variables"


def test_etag_and_if_none_match_give_304_with_no_body(api, owner, prompt):
    first = compiled(api, owner, variables={"customer": "Ann"})
    etag = first.headers["etag"]
    assert etag == f'"{first.json()["etag"]}"'
    again = api.get("/v1/prompts/support/compiled", headers={**owner["headers"], "If-None-Match": etag},
                    params={"variables": json.dumps({"customer": "Ann"})})
    assert again.status_code == 304 and again.content == b""
    other = api.get("/v1/prompts/support/compiled", headers={**owner["headers"], "If-None-Match": etag},
                    params={"variables": json.dumps({"customer": "Bob"})})
    assert other.status_code == 200


def test_compiling_is_deterministic(api, owner, prompt):
    a = compiled(api, owner, variables={"customer": "Ann"})
    b = compiled(api, owner, variables={"customer": "Ann"})
    assert a.content == b.content and a.headers["etag"] == b.headers["etag"]


def test_text_format_returns_the_compiled_prompt(api, owner, prompt):
    text = compiled(api, owner, variables={"customer": "Ann"}, response_format="text")
    assert text.headers["content-type"].startswith("text/plain") and text.text == "Dear Ann, Thanks"


def test_post_compile_matches_get(api, owner, prompt):
    posted = api.post("/v1/prompts/support/compile", headers=owner["headers"], json={"variables": {"customer": "Ann"}})
    assert posted.json() == compiled(api, owner, variables={"customer": "Ann"}).json()
    bad = api.post("/v1/prompts/support/compile", headers=owner["headers"], json={"variables": "x"})
    assert bad.status_code == 400


def test_label_and_version_select_what_is_compiled(api, owner, prompt):
    api.patch("/v1/prompts/support", headers=owner["headers"], json={"content": "New {{customer}}", "publish": False})
    assert compiled(api, owner, variables={"customer": "A"}).json()["compiled_prompt"] == "New A"
    production = compiled(api, owner, variables={"customer": "A"}, label="production").json()
    assert production["version"] == 1 and production["label"] == "production"
    pinned = compiled(api, owner, variables={"customer": "A"}, version=1).json()
    assert pinned["version"] == 1 and pinned["label"] is None
    assert compiled(api, owner, label="nope").status_code == 404


def test_download_raw_has_front_matter_then_the_content(api, owner, prompt):
    response = api.get("/v1/prompts/support/download", headers=owner["headers"], params={"format": "raw"})
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.headers["content-disposition"] == 'attachment; filename="support.md"'
    head, _, content = response.text.partition("\n---\n")
    assert head.startswith("---\nname: \"Support\"\nslug: \"support\"") and content.endswith(prompt["content"])
    assert 'system_prompt: "You are {{persona}}."' in head and "version: 1" in head


def test_download_compiled_with_base64_variables(api, owner, prompt):
    encoded = base64.b64encode(json.dumps({"customer": "Ann"}).encode()).decode()
    response = api.get("/v1/prompts/support/download", headers=owner["headers"], params={"variables": encoded})
    assert response.text == "Dear Ann, Thanks"
    assert api.get("/v1/prompts/support/download", headers=owner["headers"], params={"variables": "%%%"}).status_code == 400
    assert api.get("/v1/prompts/support/download", headers=owner["headers"], params={"format": "pdf"}).status_code == 400


def test_includes_compile_other_prompts_with_the_same_variables(api, owner):
    create(api, owner, slug="signature", content="-- {{agent}}")
    outer = create(api, owner, slug="outer", content="Hi {{name}}\n{{> signature}}")
    body = api.post(f"/v1/prompts/{outer['id']}/compile", headers=owner["headers"],
                    json={"variables": {"name": "Ann", "agent": "Bo"}}).json()
    assert body["compiled_prompt"] == "Hi Ann\n-- Bo"


def test_include_cycles_are_rejected_on_save(api, owner):
    create(api, owner, slug="a-part", content="A")
    create(api, owner, slug="b-part", content="B {{> a-part}}")
    cycle = api.patch("/v1/prompts/a-part", headers=owner["headers"], json={"content": "A {{> b-part}}"})
    assert cycle.status_code == 400 and cycle.json()["error"]["details"][0]["field"] == "content"
    assert api.get("/v1/prompts/a-part", headers=owner["headers"]).json()["content"] == "A"
