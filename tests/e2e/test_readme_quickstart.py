"""The README's quick start runs as written (issue 9 item 5): its shell blocks, run by bash with curl and jq
against a fresh local runtime, then again after a restart (the login block)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.testing import LocalRuntime

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:3000"


def quickstart_blocks() -> list[str]:
    """The ```bash blocks of the README's "Quick start" section: register, login, the walk-through."""
    text = README.read_text()
    section = text[text.index("## Quick start") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def fresh_runtime() -> Iterator[LocalRuntime]:
    """Its own runtime (the restart would disturb the shared one), with a new state dir: a fresh clone."""
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.skip("the README quick start needs curl and jq on PATH")
    with LocalRuntime(env={"PROMPTBANK_LOCAL_SCHEDULES": "off"}) as rt:
        yield rt


def run_bash(script: str, runtime: LocalRuntime) -> subprocess.CompletedProcess[str]:
    """The commands exactly as written, with the documented base URL pointed at the test's runtime."""
    assert DOCUMENTED_URL in script
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_URL, runtime.base_url)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_readme_has_register_login_and_walkthrough_blocks() -> None:
    register, login, walkthrough = quickstart_blocks()
    assert "/v1/auth/register" in register and "TOKEN=" in register
    assert "/v1/auth/login" in login and "TOKEN=" in login
    assert "$TOKEN" in walkthrough and "KEY=" in walkthrough and "$KEY" in walkthrough
    assert "../shared/" not in README.read_text()


def test_quickstart_runs_as_written_then_login_after_a_restart(fresh_runtime: LocalRuntime) -> None:
    register, login, walkthrough = quickstart_blocks()

    first = run_bash(register + walkthrough, fresh_runtime)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    # Compiled with the session (`latest`), then the draft: the session sees it, the pb_live_ key does not,
    # until it is published.
    assert '"compiled_prompt": "Hello Bo!"' in out
    texts = [line for line in out.splitlines() if line.endswith("Bo!") or line.endswith("welcome back!")]
    assert texts[-3:] == ["Hi Bo, welcome back!", "Hello Bo!", "Hi Bo, welcome back!"], out
    labels = re.findall(r'"production": (\d+)', out)
    assert labels[0] == "1" and labels[-1] == "2", out

    fresh_runtime.restart()
    again = run_bash(register + 'test "$TOKEN" = null && echo "register again: no token"', fresh_runtime)
    assert "register again: no token" in again.stdout, again.stdout + again.stderr

    # After a restart: the login block gives a working $TOKEN for the walk-through's first compiled fetch.
    fetch = next(
        "\n".join(lines[i : i + 2])
        for lines in [walkthrough.splitlines()]
        for i, line in enumerate(lines)
        if line.startswith("curl -s -G")
    )
    later = run_bash(login + fetch, fresh_runtime)
    assert later.returncode == 0, later.stderr
    assert '"compiled_prompt": "Hi Bo, welcome back!"' in later.stdout, later.stdout
    assert '"label": "latest"' in later.stdout
