"""Include fan-out against the maximum compiled size (issue 8, "Measure"): median milliseconds of

    (a) compiling the worst include chain that is allowed (64,000 leaf includes, 768,000 characters),
    (b) refusing one that is too large: at save (the worst-case check) and at compile (an included prompt
        grew after the save), each at two would-be sizes a hundred times apart,
    (c) a plain compile (no includes) of a template that renders the same 768,000 characters.

    python bench/bench_includes.py           # about 10 s
    python bench/bench_includes.py --quick   # a smoke test, a few seconds

The ratio column is case / plain compile: a refusal should be far below 1 and the same at both would-be
sizes (never proportional to the output it refuses to build); the goal is a refusal under 5 ms. A save's time
beyond that is its parse, proportional to the source saved (the parse-only rows). Templates
are parsed once, as `parse_cached` does in a warm container; the save check parses the saved template
each time, as a save does. Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

from promptbank.templates import (  # noqa: E402
    MAX_COMPILED_CHARS,
    CompiledTooLarge,
    IncludeRef,
    Template,
    check_compiled_size,
    compile_parts,
    parse,
)

FAN_OUT = 40
LEAF = "{{w|text:3}} is here\n"  # 12 characters with a 3-character value, and at worst
VALUES = {"w": "Bob"}


def fan_out(slug: str, times: int = FAN_OUT) -> str:
    return f"{{{{> {slug}}}}}" * times


def library(leaf: str) -> dict[str, Template]:
    """leaf, f1 (40 x leaf), f2 (40 x f1), f3 (40 x f2): f3 renders 64,000 leaves."""
    return {
        "leaf": parse(leaf),
        "f1": parse(fan_out("leaf")),
        "f2": parse(fan_out("f1")),
        "f3": parse(fan_out("f2")),
    }


def resolver(templates: dict[str, Template]) -> Callable[[IncludeRef], Template | None]:
    return lambda ref: templates.get(ref.slug)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm: caches that a warm container would hold
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def refusal(fn: Callable[[], object]) -> Callable[[], int]:
    """`fn` must raise CompiledTooLarge; the wrapper returns the would-be size."""

    def run() -> int:
        try:
            fn()
        except CompiledTooLarge as refused:
            return refused.size
        raise AssertionError("not refused")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    runs = 5 if args.quick else 31

    allowed = library(LEAF)
    resolve = resolver(allowed)
    # (a) the worst allowed chain: saved (worst case within the maximum), then compiled
    worst = check_compiled_size([allowed["f3"]], resolve, self_slug="f3")
    assert worst <= MAX_COMPILED_CHARS, worst
    chained = compile_parts([allowed["f3"]], VALUES, defaults={}, resolve_include=resolve, self_slug="f3")
    output = chained.text_by_part[0] or ""
    # (c) the same output from one template without includes
    plain_tpl = parse(LEAF + LEAF.replace("|text:3", "") * (FAN_OUT**3 - 1))
    plain_out = compile_parts([plain_tpl], VALUES, defaults={}).text_by_part[0]
    assert plain_out == output, "the plain template must render the same text"

    rows: list[tuple[str, int, float]] = []

    def row(label: str, size: int, fn: Callable[[], object]) -> None:
        rows.append((label, size, median_ms(fn, runs)))

    row("compile: plain, no includes", len(output), lambda: compile_parts([plain_tpl], VALUES, defaults={}))
    row(
        "compile: the worst allowed chain",
        len(output),
        lambda: compile_parts([allowed["f3"]], VALUES, defaults={}, resolve_include=resolve, self_slug="f3"),
    )
    row(
        "save: parse + check of the worst allowed",
        worst,
        lambda: check_compiled_size([parse(fan_out("f2"))], resolve, self_slug="f3"),
    )
    # (b) at save: one more level of fan-out, 40 or 4,000 times. A save parses what it saves, so the refusal is
    # measured with the parse, and the parse alone beside it: the difference is the worst-case check.
    for times in (FAN_OUT, FAN_OUT * 100):
        source = fan_out("f3", times)

        def save(source: str = source) -> object:
            return check_compiled_size([parse(source)], resolve, self_slug="f4")

        def parse_only(source: str = source) -> object:
            return parse(source)

        size = refusal(save)()
        row(f"save: parse only ({times:,} includes)", len(source), parse_only)
        row(f"save: parse + refusal ({times:,} x f3)", size, refusal(save))
    # (b) at compile: f3 was saved with a 12-character leaf that has since grown
    for grown in (1_000, 100_000):
        templates = {**allowed, "leaf": parse("y" * grown)}
        grown_resolve = resolver(templates)

        def compile_grown(templates: dict[str, Template] = templates, how: Callable = grown_resolve) -> object:
            return compile_parts([templates["f3"]], VALUES, defaults={}, resolve_include=how, self_slug="f3")

        row(f"compile: refusal (leaf grew to {grown:,})", refusal(compile_grown)(), refusal(compile_grown))

    plain_ms = rows[0][2]
    print(f"include fan-out against MAX_COMPILED_CHARS = {MAX_COMPILED_CHARS:,} on Python {sys.version.split()[0]}")
    print(f"median of {runs} runs; ratio = case / plain compile (a refusal: far below 1, the same at both sizes)")
    header = f"{'case':<42} {'chars (would-be)':>17} {'median ms':>10} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for label, size, ms in rows:
        print(f"{label:<42} {size:>17,} {ms:>10.3f} {ms / plain_ms:>8.3f}")


if __name__ == "__main__":
    main()
