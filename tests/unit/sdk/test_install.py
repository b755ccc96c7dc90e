"""`pip install ./sdk/python` in a fresh virtual environment gives a working library and `promptbank` command,
on the oldest Python the client supports (3.9) when this machine has it, else on this interpreter."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[3] / "sdk" / "python"


def oldest_python() -> str:
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    found = shutil.which("python3.9")
    for candidate in [*candidates, found]:
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"],
                                        capture_output=True).returncode == 0:
            return candidate
    return sys.executable


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("venv") / "env"
    python = oldest_python()
    if python == sys.executable:
        venv.create(target, with_pip=True)
    else:
        subprocess.run([python, "-m", "venv", str(target)], check=True)
    # a copy, so that the build writes nothing into the checkout
    source = tmp_path_factory.mktemp("src") / "python"
    shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return target


def test_the_promptbank_command_is_installed_with_help_for_each_command(installed):
    command = installed / "bin" / "promptbank"
    top = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=60)
    assert top.returncode == 0, top.stderr
    for name in ["pull", "push", "compile", "run", "eval"]:
        assert name in top.stdout
        sub = subprocess.run([str(command), name, "--help"], capture_output=True, text=True, timeout=60)
        assert sub.returncode == 0 and "Usage" in sub.stdout, sub.stderr


def test_the_library_imports_without_the_clis_dependencies(installed):
    script = (
        "import sys, promptbank_client as p\n"
        # rich and click may be imported by httpx itself (its optional `httpx` command) when they are installed
        "assert not {'typer', 'yaml', 'promptbank_client.cli', 'promptbank_client._promptfile'} & set(sys.modules)\n"
        "print(p.__version__, sys.version_info[:2])\n"
    )
    result = subprocess.run([str(installed / "bin" / "python"), "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0.1.0")


def test_the_installed_package_is_typed(installed):
    found = list((installed / "lib").glob("python3*/site-packages/promptbank_client/py.typed"))
    assert found
