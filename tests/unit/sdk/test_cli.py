"""The `promptbank` CLI (typer) over a mocked API (respx): pull/push against a small in-memory registry that keeps
versions and ETags as the API does, compile and run, eval's exit codes and JUnit report, error lines, login.

The raw files the fake serves are rendered by the service's own front matter writer
(shared/promptbank/prompts/frontmatter.py), so a pulled file here is byte for byte what the API sends.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import promptbank_client.cli as cli
import pytest
import respx
from promptbank_client._promptfile import PromptFileError, parse
from typer.testing import CliRunner

from promptbank.prompts.frontmatter import front_matter

BASE = "http://127.0.0.1:3998"  # never reached: respx answers every request
KEY = "pb_dev_" + "c" * 64
NOW = "2026-12-03T10:00:00.000Z"
VERSIONED = ("content", "system_prompt", "variables", "model_config")


def _runner() -> CliRunner:
    apart: dict[str, Any] = {"mix_stderr": False}  # click 8.1: keep stderr apart
    try:
        return CliRunner(**apart)
    except TypeError:  # click >= 8.2 always keeps it apart
        return CliRunner()


def _envelope(status: int, code: str, message: str, request_id: str = "req-123") -> httpx.Response:
    body = {"error": {"code": code, "message": message, "details": [], "request_id": request_id}}
    return httpx.Response(status, json=body, headers={"X-Request-Id": request_id})


class FakeRegistry:
    """The prompt routes the CLI uses, with versions, `latest`, `production` and ETags that change per version."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.prompts: dict[str, dict[str, Any]] = {}
        self.tick = 0
        router.get(f"{BASE}/v1/prompts").mock(side_effect=self.list)
        router.post(f"{BASE}/v1/prompts").mock(side_effect=self.create)
        router.get(url__regex=rf"^{BASE}/v1/prompts/(?P<ref>[^/?]+)/download").mock(side_effect=self.download)
        router.get(url__regex=rf"^{BASE}/v1/prompts/(?P<ref>[^/?]+)(\?.*)?$").mock(side_effect=self.get)
        router.patch(url__regex=rf"^{BASE}/v1/prompts/(?P<ref>[^/?]+)$").mock(side_effect=self.update)

    def _stamp(self) -> str:
        self.tick += 1
        return f"2026-12-03T10:00:{self.tick:02d}.000Z"

    def add(self, name: str, content: str, **fields: Any) -> dict[str, Any]:
        slug = fields.pop("slug", None) or name.lower().replace(" ", "-")
        prompt = {
            "id": str(uuid.uuid4()), "slug": slug, "name": name, "description": fields.get("description"),
            "category": fields.get("category", "Uncategorized"), "tags": fields.get("tags", []),
            "framework": fields.get("framework"), "is_public": False, "owner_id": "owner",
            "versions": [], "production": None, "created_at": NOW, "updated_at": self._stamp(),
        }
        self.prompts[prompt["id"]] = prompt
        self._new_version(prompt, {
            "content": content, "system_prompt": fields.get("system_prompt"),
            "variables": fields.get("variables") or {}, "model_config": fields.get("model_config") or {},
        }, publish=fields.get("publish", True))
        return prompt

    def _new_version(self, prompt: dict[str, Any], values: dict[str, Any], publish: bool) -> None:
        number = len(prompt["versions"]) + 1
        etag = hashlib.sha256(json.dumps([prompt["id"], number, values], sort_keys=True).encode()).hexdigest()[:32]
        prompt["versions"].append({**values, "version": number, "etag": etag})
        if publish:
            prompt["production"] = number

    def find(self, ref: str) -> dict[str, Any] | None:
        return self.prompts.get(ref) or next((p for p in self.prompts.values() if p["slug"] == ref), None)

    def named(self, slug: str) -> dict[str, Any]:
        prompt = self.find(slug)
        assert prompt is not None, slug
        return prompt

    def latest(self, prompt: dict[str, Any]) -> dict[str, Any]:
        return dict(prompt["versions"][-1])

    def view(self, prompt: dict[str, Any], version: dict[str, Any] | None = None, summary: bool = False) -> dict[str, Any]:
        version = version or prompt["versions"][-1]
        labels = {"latest": len(prompt["versions"])}
        if prompt["production"]:
            labels["production"] = prompt["production"]
        shown = {k: v for k, v in prompt.items() if k not in ("versions", "production")}
        body = {
            **shown, "model_config": version["model_config"], "version": version["version"],
            "latest_version": len(prompt["versions"]), "labels": labels, "published_version": prompt["production"],
            "etag": version["etag"],
        }
        if not summary:
            body.update(content=version["content"], system_prompt=version["system_prompt"], variables=[])
        return body

    def list(self, request: httpx.Request) -> httpx.Response:
        data = [self.view(p, summary=True) for p in self.prompts.values()]
        return httpx.Response(200, json={"data": data, "next_cursor": None})

    def get(self, request: httpx.Request, ref: str) -> httpx.Response:
        prompt = self.find(ref)
        if prompt is None:
            return _envelope(404, "NOT_FOUND", "Prompt not found")
        number = int(request.url.params.get("version") or len(prompt["versions"]))
        return httpx.Response(200, json=self.view(prompt, prompt["versions"][number - 1]))

    def download(self, request: httpx.Request, ref: str) -> httpx.Response:
        prompt = self.find(ref)
        assert prompt is not None and request.url.params["format"] == "raw"
        assert request.url.params["label"] == "latest"
        version = prompt["versions"][-1]
        front = {
            "name": prompt["name"], "slug": prompt["slug"], "description": prompt["description"],
            "category": prompt["category"], "tags": prompt["tags"], "framework": prompt["framework"],
            "model_config": version["model_config"], "system_prompt": version["system_prompt"],
            "variables": version["variables"], "version": version["version"],
        }
        return httpx.Response(200, text=front_matter(front) + version["content"],
                              headers={"Content-Type": "text/markdown; charset=utf-8"})

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if any(p["slug"] == body.get("slug") for p in self.prompts.values()):
            return _envelope(409, "CONFLICT", f"Slug '{body['slug']}' is already used")
        prompt = self.add(body.pop("name"), body.pop("content"), **body)
        return httpx.Response(201, json=self.view(prompt))

    def update(self, request: httpx.Request, ref: str) -> httpx.Response:
        prompt = self.find(ref)
        if prompt is None:
            return _envelope(404, "NOT_FOUND", "Prompt not found")
        latest = self.latest(prompt)
        if_match = request.headers.get("If-Match")
        if if_match is not None and if_match.strip('"') != latest["etag"]:
            return _envelope(412, "PRECONDITION_FAILED", "If-Match does not match the current version's ETag")
        body = json.loads(request.content)
        values = {key: latest[key] for key in VERSIONED}
        values.update({key: body[key] for key in VERSIONED if key in body})
        if values["system_prompt"] == "":
            values["system_prompt"] = None
        for key in ("name", "description", "category", "tags", "framework"):
            if key in body:
                prompt[key] = body[key]
        prompt["updated_at"] = self._stamp()
        if values != {key: latest[key] for key in VERSIONED}:
            self._new_version(prompt, values, publish=body.get("publish", True))
        elif body.get("publish", True):
            prompt["production"] = len(prompt["versions"])
        return httpx.Response(200, json=self.view(prompt))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {"PROMPTBANK_BASE_URL": BASE, "PROMPTBANK_API_KEY": KEY, "PROMPTBANK_CONFIG": str(tmp_path / "config.json")}


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def registry(router: respx.MockRouter) -> FakeRegistry:
    registry = FakeRegistry(router)
    registry.add("Greeting", "Hello {{name}}!\n", system_prompt="Be kind.", tags=["support"],
                 model_config={"temperature": 0.7}, variables={"name": "World"})
    registry.add("Notes", "---\nnot front matter\n---\n", description="starts with a fence")
    return registry


def invoke(env: dict[str, str | None], *args: str) -> Any:
    return _runner().invoke(cli.app, list(args), env=env, catch_exceptions=False)


def _record(directory: Path) -> dict[str, Any]:
    return dict(json.loads((directory / ".promptbank.json").read_text())["prompts"])


def _writes(router: respx.MockRouter) -> list[httpx.Request]:
    return [call.request for call in router.calls if call.request.method not in ("GET", "HEAD")]


# -- pull ------------------------------------------------------------------------------------------------------


def test_pull_writes_each_prompt_as_the_raw_download_and_records_version_etag_and_hash(env, registry, tmp_path):
    # Given two prompts on the server
    directory = tmp_path / "prompts"
    # When they are pulled
    result = invoke(env, "pull", "--dir", str(directory))
    # Then one file per prompt, named by slug, holding exactly the raw download; nothing on stdout
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in directory.glob("*.md")) == ["greeting.md", "notes.md"]
    greeting = registry.find("greeting")
    assert greeting is not None
    text = (directory / "greeting.md").read_text()
    assert text.startswith('---\nname: "Greeting"\n') and text.endswith("---\nHello {{name}}!\n")
    assert parse((directory / "notes.md").read_text()).content == "---\nnot front matter\n---\n"
    # and the record holds the prompt's id, version, that version's ETag and the file's hash
    record = _record(directory)["greeting"]
    assert record["id"] == greeting["id"]
    assert (record["version"], record["etag"]) == (1, greeting["versions"][0]["etag"])
    assert record["sha256"] == hashlib.sha256((directory / "greeting.md").read_bytes()).hexdigest()


def test_a_second_pull_with_nothing_changed_downloads_nothing(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    assert invoke(env, "pull", "--dir", str(directory)).exit_code == 0
    router.reset()
    result = invoke(env, "pull", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    assert [str(call.request.url) for call in router.calls] == [f"{BASE}/v1/prompts?limit=100"]
    assert "unchanged" in result.stderr


def test_pull_keeps_a_file_changed_locally_unless_forced(env, registry, tmp_path):
    # Given a pulled file edited locally, and a new version on the server
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    (directory / "greeting.md").write_text((directory / "greeting.md").read_text() + "my edit\n")
    prompt = registry.find("greeting")
    assert prompt is not None
    registry._new_version(prompt, {**registry.latest(prompt), "content": "server text"}, publish=True)
    # When pulled again: the local edit is kept and the exit code says so
    kept = invoke(env, "pull", "--dir", str(directory))
    assert kept.exit_code == 1
    assert (directory / "greeting.md").read_text().endswith("my edit\n")
    assert "kept" in kept.stderr
    # and --force takes the server's file
    forced = invoke(env, "pull", "--dir", str(directory), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (directory / "greeting.md").read_text().endswith("---\nserver text")
    assert _record(directory)["greeting"]["version"] == 2


def test_pull_removes_the_unchanged_file_of_a_prompt_deleted_on_the_server(env, registry, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    notes = registry.find("notes")
    assert notes is not None
    del registry.prompts[notes["id"]]
    result = invoke(env, "pull", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    assert not (directory / "notes.md").exists()
    assert set(_record(directory)) == {"greeting"}


# -- push ------------------------------------------------------------------------------------------------------


def test_push_of_unchanged_files_makes_no_request(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    router.reset()
    result = invoke(env, "push", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    assert router.calls.call_count == 0
    assert "2 unchanged" in result.stderr


def test_push_sends_a_changed_file_with_if_match_and_the_content_after_the_front_matter(env, registry, router, tmp_path):
    # Given a pulled prompt whose content is edited
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    pulled_etag = _record(directory)["greeting"]["etag"]
    path = directory / "greeting.md"
    path.write_text(path.read_text().replace("Hello", "Hi"))
    router.reset()
    # When pushed
    result = invoke(env, "push", "--dir", str(directory), "-m", "friendlier")
    # Then one PATCH, guarded by the pulled ETag, carrying every field of the file
    assert result.exit_code == 0, result.stderr
    (patch,) = _writes(router)
    assert patch.method == "PATCH" and patch.headers["If-Match"] == f'"{pulled_etag}"'
    body = json.loads(patch.content)
    assert body == {
        "content": "Hi {{name}}!\n", "name": "Greeting", "category": "Uncategorized", "tags": ["support"],
        "variables": {"name": "World"}, "system_prompt": "Be kind.", "model_config": {"temperature": 0.7},
        "description": None, "framework": None, "publish": True, "commit_message": "friendlier",
    }
    # and the server has one new version, published; the record follows it
    prompt = registry.find("greeting")
    assert prompt is not None
    assert [v["content"] for v in prompt["versions"]] == ["Hello {{name}}!\n", "Hi {{name}}!\n"]
    assert prompt["production"] == 2
    record = _record(directory)["greeting"]
    assert (record["version"], record["etag"]) == (2, prompt["versions"][1]["etag"])
    # and pushing again sends nothing
    router.reset()
    assert invoke(env, "push", "--dir", str(directory)).exit_code == 0
    assert router.calls.call_count == 0


def test_a_null_description_and_system_prompt_in_the_file_clear_them(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    path = directory / "greeting.md"
    path.write_text(path.read_text().replace('system_prompt: "Be kind."', "system_prompt: null"))
    notes = directory / "notes.md"
    notes.write_text(notes.read_text().replace('description: "starts with a fence"', "description: null"))
    router.reset()
    assert invoke(env, "push", "--dir", str(directory)).exit_code == 0
    bodies = {request.url.path.rsplit("/", 1)[1]: json.loads(request.content) for request in _writes(router)}
    ids = {p["slug"]: p["id"] for p in registry.prompts.values()}
    assert bodies[ids["greeting"]]["system_prompt"] == ""  # the API stores "" as null
    assert bodies[ids["notes"]]["description"] is None
    assert registry.named("greeting")["versions"][-1]["system_prompt"] is None
    assert len(registry.named("notes")["versions"]) == 1  # metadata only: no version


def test_no_publish_is_sent_as_publish_false(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    (directory / "notes.md").write_text((directory / "notes.md").read_text() + "more\n")
    router.reset()
    assert invoke(env, "push", "--dir", str(directory), "--no-publish").exit_code == 0
    (patch,) = _writes(router)
    assert json.loads(patch.content)["publish"] is False
    assert registry.named("notes")["production"] == 1


def test_a_prompt_changed_on_the_server_is_a_conflict_and_the_other_files_are_pushed(env, registry, router, tmp_path):
    # Given both files edited after the pull, and a concurrent edit of one prompt on the server
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    before = _record(directory)
    for name in ("greeting.md", "notes.md"):
        (directory / name).write_text((directory / name).read_text() + "local edit\n")
    greeting = registry.find("greeting")
    assert greeting is not None
    registry._new_version(greeting, {**registry.latest(greeting), "content": "server edit"}, publish=True)
    # When pushed
    result = invoke(env, "push", "--dir", str(directory))
    # Then exit 1, the conflict reported, nothing written for it; the other file pushed
    assert result.exit_code == 1
    assert "conflict" in result.stderr and "greeting.md" in result.stderr
    assert [v["content"] for v in greeting["versions"]][-1] == "server edit"
    assert len(greeting["versions"]) == 2
    assert registry.named("notes")["versions"][-1]["content"].endswith("local edit\n")
    record = _record(directory)
    assert record["greeting"] == before["greeting"]
    assert record["notes"]["version"] == 2
    # And --force overwrites it, without If-Match
    router.reset()
    forced = invoke(env, "push", "--dir", str(directory), "--force")
    assert forced.exit_code == 0, forced.stderr
    (patch,) = _writes(router)
    assert "If-Match" not in patch.headers
    assert greeting["versions"][-1]["content"].endswith("local edit\n")
    assert len(greeting["versions"]) == 3


def test_a_new_file_becomes_a_prompt_whose_slug_is_the_file_name(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    (directory / "release-notes.md").write_text("Summarise {{changes}}")
    router.reset()
    result = invoke(env, "push", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    (post,) = _writes(router)
    assert json.loads(post.content) == {
        "name": "release-notes", "content": "Summarise {{changes}}", "slug": "release-notes", "publish": True,
    }
    created = registry.find("release-notes")
    assert created is not None
    assert _record(directory)["release-notes"]["id"] == created["id"]
    assert "created" in result.stderr


def test_a_new_file_whose_name_is_not_a_slug_is_skipped(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    directory.mkdir()
    (directory / "README.md").write_text("These are our prompts.")
    result = invoke(env, "push", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    assert "skipped" in result.stderr and "README.md" in result.stderr
    assert router.calls.call_count == 0


def test_a_new_file_whose_slug_is_taken_is_an_error_unless_forced(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    directory.mkdir()
    (directory / "greeting.md").write_text("Mine")
    result = invoke(env, "push", "--dir", str(directory))
    assert result.exit_code == 1
    assert "409 CONFLICT" in result.stderr
    assert len(registry.named("greeting")["versions"]) == 1
    forced = invoke(env, "push", "--dir", str(directory), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert registry.named("greeting")["versions"][-1]["content"] == "Mine"


def test_a_broken_front_matter_is_reported_for_that_file_only(env, registry, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    (directory / "greeting.md").write_text("---\nname: [unclosed\n---\nHi")
    (directory / "notes.md").write_text((directory / "notes.md").read_text() + "x")
    result = invoke(env, "push", "--dir", str(directory))
    assert result.exit_code == 1
    assert "not a prompt file" in result.stderr
    assert registry.named("notes")["versions"][-1]["content"].endswith("x")


def test_push_refuses_a_folder_pulled_from_another_server(env, registry, router, tmp_path):
    directory = tmp_path / "prompts"
    invoke(env, "pull", "--dir", str(directory))
    router.reset()
    result = invoke(env, "push", "--dir", str(directory), "--base-url", "http://127.0.0.1:3997")
    assert result.exit_code == 1
    assert f"was pulled from {BASE}" in result.stderr
    assert router.calls.call_count == 0


# -- compile and run -------------------------------------------------------------------------------------------


def _compiled(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "p1", "slug": "greeting", "name": "Greeting", "version": 3, "label": "production",
        "compiled_prompt": text, "compiled_system_prompt": None, "model_config": {}, "variables": [],
        "variables_used": ["name"], "missing_variables": [], "unused_variables": [], "tokens": 4,
        "tokenizer": "o200k_base", "etag": "e1", **extra,
    }


def test_compile_prints_the_compiled_text_with_the_variables_given(env, router, tmp_path):
    (tmp_path / "bio.txt").write_text("likes [brackets]")
    route = router.get(f"{BASE}/v1/prompts/greeting/compiled").mock(
        return_value=httpx.Response(200, json=_compiled("Hello Ann, [bold]likes[/bold]!"))
    )
    result = invoke(env, "compile", "greeting", "--var", "name=Ann", "--var", f"bio=@{tmp_path / 'bio.txt'}",
                    "--var", "handle=@@ann", "--label", "staging")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello Ann, [bold]likes[/bold]!\n"
    params = route.calls.last.request.url.params
    assert json.loads(params["variables"]) == {"name": "Ann", "bio": "likes [brackets]", "handle": "@ann"}
    assert params["label"] == "staging"


def test_compile_json_is_the_only_output_and_missing_variables_warn_on_stderr(env, router):
    router.get(f"{BASE}/v1/prompts/greeting/compiled").mock(
        return_value=httpx.Response(200, json=_compiled("Hello [name]!", missing_variables=["name"]))
    )
    result = invoke(env, "compile", "greeting", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == _compiled("Hello [name]!", missing_variables=["name"])
    assert "missing variables" in result.stderr and "name" in result.stderr


def test_a_var_without_equals_is_a_usage_error(env, router):
    result = invoke(env, "compile", "greeting", "--var", "name")
    assert result.exit_code == 2
    assert router.calls.call_count == 0


def test_an_api_error_is_one_line_on_stderr_and_exit_1(env, router):
    router.get(f"{BASE}/v1/prompts/nope/compiled").mock(
        return_value=_envelope(404, "NOT_FOUND", "Prompt not found", "req-42")
    )
    result = invoke(env, "compile", "nope")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "error: 404 NOT_FOUND: Prompt not found (request req-42)"


def test_without_an_api_key_nothing_is_sent(env, router):
    result = invoke({**env, "PROMPTBANK_API_KEY": None}, "compile", "greeting")
    assert result.exit_code == 1
    assert "no API key" in result.stderr
    assert router.calls.call_count == 0


def test_run_prints_the_output_and_the_json_with_json(env, router):
    answer = {
        "run_id": "r1", "output": "echo: Hello Ann", "model": "deepseek-chat", "provider": "deepseek",
        "prompt_id": "p1", "prompt_version": 2, "latency_ms": 12, "input_tokens": 3, "output_tokens": 3,
        "cost_usd": None, "finish_reason": "stop",
    }
    route = router.post(f"{BASE}/v1/prompts/greeting/run").mock(return_value=httpx.Response(200, json=answer))
    result = invoke(env, "run", "greeting", "--var", "name=Ann", "--query", "and?", "--model", "deepseek-chat")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "echo: Hello Ann\n"
    assert json.loads(route.calls.last.request.content) == {
        "variables": {"name": "Ann"}, "query": "and?", "model": "deepseek-chat",
    }
    as_json = invoke(env, "run", "greeting", "--json")
    assert json.loads(as_json.stdout) == answer


# -- eval ------------------------------------------------------------------------------------------------------


def _case(name: str, passed: bool, error: str | None = None) -> dict[str, Any]:
    assertion = {"type": "icontains", "passed": passed, "score": 100.0 if passed else 0.0,
                 "reason": "found" if passed else f"'{name}' not in output"}
    return {"test_case_id": name, "name": name, "passed": passed and error is None,
            "quality_score": None if error else assertion["score"], "output": f"echo: {name}\x01", "latency_ms": 250,
            "cost_usd": 0.0, "assertions": [] if error else [assertion], "error": error}


def _eval_run(status: str, done: int, results: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    results = results or []
    passed = sum(1 for r in results if r["passed"])
    summary = None if status in ("queued", "running") else {
        "total_tests": len(results), "passed_tests": passed, "pass_rate": passed / len(results) if results else 0,
        "avg_latency_ms": 250.0, "avg_quality_score": None, "total_cost_usd": 0.0,
    }
    return {
        "id": "run-1", "suite_id": "suite-1", "status": status, "trigger": "manual", "prompt_id": "p1",
        "prompt_version": 2, "label": "production", "model": "deepseek-chat", "total_cases": 3, "done_cases": done,
        "summary": summary, "regressed": None if summary is None else False, "error": None, "created_at": NOW,
        "started_at": None if status == "queued" else NOW, "finished_at": None, "results": results,
        "next_cursor": None, **extra,
    }


@pytest.fixture
def suite(router: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> respx.Route:
    monkeypatch.setattr(cli, "POLL_FIRST_S", 0.0)
    monkeypatch.setattr(cli, "POLL_MAX_S", 0.0)
    body: dict[str, Any] = {
        "id": "suite-1", "name": "Fruit suite", "prompt_id": "p1", "label": "production", "model": None,
        "judge_model": None, "test_case_count": 3, "schedule": None, "schedule_timezone": "UTC",
        "run_on_publish": False, "min_pass_rate": None, "next_run_at": None, "last_run": None, "created_at": NOW,
        "updated_at": NOW, "test_cases": [],
    }
    router.get(f"{BASE}/v1/eval-suites/suite-1").mock(return_value=httpx.Response(200, json=body))
    return router.post(f"{BASE}/v1/eval-suites/suite-1/runs").mock(
        return_value=httpx.Response(202, json=_eval_run("queued", 0))
    )


def _polls(router: respx.MockRouter, *runs: dict[str, Any]) -> respx.Route:
    return router.get(f"{BASE}/v1/eval-runs/run-1").mock(
        side_effect=[httpx.Response(200, json=run) for run in runs]
    )


def test_eval_of_a_passing_suite_exits_0_after_following_the_run(env, router, suite):
    final = _eval_run("succeeded", 3, [_case("apple", True), _case("banana", True), _case("kiwi", True)])
    polls = _polls(router, _eval_run("running", 1), _eval_run("running", 2), final, final)
    result = invoke(env, "eval", "suite-1")
    assert result.exit_code == 0, result.stderr
    assert polls.call_count == 4  # three polls until it ended, then the full results
    assert result.stdout == ""
    # not a terminal: a progress line per change, then the summary
    assert "running: 1/3 cases done" in result.stderr and "running: 2/3 cases done" in result.stderr
    assert "3/3 passed" in result.stderr


def test_eval_with_a_failed_case_exits_100_and_writes_junit(env, router, suite, tmp_path):
    results = [_case("apple", True), _case("kiwi", False), _case("plum", False, error="provider timeout")]
    final = _eval_run("succeeded", 3, results)
    _polls(router, final, final)
    report = tmp_path / "junit.xml"
    result = invoke(env, "eval", "suite-1", "--junit", str(report), "--json")
    # Then exit 100, the EvalRun alone on stdout
    assert result.exit_code == 100, result.stderr
    assert json.loads(result.stdout) == final
    # and a JUnit report: one testsuite, one testcase per case, the failure with its assertion's reason
    root = ET.parse(report).getroot()
    (testsuite,) = root.findall("testsuite")
    assert (testsuite.get("name"), testsuite.get("tests"), testsuite.get("failures"), testsuite.get("errors")) == (
        "Fruit suite", "3", "1", "1",
    )
    cases = {case.get("name"): case for case in testsuite.findall("testcase")}
    assert set(cases) == {"apple", "kiwi", "plum"}
    assert cases["apple"].find("failure") is None and cases["apple"].find("error") is None
    failure = cases["kiwi"].find("failure")
    assert failure is not None and failure.get("message") == "'kiwi' not in output"
    error = cases["plum"].find("error")
    assert error is not None and error.get("message") == "provider timeout"
    assert cases["apple"].get("time") == "0.250"
    assert cases["apple"].findtext("system-out") == "echo: apple\ufffd"  # a control character XML cannot hold


def test_eval_of_a_regressed_run_exits_100(env, router, suite):
    final = _eval_run("succeeded", 3, [_case("apple", True)], regressed=True)
    _polls(router, final, final)
    assert invoke(env, "eval", "suite-1").exit_code == 100


def test_eval_of_a_run_that_failed_as_a_whole_exits_1(env, router, suite, tmp_path):
    final = _eval_run("failed", 0, [], error="No production version")
    _polls(router, final, final)
    report = tmp_path / "junit.xml"
    result = invoke(env, "eval", "suite-1", "--junit", str(report))
    assert result.exit_code == 1
    assert "No production version" in result.stderr
    (testsuite,) = ET.parse(report).getroot().findall("testsuite")
    assert testsuite.get("errors") == "1"


def test_eval_that_does_not_finish_in_time_exits_1(env, router, suite, monkeypatch):
    clock = iter(range(0, 10_000, 10))
    monkeypatch.setattr(cli.time, "monotonic", lambda: float(next(clock)))
    router.get(f"{BASE}/v1/eval-runs/run-1").mock(return_value=httpx.Response(200, json=_eval_run("running", 1)))
    result = invoke(env, "eval", "suite-1", "--timeout", "25")
    assert result.exit_code == 1
    assert "did not finish within 25 s" in result.stderr


def test_eval_of_an_unknown_suite_exits_1(env, router):
    router.get(f"{BASE}/v1/eval-suites/nope").mock(return_value=_envelope(404, "NOT_FOUND", "Suite not found"))
    result = invoke(env, "eval", "nope", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "404 NOT_FOUND: Suite not found" in result.stderr


# -- login -----------------------------------------------------------------------------------------------------


def test_login_saves_the_key_for_its_base_url_only(env, router, tmp_path):
    me = {"id": "u1", "email": "ann@example.com", "name": "Ann", "plan": "free", "created_at": NOW}
    router.get(f"{BASE}/v1/auth/me").mock(return_value=httpx.Response(200, json=me))
    result = invoke({**env, "PROMPTBANK_API_KEY": None}, "login", "--api-key", KEY)
    assert result.exit_code == 0, result.stderr
    config = Path(env["PROMPTBANK_CONFIG"] or "")
    assert json.loads(config.read_text()) == {"base_url": BASE, "api_key": KEY}
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    # the saved key is used when the variable is unset
    route = router.get(f"{BASE}/v1/prompts/greeting/compiled").mock(
        return_value=httpx.Response(200, json=_compiled("Hi"))
    )
    assert invoke({**env, "PROMPTBANK_API_KEY": None}, "compile", "greeting").stdout == "Hi\n"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
    # but never sent to another base URL
    other = invoke({**env, "PROMPTBANK_API_KEY": None}, "compile", "greeting", "--base-url", "http://127.0.0.1:3996")
    assert other.exit_code == 1 and "no API key" in other.stderr


def test_login_with_a_bad_key_saves_nothing(env, router):
    router.get(f"{BASE}/v1/auth/me").mock(return_value=_envelope(401, "UNAUTHORIZED", "Invalid API key"))
    result = invoke(env, "login", "--api-key", "pb_dev_bad")
    assert result.exit_code == 1
    assert "401 UNAUTHORIZED" in result.stderr
    assert not Path(env["PROMPTBANK_CONFIG"] or "").exists()


def test_every_command_has_help():
    for command in ([], ["pull"], ["push"], ["compile"], ["run"], ["eval"], ["login"]):
        result = _runner().invoke(cli.app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, command


# -- the file format -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["plain", "", "---\n", "---\nname: x\n---\n", "ends without newline", "\r\nwindows\r\n", "emoji 🎉\u2028sep\n"],
)
def test_the_content_after_the_servers_front_matter_is_read_back_exactly(content):
    fields = {
        "name": "yes", "slug": "s", "description": "line\n---\nbreak", "category": "1e-05", "tags": ["on", "~"],
        "framework": None, "model_config": {"temperature": 1e-05, "stop": ["---"]}, "system_prompt": "\x01 bell",
        "variables": {"a": "0x1A"}, "version": 7,
    }
    parsed = parse(front_matter(fields) + content)
    assert parsed.content == content
    assert {key: getattr(parsed, key) for key in fields} == fields


def test_a_file_without_front_matter_is_all_content_and_a_broken_one_is_an_error():
    assert parse("Hello\n---\n").content == "Hello\n---\n"
    assert not parse("Hello").has_front_matter
    with pytest.raises(PromptFileError, match="never closed"):
        parse("---\nname: x\nHello")
    with pytest.raises(PromptFileError, match="`name` must be a string"):
        parse("---\nname: yes\n---\nHello")
    with pytest.raises(PromptFileError, match="`tags`"):
        parse('---\ntags: "a"\n---\n')
