"""Compiling parsed templates with values: includes, value checks, sections, placeholders, the report."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, le
from typing import Any

from promptbank.errors import ValidationFailed
from promptbank.templates.model import (
    MAX_COMPILED_CHARS,
    MAX_INCLUDE_DEPTH,
    TYPES,
    Compiled,
    CompiledTooLarge,
    IncludeRef,
    TemplateSyntaxError,
)
from promptbank.templates.parser import PAD, Body, Section, Template
from promptbank.templates.values import PATTERNS, TEXT_CHECK, BadValue, Check, value_text

Resolver = Callable[[IncludeRef], "Template | None"]
RefKey = tuple[str, str | None, int | None]
# What the walk learnt below one include target: its height (levels of includes under it) and every slug it
# reaches. Kept per target, so a target reached again (fan-out) is checked in O(1), never walked again.
Summary = tuple[int, frozenset[str]]


# includes ----------------------------------------------------------------------------------------------


def _walk_includes(
    template: Template,
    resolve: Resolver,
    *,
    self_slug: str | None,
    max_depth: int,
    found: dict[RefKey, Template | None],
    summaries: dict[RefKey, Summary],
    missing_ok: bool = False,
) -> Summary:
    """Resolve every include reachable from `template` into `found`, or raise TemplateSyntaxError.

    Errors point at the include written in `template` (the one its author can fix) and name the chain. Each
    target is walked once (its summary is remembered in `summaries`), so four prompts that include each other
    40 times cost 4 walks, not 40**4. With `missing_ok`, a missing target is a leaf (found[key] is None).
    """
    root = self_slug if self_slug is not None else "(this prompt)"
    own = frozenset(()) if self_slug is None else frozenset((self_slug,))

    def visit(tpl: Template, depth: int, slugs: frozenset[str], chain: str, top: IncludeRef | None) -> Summary:
        height = 0
        reach: set[str] = set()
        for ref in tpl.distinct_includes:
            at = top or ref
            here = f"{chain} -> {ref}"

            def fail(message: str, at: IncludeRef = at) -> TemplateSyntaxError:
                return TemplateSyntaxError(message, field=template.field, line=at.line, column=at.column)

            if ref.slug == self_slug or ref.slug in slugs:
                raise fail(f"Include cycle: {here}")
            if depth + 1 > max_depth:
                raise fail(f"Includes are nested deeper than {max_depth} levels: {here}")
            key = ref.key
            if key in found:
                child = found[key]
            else:
                child = found[key] = resolve(ref)
            if child is None:
                if missing_ok:
                    reach.add(ref.slug)
                    height = max(height, 1)
                    continue
                via = "" if at is ref else f" (via {here})"
                raise fail(f"Included prompt '{ref}' not found{via}")
            path = slugs | {ref.slug}
            summary = summaries.get(key)
            if summary is None or not summary[1].isdisjoint(path | own) or depth + 1 + summary[0] > max_depth:
                # first time here, or a problem lies below this path: walk it (a problem raises, with its chain)
                summary = summaries[key] = visit(child, depth + 1, path, here, at)
            height = max(height, summary[0] + 1)
            reach.add(ref.slug)
            reach |= summary[1]
        return height, frozenset(reach)

    return visit(template, 0, frozenset(), root, None)


def check_includes(
    template: Template,
    resolve: Resolver,
    *,
    self_slug: str | None,
    max_depth: int = MAX_INCLUDE_DEPTH,
) -> None:
    """Save-time check: every include (recursively) exists, none leads back to `self_slug` or to a prompt
    already on its path, and none is nested deeper than `max_depth`. Raises TemplateSyntaxError at the
    line/column of the include in `template` through which the problem is reached.
    """
    _walk_includes(template, resolve, self_slug=self_slug, max_depth=max_depth, found={}, summaries={})


def check_include_cycles(
    parts: Sequence[Template | None],
    resolve: Resolver,
    *,
    self_slug: str,
    max_depth: int = MAX_INCLUDE_DEPTH,
) -> None:
    """The check for a prompt whose slug changes and whose templates do not: would an include now lead back to
    it? Targets that are missing are passed over (the rename does not make them missing); cycles and chains
    deeper than `max_depth` raise TemplateSyntaxError as in `check_includes`.
    """
    found: dict[RefKey, Template | None] = {}
    summaries: dict[RefKey, Summary] = {}
    for tpl in filter(None, parts):
        _walk_includes(
            tpl, resolve, self_slug=self_slug, max_depth=max_depth, found=found, summaries=summaries,
            missing_ok=True,
        )


def check_compiled_size(
    parts: Sequence[Template | None],
    resolve: Resolver,
    *,
    self_slug: str | None,
    defaults: Mapping[str, Any] | None = None,
    max_depth: int = MAX_INCLUDE_DEPTH,
    max_chars: int = MAX_COMPILED_CHARS,
) -> int:
    """Save-time check of a prompt made of `parts` (content, system prompt): `check_includes` on each, then its
    worst case (every section on, every placeholder at its longest value or default, every include at its own
    worst case, counted once per occurrence) must be at most `max_chars`, else CompiledTooLarge naming the
    include chain most of it comes through. Returns the worst case. Computed from sizes, never by rendering:
    each target's worst case is computed once.
    """
    templates = [tpl for tpl in parts if tpl is not None]
    found: dict[RefKey, Template | None] = {}
    summaries: dict[RefKey, Summary] = {}
    for tpl in templates:
        _walk_includes(tpl, resolve, self_slug=self_slug, max_depth=max_depth, found=found, summaries=summaries)
    resolved = {key: tpl for key, tpl in found.items() if tpl is not None}
    plan = _plan(tuple(dict.fromkeys((*templates, *resolved.values()))))
    bounds = dict(plan.bounds)
    for name, value in (defaults or {}).items():
        if name in bounds and isinstance(value, str) and len(value) > bounds[name]:
            bounds[name] = len(value)  # defaults are not checked against the includes' declarations

    def own(tpl: Template) -> int:
        footprint = tpl.footprint
        return footprint.static + sum(bounds[name] * n for name, n in footprint.placeholders)

    worst = _sized(own, lambda tpl: tpl.footprint.includes, resolved)

    sizes = [worst(tpl) for tpl in templates]
    total = sum(sizes)
    if total > max_chars:
        heaviest = templates[sizes.index(max(sizes))]
        chain, at = _heaviest_chain(heaviest, self_slug, worst, resolved)
        raise CompiledTooLarge(
            total, max_chars, worst_case=True, field=heaviest.field, chain=chain, at=at
        )
    return total


def _sized(
    own: Callable[[Template], int],
    includes: Callable[[Template], Iterable[tuple[IncludeRef, int]]],
    resolved: Mapping[RefKey, Template],
) -> Callable[[Template], int]:
    """A template's size: `own(tpl)` plus, for each of its `includes` (reference, occurrences), the target's size
    times its occurrences; memoised, so each target is sized once however often it is included. The include
    walk has already refused cycles, so the recursion ends."""
    memo: dict[Template, int] = {}

    def size(tpl: Template) -> int:
        known = memo.get(tpl)
        if known is None:
            known = own(tpl) + sum(size(resolved[ref.key]) * n for ref, n in includes(tpl))
            memo[tpl] = known
        return known

    return size


def _heaviest_chain(
    template: Template, self_slug: str | None, size: Callable[[Template], int], resolved: Mapping[RefKey, Template]
) -> tuple[str | None, IncludeRef | None]:
    """The include chain most of `template`'s size comes through: from the template, follow the include with
    the largest share (occurrences x size) while it is at least half of the size of the template it is in."""
    names = [self_slug if self_slug is not None else "(this prompt)"]
    first: IncludeRef | None = None
    current = template
    while True:  # ends: the walk has already refused cycles
        shares = [(size(resolved[ref.key]) * n, ref) for ref, n in current.footprint.includes]
        if not shares:
            break
        share, ref = max(shares, key=lambda pair: pair[0])
        if share * 2 < size(current):
            break
        names.append(str(ref))
        first = first or ref
        current = resolved[ref.key]
    return (" -> ".join(names) if first is not None else None), first


# the compile plan: what is known about a set of templates before any value is seen ---------------------


class _Plan:
    __slots__ = (
        "bounds",
        "checks",
        "fast",
        "limits",
        "list_ok",
        "max_bound",
        "names",
        "patterned",
        "quick",
        "reached",
        "shapes",
        "tests",
    )

    def __init__(self, templates: tuple[Template, ...]) -> None:
        explicit: dict[str, dict[Check, None]] = {}
        names: set[str] = set()
        tests: set[str] = set()
        placeholders: set[str] = set()
        for tpl in templates:
            names.update(tpl.names)
            tests.update(tpl.section_tests)
            placeholders.update(tpl.placeholders)
            for name, decl in tpl.declarations.items():
                if decl.type is not None:
                    max_length = decl.max_length if decl.max_length is not None else TYPES[decl.type]
                    explicit.setdefault(name, {})[(decl.type, max_length)] = None
        # every declaration a value must satisfy; a name only ever tested by sections takes any value
        self.checks: dict[str, tuple[Check, ...]] = {
            name: tuple(explicit[name]) if name in explicit else TEXT_CHECK if name in placeholders else ()
            for name in names
        }
        # (max_length, pattern or None) of every name with a single rule: checked inline, the common case
        self.fast: dict[str, tuple[int, Callable[[str], object] | None]] = {}
        # the same, split for the all-strings path: max_length by name, and (name, pattern, is number)
        self.limits: dict[str, int] = {}
        self.patterned: list[tuple[str, Callable[[str], object], bool]] = []
        for name, spec in self.checks.items():
            if not spec:
                self.fast[name] = (sys.maxsize, None)
            elif len(spec) == 1:
                typ, max_length = spec[0]
                pattern = PATTERNS.get(typ)
                self.fast[name] = (max_length, None if pattern is None else pattern.fullmatch)
                if pattern is not None:
                    self.patterned.append((name, pattern.fullmatch, typ == "number"))
            self.limits[name] = self.fast[name][0] if name in self.fast else -1
        # names that may take an array: list variables, and names only tested by sections
        self.list_ok = frozenset(
            name
            for name, spec in self.checks.items()
            if not spec or (len(spec) == 1 and spec[0][0] == "list")
        )
        self.names = frozenset(names)
        # the longest text each placeholder can print: its value (which must pass every declaration, so the
        # smallest max_length; a list is joined and then counted), or its "[name]" marker
        self.bounds: dict[str, int] = {
            name: max(min(max_length for _, max_length in self.checks[name]), len(name) + 2)
            for name in placeholders
        }
        self.max_bound = max(self.bounds.values(), default=0)
        # an upper bound of what each template prints without its includes: its source, and every hole at the
        # longest bound (compile_parts renders without counting when the total stays under the maximum)
        self.quick = sum(len(tpl.source) + len(tpl.program.pieces) // 2 * self.max_bound for tpl in templates)
        self.reached: dict[tuple[bool, ...], _Reached] = {}
        self.shapes: dict[tuple[str, ...], tuple[int, ...]] = {}  # value names in order -> their limits
        self.tests = tuple(sorted(tests))


@lru_cache(maxsize=256)
def _plan(templates: tuple[Template, ...]) -> _Plan:
    return _Plan(templates)


# rendering ---------------------------------------------------------------------------------------------


class _Render:
    """One compile: renders templates with the values' texts and the sections' truth.

    An included template renders the same wherever it is included (same values, same truth), so it is
    rendered once per compile; `size` counts what a template renders without building any text.
    """

    __slots__ = ("rendered", "resolved", "sizes", "texts", "truth")

    def __init__(
        self, texts: dict[str, str], truth: dict[str, bool], resolved: dict[RefKey, Template]
    ) -> None:
        self.texts = texts
        self.truth = truth
        self.resolved = resolved
        self.rendered: dict[Template, str] = {}
        self.sizes: dict[Template, int] = {}

    def size(self, tpl: Template) -> int:
        """The length of `template(tpl)`, from the lengths of its pieces and values."""
        known = self.sizes.get(tpl)
        if known is None:
            known = self.sizes[tpl] = self._body_size(tpl.root)
        return known

    def _body_size(self, body: Body) -> int:
        if body.plain:
            return len(body.literal)
        texts, truth = self.texts, self.truth
        size = sum(map(len, filter(None, body.pieces)))
        for key in body.keys:
            if key is not None:
                size += len(texts[key]) if key in texts else len(key) + 2  # the "[name]" marker
        for _, child in body.children:
            if isinstance(child, Section):
                if truth[child.name] is not child.inverted:
                    size += self._body_size(child.body)
            else:
                size += self.size(self.resolved[child.ref.key])
        return size

    def _included(self, tpl: Template) -> str:
        text = self.rendered.get(tpl)
        if text is None:
            text = self.rendered[tpl] = self.template(tpl)
        return text

    def template(self, tpl: Template) -> str:
        root = tpl.root
        if root.plain:
            return root.literal
        texts = self.texts
        if not tpl.placeholders <= texts.keys():  # some placeholder has no value: render "[name]"
            texts = {**tpl.markers, **texts}
        program = tpl.program
        out = list(program.pieces)
        if program.getter is not None:
            out[1::2] = program.getter(texts)
        else:
            out[1] = texts[program.single]  # type: ignore[index]
        truth = self.truth
        for at, ref, enclosing in program.includes:
            for name, inverted in enclosing:
                if truth[name] is inverted:
                    break
            else:
                out[at] = self._included(self.resolved[ref.key])
        for name, inverted, start, end, blanks in program.sections:
            if truth[name] is inverted:
                out[start:end] = blanks
        return "".join(out)  # type: ignore[arg-type]


class _Reached:
    """The names a compile reaches (in the bodies it renders), as sets and sorted.

    Which bodies render depends only on the sections' truth (and, with includes, on what they resolve
    to), so this is computed by walking the tree, not while rendering, and cached per truth pattern.
    """

    __slots__ = ("names", "placeholders", "sorted_names", "sorted_placeholders")

    def __init__(
        self, templates: tuple[Template, ...], truth: dict[str, bool], resolved: dict[RefKey, Template]
    ) -> None:
        placeholders: set[str] = set()
        names: set[str] = set()
        walked: set[Template] = set()  # an included template reaches the same names wherever it is included

        def walk(body: Body) -> None:
            placeholders.update(body.placeholders)
            names.update(body.placeholders, body.tests)
            for _, child in body.children:
                if isinstance(child, Section):
                    if truth[child.name] is not child.inverted:
                        walk(child.body)
                else:
                    target = resolved[child.ref.key]
                    if target not in walked:
                        walked.add(target)
                        walk(target.root)

        for tpl in templates:
            walk(tpl.root)
        self.placeholders = frozenset(placeholders)
        self.names = frozenset(names)
        self.sorted_placeholders = sorted(placeholders)
        self.sorted_names = sorted(names)


_REACHED_PER_PLAN = 64  # distinct paths through the sections remembered per plan


_NO_LIMIT = repeat(-1)
_SHAPES_PER_PLAN = 16  # distinct sets of value names remembered per plan
_STR = repeat(str)
_NUMBERS = frozenset((int, float))
_EMPTY_VALUES: tuple[object, ...] = ("", [])  # with None and False (by identity: 0 is not empty)


def _plain_texts(plan: _Plan, values: Mapping[str, Any]) -> dict[str, str] | None:
    """The texts of `values` when each is a string, a boolean, null, or an array of strings for a list,
    for a known name with one rule, and passes it; else None (the caller then takes the general
    per-value path, which reports errors).

    The common case, done with C-level map/compress/all (Python work only for the few non-strings),
    plus one regex call per value of a pattern type (number, email, phone).
    """
    texts = dict(values)
    for name in compress(values, map(is_not, map(type, values.values()), _STR)):  # the few non-strings
        value = values[name]
        if value is True or value is False:
            texts[name] = "true" if value else "false"
        elif value is None:
            del texts[name]
        elif type(value) is list and name in plan.list_ok and all(map(isinstance, value, _STR)):
            texts[name] = ", ".join(value)
        else:
            return None
    shape = tuple(texts)  # callers tend to send the same names in the same order: cache their limits
    limits = plan.shapes.get(shape)
    if limits is None:
        limits = tuple(map(plan.limits.get, shape, _NO_LIMIT))
        if len(plan.shapes) < _SHAPES_PER_PLAN:
            plan.shapes[shape] = limits
    if not all(map(le, map(len, texts.values()), limits)):
        return None
    get = texts.get
    for name, match, number in plan.patterned:
        text = get(name)
        if text and not (number and text.isdigit() and text.isascii()) and match(text) is None:
            return None
    return texts


def _check_size(
    parts: Sequence[Template | None], render: _Render, hole_bound: int, max_chars: int, self_slug: str | None
) -> None:
    """Raise CompiledTooLarge when rendering `parts` would produce more than `max_chars` characters.

    First an upper bound from the sources (each template's source, each hole at `hole_bound`, each include
    occurrence at its target's bound): when it fits, nothing is counted. Else the exact size, from the lengths
    of the pieces and values of each template once. Neither builds any text.
    """
    bound = _sized(
        lambda tpl: len(tpl.source) + len(tpl.program.pieces) // 2 * hole_bound,
        lambda tpl: [(ref, 1) for _, ref, _ in tpl.program.includes],
        render.resolved,
    )

    templates = [tpl for tpl in parts if tpl is not None]
    if sum(map(bound, templates)) <= max_chars:
        return
    sizes = [render.size(tpl) for tpl in templates]
    total = sum(sizes)
    if total > max_chars:
        heaviest = templates[sizes.index(max(sizes))]
        chain, at = _heaviest_chain(heaviest, self_slug, render.size, render.resolved)
        raise CompiledTooLarge(total, max_chars, worst_case=False, field=heaviest.field, chain=chain, at=at)


def compile_parts(
    parts: Sequence[Template | None],
    values: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any],
    strict: bool = False,
    resolve_include: Resolver | None = None,
    max_include_depth: int = MAX_INCLUDE_DEPTH,
    self_slug: str | None = None,
    max_compiled_chars: int = MAX_COMPILED_CHARS,
) -> Compiled:
    """Render every part with the same values.

    Order of work: resolve includes (missing/cycle/too deep -> TemplateSyntaxError at the include), check
    every provided value (one ValidationFailed detail per bad variable, field `variables.<name>`), refuse a
    compile whose parts together would be longer than `max_compiled_chars` (CompiledTooLarge, counted before
    any text is built), render, then in strict mode refuse missing or unknown variables. A part that is None
    renders as None.
    """
    templates: tuple[Template, ...] = tuple(filter(None, parts))
    resolved: dict[RefKey, Template] = {}
    summaries: dict[RefKey, Summary] = {}
    for tpl in templates:
        if tpl.includes:
            if resolve_include is None:
                ref = tpl.includes[0]
                raise TemplateSyntaxError(
                    f"Included prompt '{ref}' cannot be resolved here (no resolver)",
                    field=tpl.field,
                    line=ref.line,
                    column=ref.column,
                )
            _walk_includes(
                tpl,
                resolve_include,
                self_slug=self_slug,
                max_depth=max_include_depth,
                found=resolved,  # type: ignore[arg-type]  # without missing_ok it never holds None
                summaries=summaries,
            )
    if resolved:
        templates = tuple(dict.fromkeys((*templates, *resolved.values())))
    plan = _plan(templates)

    # values: check, then turn into text -------------------------------------------------------------
    checks = plan.checks
    fast = plan.fast
    texts: dict[str, str] = {}
    unused: list[str] = []
    errors: list[tuple[str, str]] = []
    plain = _plain_texts(plan, values)
    items: Iterable[tuple[str, Any]] = values.items()
    if plain is not None:
        texts, items = plain, ()
    for name, value in items:
        kind = type(value)
        if kind is str or kind is bool:  # the common case, checked inline; anything else: value_text
            rule = fast.get(name)
            if rule is not None:
                text = value if kind is str else "true" if value else "false"
                if len(text) <= rule[0] and (rule[1] is None or not text or rule[1](text) is not None):
                    texts[name] = text
                    continue
        elif value is None:
            continue
        spec = checks.get(name)
        if spec is None:
            unused.append(name)
        try:
            texts[name] = value_text(value, spec)
        except BadValue as bad:
            errors.append((name, bad.message))
    if errors:
        errors.sort()
        raise ValidationFailed(
            "Invalid variable values: " + "; ".join(f"{name} {message}" for name, message in errors),
            details=[{"field": f"variables.{name}", "message": message} for name, message in errors],
        )
    longest_default = 0  # defaults are not checked against the includes' declarations: count them
    if defaults:
        merged = {}
        for name, value in defaults.items():
            if type(value) is str:
                merged[name] = value
                if len(value) > longest_default:
                    longest_default = len(value)
            elif value is not None:
                try:
                    merged[name] = text = value_text(value, None)
                    longest_default = max(longest_default, len(text))
                except BadValue:
                    continue  # defaults are checked when saved (variable_specs); a bad one is skipped here
        merged.update(texts)
        texts = merged

    # sections: the truth of every tested name --------------------------------------------------------
    truth: dict[str, bool] = {}
    if plan.tests:
        tested = list(map(values.get, plan.tests))
        if not defaults and _NUMBERS.isdisjoint(map(type, tested)):
            # without numbers (where 0 is non-empty), not is_empty() is bool(): None "" [] False
            truth = dict(zip(plan.tests, map(bool, tested), strict=True))
        else:
            for name, value in zip(plan.tests, tested, strict=True):  # is_empty(), inlined
                if value is None and defaults:
                    value = defaults.get(name)
                truth[name] = not (value is None or value is False or value in _EMPTY_VALUES)

    texts[PAD] = ""
    render = _Render(texts, truth, resolved)
    if resolved or longest_default > plan.max_bound or plan.quick * len(parts) > max_compiled_chars:
        _check_size(parts, render, max(plan.max_bound, longest_default), max_compiled_chars, self_slug)
    out = tuple([None if tpl is None else render.template(tpl) for tpl in parts])

    pattern = tuple(truth.values())  # in plan.tests order
    # (what includes resolve to may change between compiles: no caching then)
    cached = None if resolved else plan.reached.get(pattern)
    reached = cached or _Reached(tuple(filter(None, parts)), truth, resolved)
    if cached is None and not resolved and len(plan.reached) < _REACHED_PER_PLAN:
        plan.reached[pattern] = reached
    if texts.keys() >= reached.names:  # every name reached has a value: the common case
        missing: list[str] = []
        used = reached.sorted_names.copy()
    else:
        missing = [name for name in reached.sorted_placeholders if name not in texts]
        used = [name for name in reached.sorted_names if name in texts]
    if unused:
        unused.sort()
    if strict and (missing or unused):
        details = [
            {"field": f"variables.{name}", "message": "is required (no value and no default)"}
            for name in missing
        ]
        details += [
            {"field": f"variables.{name}", "message": "is not used by this prompt"} for name in unused
        ]
        summary = []
        if missing:
            summary.append("missing " + ", ".join(missing))
        if unused:
            summary.append("unknown " + ", ".join(unused))
        raise ValidationFailed("Strict mode: " + "; ".join(summary), details=details)
    return Compiled(
        text_by_part=out,
        variables_used=used,
        missing_variables=missing,
        unused_variables=unused,
    )
