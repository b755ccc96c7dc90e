"""Prompts over HTTP: CRUD, versions, labels, resolution, access rules, concurrency (API.md §3)."""

import concurrent.futures
import uuid

import httpx
import pytest


def create(api, user, **body):
    payload = {"name": "Greeting", "content": "Hello {{name|text:40|Who}}!", **body}
    response = api.post("/v1/prompts", headers=user["headers"], json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def key(api, user, **body):
    response = api.post("/v1/keys", headers=user["headers"], json={"name": "k", **body})
    return {"X-API-Key": response.json()["raw_key"]}


def test_create_returns_version_one_published(api, new_user):
    user = new_user()
    prompt = create(api, user, name="Support Reply", tags=["support"], variables={"name": "friend"},
                    model_config={"model": "gpt-4o", "temperature": 0.2}, description="Replies")
    assert prompt["slug"] == "support-reply" and prompt["version"] == 1 and prompt["latest_version"] == 1
    assert prompt["labels"] == {"latest": 1, "production": 1} and prompt["published_version"] == 1
    assert prompt["owner_id"] == user["user"]["id"] and prompt["category"] == "Uncategorized"
    assert prompt["variables"] == [{"key": "name", "type": "text", "max_length": 40, "description": "Who",
                                    "default_value": "friend", "required": False}]
    assert prompt["model_config"] == {"model": "gpt-4o", "temperature": 0.2}


def test_publish_false_stages_a_draft(api, new_user):
    prompt = create(api, new_user(), publish=False)
    assert prompt["labels"] == {"latest": 1} and prompt["published_version"] is None


def test_derived_slugs_get_a_suffix_and_explicit_taken_slugs_conflict(api, new_user):
    user = new_user()
    assert create(api, user)["slug"] == "greeting"
    assert create(api, user)["slug"] == "greeting-2"
    taken = api.post("/v1/prompts", headers=user["headers"], json={"name": "x", "slug": "greeting", "content": "c"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "CONFLICT"


def test_slugs_are_per_owner(api, new_user):
    assert create(api, new_user(), slug="shared-name")["slug"] == "shared-name"
    assert create(api, new_user(), slug="shared-name")["slug"] == "shared-name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "n" * 201}, "name"),
        ({"content": "c" * 50_001}, "content"),
        ({"system_prompt": "s" * 50_001}, "system_prompt"),
        ({"description": "d" * 2_001}, "description"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"model_config": {"temperature": 2.5}}, "model_config.temperature"),
        ({"model_config": {"max_tokens": 0}}, "model_config.max_tokens"),
        ({"variables": ["a"]}, "variables"),
        ({"content": "Hello {{name"}, "content"),
        ({"content": "{{#open}}never closed"}, "content"),
        ({"content": "{{a|number}} and {{a|email}}"}, "content"),
        ({"content": "{{> nowhere}}"}, "content"),
    ],
)
def test_bad_creates_are_400_naming_the_field_and_save_nothing(api, new_user, body, field):
    user = new_user()
    response = api.post("/v1/prompts", headers=user["headers"], json={"name": "Bad", "content": "c", **body})
    assert response.status_code == 400, response.text
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert api.get("/v1/prompts", headers=user["headers"]).json()["data"] == []


def test_syntax_errors_carry_line_and_column(api, new_user):
    response = api.post("/v1/prompts", headers=new_user()["headers"], json={"name": "x", "content": "line one\n  {{ bad syntax }}"})
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "content" and detail["line"] == 2 and detail["column"] == 3


def test_get_by_id_and_slug_with_etag_and_text_format(api, new_user):
    user = new_user()
    prompt = create(api, user)
    by_id = api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"])
    by_slug = api.get(f"/v1/prompts/{prompt['slug']}", headers=user["headers"])
    assert by_id.json() == by_slug.json()
    assert by_id.headers["etag"] == f'"{prompt["etag"]}"'
    text = api.get(f"/v1/prompts/{prompt['slug']}", headers=user["headers"], params={"response_format": "text"})
    assert text.headers["content-type"].startswith("text/plain") and text.text == prompt["content"]


def test_if_none_match_gives_304_until_a_new_version_is_resolved(api, new_user):
    user = new_user()
    prompt = create(api, user)
    etag = api.get(f"/v1/prompts/{prompt['slug']}", headers=user["headers"]).headers["etag"]
    conditional = {**user["headers"], "If-None-Match": etag}
    same = api.get(f"/v1/prompts/{prompt['slug']}", headers=conditional)
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    api.patch(f"/v1/prompts/{prompt['slug']}", headers=user["headers"], json={"content": "Hi {{name}}"})
    changed = api.get(f"/v1/prompts/{prompt['slug']}", headers=conditional)
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.headers["etag"] != etag
    pinned = api.get(f"/v1/prompts/{prompt['slug']}", headers=conditional, params={"version": 1})
    assert pinned.status_code == 304


def test_metadata_changes_keep_the_version_and_content_changes_add_one(api, new_user):
    user = new_user()
    prompt = create(api, user)
    meta = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"name": "Renamed", "tags": ["a"]}).json()
    assert meta["version"] == 1 and meta["name"] == "Renamed" and meta["etag"] == prompt["etag"]
    new = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "Hi {{name}}", "commit_message": "shorter"}).json()
    assert new["version"] == 2 and new["labels"] == {"latest": 2, "production": 2} and new["etag"] != prompt["etag"]


def test_unpublished_edit_moves_latest_but_not_production(api, new_user):
    user = new_user()
    prompt = create(api, user)
    draft = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "Draft {{name}}", "publish": False}).json()
    assert draft["labels"] == {"latest": 2, "production": 1}
    live = key(api, user)
    dev = key(api, user, environment="development")
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=live).json()["version"] == 1
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=dev).json()["version"] == 2
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=live, params={"label": "latest"}).json()["version"] == 2
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=dev, params={"version": 1}).json()["version"] == 1


def test_if_match_guards_against_lost_updates(api, new_user):
    user = new_user()
    prompt = create(api, user)
    stale = prompt["etag"]
    api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2 {{name}}"})
    rejected = api.patch(f"/v1/prompts/{prompt['id']}", headers={**user["headers"], "If-Match": f'"{stale}"'}, json={"content": "v3"})
    assert rejected.status_code == 412 and rejected.json()["error"]["code"] == "PRECONDITION_FAILED"
    current = api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"])
    assert current.json()["version"] == 2
    accepted = api.patch(f"/v1/prompts/{prompt['id']}", headers={**user["headers"], "If-Match": current.headers["etag"]}, json={"content": "v3"})
    assert accepted.status_code == 200 and accepted.json()["version"] == 3


def test_a_conditional_patch_sent_twice_with_one_idempotency_key_makes_one_version(api, new_user):
    # Given a prompt at version 1 and a change guarded by its ETag, sent with an Idempotency-Key
    user = new_user()
    prompt = create(api, user)
    headers = {**user["headers"], "If-Match": f'"{prompt["etag"]}"', "Idempotency-Key": str(uuid.uuid4())}
    first = api.patch(f"/v1/prompts/{prompt['id']}", headers=headers, json={"content": "v2 {{name}}"})
    # When it is sent again, as a client does when the first answer was lost
    again = api.patch(f"/v1/prompts/{prompt['id']}", headers=headers, json={"content": "v2 {{name}}"})
    # Then the retry gets the first answer (not a 412 for its own change), and one version was made
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.json() == first.json() and again.json()["version"] == 2
    versions = api.get(f"/v1/prompts/{prompt['id']}/versions", headers=user["headers"]).json()["data"]
    assert [v["version"] for v in versions] == [2, 1]
    # And the key with another change is a conflict that changes nothing
    other = api.patch(f"/v1/prompts/{prompt['id']}", headers=headers, json={"content": "v3"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "CONFLICT"
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json()["version"] == 2


def test_bad_updates_are_400_and_change_nothing(api, new_user):
    user = new_user()
    prompt = create(api, user)
    for body in ({"name": None}, {"content": ""}, {"owner_id": "x"}, {"model_config": {"top_p": 2}}, {"content": "{{/x}}"}):
        assert api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json=body).status_code == 400
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).json() == prompt


def test_concurrent_edits_each_get_their_own_version(runtime, new_user):
    # Given one prompt / When a dozen clients edit its content at the same time
    with httpx.Client(base_url=runtime.base_url, timeout=60) as client:
        user = new_user(client)
        prompt = create(client, user)

        def edit(n):
            with httpx.Client(base_url=runtime.base_url, timeout=60) as own:
                return own.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": f"edit {n}"})

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(edit, range(12)))
        # Then every edit succeeded with a distinct version 2..13, and the history has exactly 13 versions
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
        assert sorted(r.json()["version"] for r in responses) == list(range(2, 14))
        versions = client.get(f"/v1/prompts/{prompt['id']}/versions", headers=user["headers"], params={"limit": 100}).json()["data"]
        assert [v["version"] for v in versions] == list(range(13, 0, -1))
        contents = {client.get(f"/v1/prompts/{prompt['id']}/versions/{n}", headers=user["headers"]).json()["content"] for n in range(2, 14)}
        assert contents == {f"edit {n}" for n in range(12)}


def test_versions_list_newest_first_with_cursor(api, new_user):
    user = new_user()
    prompt = create(api, user)
    for n in range(4):
        api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": f"v{n + 2}"})
    first = api.get(f"/v1/prompts/{prompt['id']}/versions", headers=user["headers"], params={"limit": 3}).json()
    assert [v["version"] for v in first["data"]] == [5, 4, 3] and "content" not in first["data"][0]
    second = api.get(f"/v1/prompts/{prompt['id']}/versions", headers=user["headers"], params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [v["version"] for v in second["data"]] == [2, 1] and second["next_cursor"] is None
    one = api.get(f"/v1/prompts/{prompt['id']}/versions/1", headers=user["headers"]).json()
    assert one["content"] == prompt["content"] and one["author_id"] == user["user"]["id"]
    assert api.get(f"/v1/prompts/{prompt['id']}/versions/99", headers=user["headers"]).status_code == 404
    assert api.get(f"/v1/prompts/{prompt['id']}/versions/0", headers=user["headers"]).status_code == 400


def test_labels_set_resolve_and_remove(api, new_user):
    user = new_user()
    prompt = create(api, user)
    api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2"})
    staged = api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"], json={"version": 1})
    assert staged.status_code == 200 and staged.json()["labels"]["staging"] == 1
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"], params={"label": "staging"}).json()["version"] == 1
    assert api.put(f"/v1/prompts/{prompt['id']}/labels/latest", headers=user["headers"], json={"version": 1}).status_code == 400
    assert api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"], json={"version": 9}).status_code == 404
    assert api.put(f"/v1/prompts/{prompt['id']}/labels/Bad Label", headers=user["headers"], json={"version": 1}).status_code == 400
    assert api.delete(f"/v1/prompts/{prompt['id']}/labels/latest", headers=user["headers"]).status_code == 400
    assert api.delete(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"]).status_code == 204
    assert api.delete(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"]).status_code == 404
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=user["headers"], params={"label": "staging"}).status_code == 404


def test_publish_moves_production(api, new_user):
    user = new_user()
    prompt = create(api, user, publish=False)
    api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2", "publish": False})
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={"version": 1}).json()["published_version"] == 1
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={}).json()["published_version"] == 2
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={"version": 7}).status_code == 404


def test_list_filters_and_paginates_most_recent_first(api, new_user):
    user = new_user()
    a = create(api, user, name="Alpha writer", category="Writing", tags=["blog"])
    b = create(api, user, name="Beta coder", category="Code", tags=["python"], description="Writes PYTHON")
    c = create(api, user, name="Gamma writer", category="Writing", tags=["blog", "seo"])
    api.patch(f"/v1/prompts/{a['id']}", headers=user["headers"], json={"description": "touched"})
    listed = api.get("/v1/prompts", headers=user["headers"]).json()
    assert [p["id"] for p in listed["data"]] == [a["id"], c["id"], b["id"]] and "content" not in listed["data"][0]
    assert {p["id"] for p in api.get("/v1/prompts", headers=user["headers"], params={"category": "Writing"}).json()["data"]} == {a["id"], c["id"]}
    assert [p["id"] for p in api.get("/v1/prompts", headers=user["headers"], params={"tag": "seo"}).json()["data"]] == [c["id"]]
    assert [p["id"] for p in api.get("/v1/prompts", headers=user["headers"], params={"q": "python"}).json()["data"]] == [b["id"]]
    page = api.get("/v1/prompts", headers=user["headers"], params={"limit": 2}).json()
    rest = api.get("/v1/prompts", headers=user["headers"], params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [p["id"] for p in page["data"] + rest["data"]] == [a["id"], c["id"], b["id"]] and rest["next_cursor"] is None


def test_cursors_are_tamper_evident_and_personal(api, new_user):
    user, other = new_user(), new_user()
    for _ in range(3):
        create(api, user)
    cursor = api.get("/v1/prompts", headers=user["headers"], params={"limit": 1}).json()["next_cursor"]
    assert api.get("/v1/prompts", headers=other["headers"], params={"cursor": cursor}).status_code == 400
    assert api.get("/v1/prompts", headers=user["headers"], params={"cursor": cursor[:-3] + "abc"}).status_code == 400
    assert api.get("/v1/prompts", headers=user["headers"], params={"limit": 101}).status_code == 400


def test_other_users_private_prompts_are_404_and_public_ones_read_only_by_id(api, new_user):
    owner, other = new_user(), new_user()
    private = create(api, owner)
    public = create(api, owner, name="Open", is_public=True)
    assert api.get(f"/v1/prompts/{private['id']}", headers=other["headers"]).status_code == 404
    assert api.get(f"/v1/prompts/{public['id']}", headers=other["headers"]).status_code == 200
    assert api.get(f"/v1/prompts/{public['slug']}", headers=other["headers"]).status_code == 404
    assert api.post(f"/v1/prompts/{public['id']}/compile", headers=other["headers"], json={"variables": {"name": "Z"}}).json()["compiled_prompt"] == "Hello Z!"
    assert api.patch(f"/v1/prompts/{public['id']}", headers=other["headers"], json={"name": "mine"}).status_code == 403
    assert api.delete(f"/v1/prompts/{public['id']}", headers=other["headers"]).status_code == 403
    assert api.patch(f"/v1/prompts/{private['id']}", headers=other["headers"], json={"name": "mine"}).status_code == 404
    assert api.get(f"/v1/prompts/{public['id']}", headers=owner["headers"]).json()["name"] == "Open"


def test_read_keys_read_and_compile_but_never_write(api, new_user):
    user = new_user()
    prompt = create(api, user)
    read = key(api, user, access="read")
    assert api.get(f"/v1/prompts/{prompt['id']}", headers=read).status_code == 200
    assert api.get(f"/v1/prompts/{prompt['id']}/compiled", headers=read).status_code == 200
    assert api.post("/v1/prompts", headers=read, json={"name": "x", "content": "y"}).status_code == 403
    assert api.patch(f"/v1/prompts/{prompt['id']}", headers=read, json={"name": "x"}).status_code == 403
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=read, json={}).status_code == 403
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=read).status_code == 403


def test_delete_takes_versions_labels_and_frees_the_slug(api, new_user):
    user = new_user()
    prompt = create(api, user, slug="to-delete")
    api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "v2"})
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).status_code == 204
    for path in (f"/v1/prompts/{prompt['id']}", "/v1/prompts/to-delete", f"/v1/prompts/{prompt['id']}/versions/1", f"/v1/prompts/{prompt['id']}/compiled"):
        assert api.get(path, headers=user["headers"]).status_code == 404, path
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).status_code == 404
    assert create(api, user, slug="to-delete")["id"] != prompt["id"]


def test_idempotent_create_makes_one_prompt(api, new_user):
    user = new_user()
    headers = {**user["headers"], "Idempotency-Key": str(uuid.uuid4())}
    first = api.post("/v1/prompts", headers=headers, json={"name": "Once", "content": "c"})
    second = api.post("/v1/prompts", headers=headers, json={"name": "Once", "content": "c"})
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert len(api.get("/v1/prompts", headers=user["headers"]).json()["data"]) == 1


def test_slug_change_moves_delivery_and_frees_the_old_slug(api, new_user):
    user = new_user()
    prompt = create(api, user, slug="old-name")
    moved = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"slug": "new-name"})
    assert moved.status_code == 200 and moved.json()["slug"] == "new-name"
    assert api.get("/v1/prompts/new-name/compiled", headers=user["headers"]).json()["id"] == prompt["id"]
    assert api.get("/v1/prompts/old-name/compiled", headers=user["headers"]).status_code == 404
    other = create(api, user, slug="taken-name")
    assert api.patch(f"/v1/prompts/{other['id']}", headers=user["headers"], json={"slug": "new-name"}).status_code == 409
