"""Render speed of promptbank.templates against Jinja2 on equivalent templates.

    python bench/bench_templates.py           # about 15 s
    python bench/bench_templates.py --quick   # a smoke test, under 5 s

Ratios are jinja_time / our_time: >= 1.0 means we are at least as fast. "render" compares our full
`compile_parts` (value checks by type, sections, missing/used/unused reports) with Jinja2's `.render()`
of a template compiled once; "parse+render" compares `parse` + `compile_parts` with `jinja2.Template(src)`
+ `.render()`. Prints only; never fails on a number.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

import jinja2  # noqa: E402

from promptbank.templates import compile_parts, parse  # noqa: E402

WORDS = [
    "the",
    "assistant",
    "should",
    "answer",
    "clearly",
    "and",
    "briefly",
    "using",
    "the",
    "context",
    "below",
    "when",
    "it",
    "is",
    "relevant",
    "and",
    "say",
    "so",
    "plainly",
    "when",
    "it",
    "does",
    "not",
    "know",
    "the",
    "answer",
    "or",
    "the",
    "question",
    "falls",
    "outside",
    "its",
    "scope",
]


def prose(rng: random.Random, size: int) -> str:
    out: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)


def small_case() -> tuple[str, str, dict[str, object]]:
    """5 variables, about 500 characters, no sections."""
    ours = (
        "You are a support assistant for {{company|text:80|Company name}}. Be friendly, precise and "
        "short. The customer is {{customer|text}} and writes in {{language}}.\n\n"
        "Their question is about: {{topic|textarea:2000}}.\n\n"
        "Answer in at most {{max_words|number}} words. Do not invent facts; when the documentation does "
        "not cover the question, say that you will forward it to a human colleague. Never share internal "
        "notes, prices that are not public, or personal data of other customers. End with a short, "
        "polite closing line."
    )
    jinja = (
        ours.replace("{{company|text:80|Company name}}", "{{ company }}")
        .replace("{{customer|text}}", "{{ customer }}")
        .replace("{{language}}", "{{ language }}")
        .replace("{{topic|textarea:2000}}", "{{ topic }}")
        .replace("{{max_words|number}}", "{{ max_words }}")
    )
    values: dict[str, object] = {
        "company": "ACME Rockets",
        "customer": "Ann Smith",
        "language": "English",
        "topic": "a refund for an order that arrived broken",
        "max_words": "150",
    }
    return ours, jinja, values


# The large case's mix of variable types, as prompts tend to have it: mostly free text.
LARGE_MIX = ["text"] * 15 + ["textarea"] * 6 + ["number"] * 2 + ["email", "list"]


def large_case() -> tuple[str, str, dict[str, object]]:
    """50 variables (30 text, 12 textarea, 4 number, 2 email, 2 list), about 20 KB, 15 sections."""
    rng = random.Random(7)
    ours: list[str] = []
    jinja: list[str] = []
    values: dict[str, object] = {}
    for i in range(50):
        name = f"var_{i}"
        typ = LARGE_MIX[i % len(LARGE_MIX)]
        text = prose(rng, 340)
        ours.append(f"{text} {{{{{name}|{typ}}}}}.\n")
        jinja.append(f"{text} {{{{ {name}{'|join(", ")' if typ == 'list' else ''} }}}}.\n")
        values[name] = {
            "number": str(i * 7),
            "email": f"user{i}@example.com",
            "textarea": prose(rng, 120),
            "list": ["alpha", "beta", f"gamma {i}"],
        }.get(typ, f"value {i}")
        if i % 10 == 5:  # every ten variables: a section holding a nested one, and an inverted section
            flag, off = f"flag_{i}", f"off_{i}"
            values[flag], values[off] = True, ""
            body = prose(rng, 200)
            ours.append(
                f"{{{{#{flag}}}}}{body} {{{{{name}}}}}{{{{#{name}}}}} (set){{{{/{name}}}}}{{{{/{flag}}}}}"
                f"{{{{^{off}}}}} off is empty.{{{{/{off}}}}}\n"
            )
            jinja.append(
                f"{{% if {flag} %}}{body} {{{{ {name} }}}}{{% if {name} %}} (set){{% endif %}}{{% endif %}}"
                f"{{% if not {off} %}} off is empty.{{% endif %}}\n"
            )
    return "".join(ours), "".join(jinja), values


def measure(
    ours: Callable[[], object], jinja: Callable[[], object], target: float, repeat: int
) -> tuple[float, float]:
    """Seconds per call of each: the best of `repeat` batches of about `target` seconds, interleaved
    (ours, jinja, ours, ...) so that a noisy machine slows both alike."""
    numbers = []
    for fn in (ours, jinja):
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-7)
        numbers.append(max(1, int(target / once)))
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((ours, jinja)):
            start = time.perf_counter()
            for _ in range(numbers[i]):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / numbers[i])
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 5 s)")
    args = parser.parse_args()
    target, repeat = (0.02, 5) if args.quick else (0.1, 25)

    rows = []
    for label, (ours_src, jinja_src, values) in (("small", small_case()), ("large", large_case())):
        ours_tpl = parse(ours_src)
        jinja_tpl = jinja2.Template(jinja_src, keep_trailing_newline=True)
        ours_out = compile_parts([ours_tpl], values, defaults={}).text_by_part[0]
        same = ours_out == jinja_tpl.render(**values)
        names = len(ours_tpl.names)

        def ours_render(tpl=ours_tpl, values=values):
            return compile_parts([tpl], values, defaults={})

        def jinja_render(tpl=jinja_tpl, values=values):
            return tpl.render(**values)

        def ours_full(src=ours_src, values=values):
            return compile_parts([parse(src)], values, defaults={})

        def jinja_full(src=jinja_src, values=values):
            return jinja2.Template(src, keep_trailing_newline=True).render(**values)

        for kind, ours_fn, jinja_fn in (
            ("render", ours_render, jinja_render),
            ("parse+render", ours_full, jinja_full),
        ):
            ours_t, jinja_t = measure(ours_fn, jinja_fn, target, repeat)
            rows.append((label, len(ours_src), names, kind, ours_t, jinja_t, same))

    print(f"promptbank.templates vs Jinja2 {jinja2.__version__} on Python {sys.version.split()[0]}")
    print("ratio = jinja_time / ours: >= 1.0 means promptbank is at least as fast")
    columns = ("case", "chars", "vars", "measure", "ours (us)", "jinja (us)", "ratio")
    header = "{:<6} {:>6} {:>5} {:<13} {:>10} {:>11} {:>7}".format(*columns)
    print(header)
    print("-" * len(header))
    for label, chars, names, kind, ours_t, jinja_t, same in rows:
        note = "" if same else "  (outputs differ!)"
        print(
            f"{label:<6} {chars:>6} {names:>5} {kind:<13} {ours_t * 1e6:>10.1f} {jinja_t * 1e6:>11.1f} "
            f"{jinja_t / ours_t:>7.2f}{note}"
        )


if __name__ == "__main__":
    main()
