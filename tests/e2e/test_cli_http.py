"""The `promptbank` CLI against the local runtime (API.md §9, issue 12's "Done when"): pull writes a file per
prompt; edit + push makes exactly one new version per changed file and none for the others; a concurrent server
edit is a conflict (exit 1, nothing written) until --force; a new file is a new prompt; compile and run print their
text (the fake provider answers); eval exits 0 on a passing suite, 100 on a failing one with a JUnit report, and
--json prints the EvalRun alone.

The installed console script runs as a subprocess where it matters (pull/push, eval, whose queued run the local
runtime's SQS pollers process while the CLI polls); the rest runs in process through typer's CliRunner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import promptbank_client.cli as cli
import pytest
from tests.fakes.fake_provider import FakeProviderServer
from typer.testing import CliRunner

PROMPTBANK = Path(sys.executable).parent / "promptbank"
CASES = [
    {"name": "apple", "inputs": {"word": "apple"}, "expected_output": "apple"},
    {"name": "banana", "inputs": {"word": "banana"}, "expected_output": "banana"},
]
FAILING = {"name": "cherry", "inputs": {"word": "cherry"}, "expected_output": "kiwi"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def user(api: httpx.Client, new_user: Any, fake: FakeProviderServer, tmp_path: Path) -> dict[str, Any]:
    """A user with a (production) API key, a deepseek key at the fake provider, and the CLI's environment."""
    fake.reset()
    account = new_user()
    created = api.post("/v1/keys", headers=account["headers"], json={"name": "cli"})
    assert created.status_code == 201, created.text
    reply = api.put("/v1/provider-keys/deepseek", headers=account["headers"],
                    json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base})
    assert reply.status_code == 200, reply.text
    account["env"] = {
        "PROMPTBANK_BASE_URL": str(api.base_url).rstrip("/"),
        "PROMPTBANK_API_KEY": created.json()["raw_key"],
        "PROMPTBANK_CONFIG": str(tmp_path / "no-config.json"),
    }
    return account


def promptbank(user: dict[str, Any], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `promptbank` command in a subprocess."""
    env = {**os.environ, **user["env"]}
    return subprocess.run([str(PROMPTBANK), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def in_process(user: dict[str, Any], *args: str) -> Any:
    apart: dict[str, Any] = {"mix_stderr": False}  # click 8.1: keep stderr apart (8.2 always does)
    try:
        runner = CliRunner(**apart)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli.app, list(args), env=user["env"], catch_exceptions=False)


def _create(api: httpx.Client, user: dict[str, Any], name: str, content: str, **fields: Any) -> dict[str, Any]:
    reply = api.post("/v1/prompts", headers=user["headers"], json={"name": name, "content": content, **fields})
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _prompt(api: httpx.Client, user: dict[str, Any], ref: str) -> dict[str, Any]:
    reply = api.get(f"/v1/prompts/{ref}", headers=user["headers"], params={"label": "latest"})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _versions(api: httpx.Client, user: dict[str, Any], ref: str) -> list[int]:
    reply = api.get(f"/v1/prompts/{ref}/versions", headers=user["headers"], params={"limit": 100})
    assert reply.status_code == 200, reply.text
    return sorted(v["version"] for v in reply.json()["data"])


def _three_prompts(api: httpx.Client, user: dict[str, Any]) -> None:
    _create(api, user, "Greeting", "Hello {{name}}!\n", system_prompt="Be kind.", tags=["support"],
            model_config={"temperature": 0.7}, variables={"name": "World"})
    _create(api, user, "Fenced", "---\nnot front matter\n---\n", description="starts with a fence")
    _create(api, user, "Untouched", "Leave me {{alone}}")


# -- pull and push ---------------------------------------------------------------------------------------------


def test_pull_then_editing_two_files_and_pushing_makes_one_version_for_each_and_none_for_the_rest(api, user, tmp_path):
    # Given three prompts on the server
    _three_prompts(api, user)
    directory = tmp_path / "prompts"
    # When they are pulled by the installed command
    pulled = promptbank(user, "pull", "--dir", str(directory))
    # Then one file per prompt, in the raw download format
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout == ""
    assert sorted(p.name for p in directory.glob("*.md")) == ["fenced.md", "greeting.md", "untouched.md"]
    raw = api.get("/v1/prompts/greeting/download", headers=user["headers"],
                  params={"format": "raw", "label": "latest"})
    assert (directory / "greeting.md").read_bytes() == raw.content
    # When two files are edited (content of one, the front matter's system prompt of the other) and pushed
    greeting = directory / "greeting.md"
    greeting.write_text(greeting.read_text().replace("Hello {{name}}!", "Hi {{name}}, welcome!"))
    fenced = directory / "fenced.md"
    fenced.write_text(fenced.read_text().replace("system_prompt: null", 'system_prompt: "Be brief."'))
    pushed = promptbank(user, "push", "--dir", str(directory))
    # Then each changed prompt has exactly one new version, the content exactly as after the front matter
    assert pushed.returncode == 0, pushed.stderr
    assert _versions(api, user, "greeting") == [1, 2]
    assert _versions(api, user, "fenced") == [1, 2]
    assert _versions(api, user, "untouched") == [1]
    assert _prompt(api, user, "greeting")["content"] == "Hi {{name}}, welcome!\n"
    fenced_now = _prompt(api, user, "fenced")
    assert (fenced_now["content"], fenced_now["system_prompt"]) == ("---\nnot front matter\n---\n", "Be brief.")
    assert fenced_now["published_version"] == 2
    # And a second push changes nothing; a pull then push round trip changes nothing either
    again = promptbank(user, "push", "--dir", str(directory))
    assert again.returncode == 0, again.stderr
    assert "3 unchanged" in again.stderr
    assert promptbank(user, "pull", "--dir", str(directory)).returncode == 0
    assert promptbank(user, "push", "--dir", str(directory)).returncode == 0
    assert (_versions(api, user, "greeting"), _versions(api, user, "fenced")) == ([1, 2], [1, 2])
    assert _versions(api, user, "untouched") == [1]


def test_no_publish_leaves_production_where_it_was(api, user, tmp_path):
    _create(api, user, "Draft me", "v1 text")
    directory = tmp_path / "prompts"
    assert in_process(user, "pull", "--dir", str(directory)).exit_code == 0
    (directory / "draft-me.md").write_text((directory / "draft-me.md").read_text() + " v2")
    result = in_process(user, "push", "--dir", str(directory), "--no-publish")
    assert result.exit_code == 0, result.stderr
    prompt = _prompt(api, user, "draft-me")
    assert (prompt["latest_version"], prompt["published_version"]) == (2, 1)


def test_a_concurrent_server_edit_is_a_conflict_until_forced(api, user, tmp_path):
    # Given two pulled prompts, both edited locally, and one of them edited on the server after the pull
    _create(api, user, "Shared", "original")
    _create(api, user, "Mine", "mine")
    directory = tmp_path / "prompts"
    assert promptbank(user, "pull", "--dir", str(directory)).returncode == 0
    (directory / "shared.md").write_text((directory / "shared.md").read_text().replace("original", "local edit"))
    (directory / "mine.md").write_text((directory / "mine.md").read_text().replace("mine", "mine, edited"))
    server = api.patch("/v1/prompts/shared", headers=user["headers"], json={"content": "server edit"})
    assert server.status_code == 200, server.text
    # When pushed
    pushed = promptbank(user, "push", "--dir", str(directory))
    # Then a conflict: exit non-zero, nothing written for that prompt; the other file was pushed
    assert pushed.returncode == 1
    assert "conflict" in pushed.stderr and "shared.md" in pushed.stderr
    assert _versions(api, user, "shared") == [1, 2]
    assert _prompt(api, user, "shared")["content"] == "server edit"
    assert _prompt(api, user, "mine")["content"] == "mine, edited"
    # When pushed with --force, the local file overwrites the server's edit (one more version)
    forced = promptbank(user, "push", "--dir", str(directory), "--force")
    assert forced.returncode == 0, forced.stderr
    assert _versions(api, user, "shared") == [1, 2, 3]
    assert _prompt(api, user, "shared")["content"] == "local edit"
    assert _versions(api, user, "mine") == [1, 2]


def test_a_new_file_becomes_a_new_prompt(api, user, tmp_path):
    directory = tmp_path / "prompts"
    directory.mkdir()
    (directory / "release-notes.md").write_text(
        '---\nname: "Release notes"\ntags: ["docs"]\ncategory: "Writing"\n---\nSummarise {{changes|textarea}}.\n'
    )
    (directory / "bare.md").write_text("No front matter at all")
    result = in_process(user, "push", "--dir", str(directory))
    assert result.exit_code == 0, result.stderr
    created = _prompt(api, user, "release-notes")
    assert (created["name"], created["tags"], created["category"]) == ("Release notes", ["docs"], "Writing")
    assert created["content"] == "Summarise {{changes|textarea}}.\n"
    assert created["published_version"] == 1
    bare = _prompt(api, user, "bare")
    assert (bare["name"], bare["content"]) == ("bare", "No front matter at all")
    # and the record lets the next push see both as unchanged
    again = in_process(user, "push", "--dir", str(directory))
    assert again.exit_code == 0 and "2 unchanged" in again.stderr


# -- compile and run -------------------------------------------------------------------------------------------


def test_compile_prints_the_compiled_text(api, user):
    _create(api, user, "Say", "Say {{word}} to {{who}}.", variables={"who": "everyone"})
    result = in_process(user, "compile", "say", "--var", "word=hello")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Say hello to everyone.\n"
    as_json = in_process(user, "compile", "say", "--var", "word=hi", "--json")
    compiled = json.loads(as_json.stdout)
    assert (compiled["compiled_prompt"], compiled["slug"], compiled["version"]) == ("Say hi to everyone.", "say", 1)


def test_run_prints_the_models_output(api, user, fake):
    _create(api, user, "Echo", "Say {{word}}")
    result = in_process(user, "run", "echo", "--var", "word=apple")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "echo: Say apple\n"
    assert fake.request_count == 1


def test_an_unknown_prompt_is_one_error_line_and_exit_1(user):
    result = promptbank(user, "compile", "no-such-prompt")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: 404 NOT_FOUND: ") and "(request " in result.stderr
    assert "Traceback" not in result.stderr


# -- eval ------------------------------------------------------------------------------------------------------


def _suite(api: httpx.Client, user: dict[str, Any], cases: list[dict[str, Any]]) -> dict[str, Any]:
    prompt = _create(api, user, "Fruit", "Say {{word}}")
    reply = api.post("/v1/eval-suites", headers=user["headers"],
                     json={"name": "Fruit suite", "prompt_ref": prompt["id"], "test_cases": cases})
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def test_eval_of_a_passing_suite_exits_0(api, user):
    suite = _suite(api, user, CASES)
    result = promptbank(user, "eval", suite["id"], "--timeout", "300")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "succeeded: 2/2 cases done" in result.stderr  # the polls followed the queued run to its end
    assert "2/2 passed" in result.stderr


def test_eval_of_a_failing_suite_exits_100_with_junit_and_json(api, user, tmp_path):
    # Given a suite with one case that fails
    suite = _suite(api, user, [*CASES, FAILING])
    report = tmp_path / "reports" / "junit.xml"
    report.parent.mkdir()
    # When it is evaluated by the installed command
    result = promptbank(user, "eval", suite["id"], "--junit", str(report), "--json", "--timeout", "300")
    # Then exit 100, and stdout is the finished EvalRun alone
    assert result.returncode == 100, result.stderr
    run = json.loads(result.stdout)
    assert (run["suite_id"], run["status"], run["done_cases"], run["total_cases"]) == (suite["id"], "succeeded", 3, 3)
    assert [case["passed"] for case in run["results"]] == [True, True, False]
    stored = api.get(f"/v1/eval-runs/{run['id']}", headers=user["headers"]).json()
    assert stored["summary"] == run["summary"]
    # and the JUnit report parses: one testsuite, a testcase per case, the failing one with its reason
    (testsuite,) = ET.parse(report).getroot().iter("testsuite")
    assert (testsuite.get("name"), testsuite.get("tests"), testsuite.get("failures")) == ("Fruit suite", "3", "1")
    cases = {case.get("name"): case for case in testsuite.iter("testcase")}
    assert set(cases) == {"apple", "banana", "cherry"}
    failure = cases["cherry"].find("failure")
    assert failure is not None and failure.get("message")
    assert cases["apple"].find("failure") is None
