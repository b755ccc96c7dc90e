"""Parsing a template source once into an immutable `Template`.

The parser builds a small tree (`Body` nodes: literal text alternating with holes for placeholders,
sections and includes), used to reason about the template (which names a compile reaches), and
flattens it into a `Program` for rendering: one tuple of pieces for the whole template, sections
inlined as ranges. Rendering then costs a list copy, one C-level `itemgetter` call and a slice
assignment for every placeholder at once, one slice assignment per section that is off, and a join:
no regex and no per-placeholder Python work at render time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import itemgetter
from types import MappingProxyType

from promptbank.templates.model import (
    LABEL_RE,
    MAX_LENGTH_MAX,
    MAX_LENGTH_MIN,
    NAME_RE,
    SLUG_MAX,
    SLUG_RE,
    TYPES,
    IncludeRef,
    TemplateSyntaxError,
)

_TYPE_LIST = ", ".join(TYPES)


def _quote(text: str) -> str:
    """A piece of a tag as quoted in an error message, shortened if long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _show(inner: str) -> str:
    """A tag as quoted in an error message, shortened if long."""
    inner = " ".join(inner.split())
    return "{{" + (inner if len(inner) <= 60 else inner[:57] + "...") + "}}"


@dataclass(frozen=True, slots=True)
class Declaration:
    """What one template says about one variable.

    `type`/`max_length` are None when never written explicitly (`{{name}}` alone, or a section test);
    `line`/`column` are where the type was first written, else where the name first appears.
    """

    name: str
    type: str | None
    max_length: int | None
    description: str | None
    line: int
    column: int


@dataclass(frozen=True, slots=True, eq=False)
class Section:
    name: str
    inverted: bool
    body: Body


@dataclass(frozen=True, slots=True, eq=False)
class Include:
    ref: IncludeRef


@dataclass(frozen=True, slots=True, eq=False)
class Body:
    """One run of template (the top level, or the inside of a section), as a tree node.

    `pieces` alternates literal text (even positions, maybe "") and holes (odd positions, None); the
    i-th hole is the variable `keys[i]`, or (key None) the child listed in `children` at its position. A body
    with no holes is plain text: `literal`.
    """

    literal: str
    plain: bool
    pieces: tuple[str | None, ...]
    keys: tuple[str | None, ...]
    children: tuple[tuple[int, Section | Include], ...]
    placeholders: frozenset[str]  # placeholder names written directly in this body
    tests: frozenset[str]  # names tested by the sections directly in this body


PAD = ""  # the key of holes that render as nothing (compile_parts maps it to "")

RangeOp = tuple[str, bool, int, int, tuple[str, ...]]
IncludeOp = tuple[int, IncludeRef, tuple[tuple[str, bool], ...]]


@dataclass(frozen=True, slots=True, eq=False)
class Program:
    """A whole template flattened for rendering: sections inlined, so one render is

    copy `pieces`; fill every hole at once with `getter` (C-level lookups) and a slice assignment;
    render the includes that are reached into their holes; blank the ranges of the sections that are
    off with a slice assignment each; join.

    Holes alternate with text (odd positions); holes that are not variables (includes, padding between
    two adjacent texts) have the key PAD.
    """

    pieces: tuple[str | None, ...]
    getter: Callable[[Mapping[str, str]], tuple[str, ...]] | None  # None when there is one hole
    single: str | None  # the key of the only hole
    sections: tuple[RangeOp, ...]  # (name, inverted, start, end, blanks for start:end)
    includes: tuple[IncludeOp, ...]  # (position, ref, enclosing sections as (name, inverted))


def flatten(root: Body) -> Program:
    pieces: list[str | None] = []
    keys: list[str] = []
    sections: list[RangeOp] = []
    includes: list[IncludeOp] = []

    def text(value: str) -> None:
        if len(pieces) % 2:  # two texts in a row: keep the alternation with an empty hole
            pieces.append(None)
            keys.append(PAD)
        pieces.append(value)

    def hole(key: str) -> None:
        if not len(pieces) % 2:  # a hole right after a hole (or first): an empty text between
            pieces.append("")
        pieces.append(None)
        keys.append(key)

    def walk(body: Body, enclosing: tuple[tuple[str, bool], ...]) -> None:
        if body.plain:
            text(body.literal)
            return
        children = dict(body.children)
        holes = iter(body.keys)
        for at, piece in enumerate(body.pieces):
            if piece is not None:
                text(piece)
                continue
            key = next(holes)
            if key is not None:
                hole(key)
                continue
            child = children[at]
            if isinstance(child, Section):
                text("")
                start = len(pieces) - 1
                walk(child.body, (*enclosing, (child.name, child.inverted)))
                text("")
                end = len(pieces)
                sections.append((child.name, child.inverted, start, end, ("",) * (end - start)))
            else:
                hole(PAD)
                includes.append((len(pieces) - 1, child.ref, enclosing))

    walk(root, ())
    text("")
    getter = single = None
    if len(keys) == 1:
        single = keys[0]
    elif keys:
        getter = itemgetter(*keys)
    return Program(tuple(pieces), getter, single, tuple(sections), tuple(includes))


@dataclass(frozen=True, eq=False)
class Template:
    """The parsed tree of one source string. Immutable; hashed by identity; safe to cache and share."""

    source: str
    field: str
    includes: tuple[IncludeRef, ...]  # every include, in source order (also those inside sections)
    names: tuple[str, ...]  # every variable name (placeholders and section tests), first appearance first
    declarations: Mapping[str, Declaration]  # one per name, in the same order
    placeholders: frozenset[str]  # names used as `{{name...}}` anywhere
    section_tests: frozenset[str]  # names used as `{{#name}}` / `{{^name}}`
    required_names: frozenset[str]  # names used as a placeholder outside every section
    root: Body
    program: Program
    markers: Mapping[str, str]  # placeholder name -> "[name]", what it renders without a value

    @property
    def has_sections(self) -> bool:
        return bool(self.section_tests)

    @cached_property
    def distinct_includes(self) -> tuple[IncludeRef, ...]:
        """The first include of each target (slug, label, version), in source order."""
        first: dict[tuple[str, str | None, int | None], IncludeRef] = {}
        for ref in self.includes:
            first.setdefault(ref.key, ref)
        return tuple(first.values())

    @cached_property
    def footprint(self) -> Footprint:
        """What the template renders, counted with every section on (its worst case), computed once."""
        static, placeholders = _static_and_placeholders(self.root)
        counts = Counter(ref.key for ref in self.includes)
        return Footprint(static, placeholders, tuple((ref, counts[ref.key]) for ref in self.distinct_includes))


@dataclass(frozen=True, slots=True)
class Footprint:
    """A template's size with every section on: its literal text, and how often it prints each variable and
    includes each target (the first include of a target stands for all of them)."""

    static: int
    placeholders: tuple[tuple[str, int], ...]  # (name, occurrences)
    includes: tuple[tuple[IncludeRef, int], ...]  # (first include of a target, occurrences)


def _static_and_placeholders(root: Body) -> tuple[int, tuple[tuple[str, int], ...]]:
    """The literal characters of every body, and how often each variable is printed, sections all on."""
    static = 0
    names: Counter[str] = Counter()
    stack = [root]
    while stack:
        body = stack.pop()
        if body.plain:
            static += len(body.literal)
            continue
        static += sum(map(len, filter(None, body.pieces)))
        names.update(filter(None, body.keys))
        stack.extend(child.body for _, child in body.children if isinstance(child, Section))
    return static, tuple(names.items())


class _Frame:
    __slots__ = ("children", "column", "holes", "inverted", "line", "lit", "name", "ph", "pieces", "tests")

    def __init__(self, name: str = "", inverted: bool = False, line: int = 0, column: int = 0) -> None:
        self.name = name
        self.inverted = inverted
        self.line = line
        self.column = column
        self.pieces: list[str | None] = []
        self.lit: list[str] = []
        self.holes: list[str | None] = []  # per hole: the variable name, or None for a child
        self.children: list[tuple[int, Section | Include]] = []
        self.ph: dict[str, None] = {}
        self.tests: dict[str, None] = {}

    def flush(self) -> None:
        """End the current literal run (possibly empty), keeping pieces alternating text / hole."""
        self.pieces.append("".join(self.lit))
        self.lit.clear()

    def add_slot(self, name: str) -> None:
        self.flush()
        self.pieces.append(None)
        self.holes.append(name)
        self.ph[name] = None

    def add_child(self, child: Section | Include) -> None:
        self.flush()
        self.children.append((len(self.pieces), child))
        self.pieces.append(None)
        self.holes.append(None)
        if isinstance(child, Section):
            self.tests[child.name] = None

    def trim_tail(self, count: int) -> None:
        """Drop the last `count` characters of literal text (the indentation of a standalone tag)."""
        if count:
            text = "".join(self.lit)
            self.lit[:] = [text[:-count]]

    def body(self) -> Body:
        self.flush()
        if not self.holes:
            return Body(self.pieces[0] or "", True, (), (), (), frozenset(), frozenset())
        return Body(
            "",
            False,
            tuple(self.pieces),
            tuple(self.holes),
            tuple(self.children),
            frozenset(self.ph),
            frozenset(self.tests),
        )


class _Parser:
    def __init__(self, source: str, field: str) -> None:
        self.source = source
        self.field = field
        self._line_at = 0  # incremental line counting: the line of offset `_line_pos`
        self._line_pos = 0
        self.placeholders: dict[str, None] = {}
        self.decls: dict[str, Declaration] = {}
        self.order: dict[str, None] = {}
        self.section_tests: dict[str, None] = {}
        self.required: dict[str, None] = {}
        self.includes: list[IncludeRef] = []

    # positions -------------------------------------------------------------------------------------

    def position(self, offset: int) -> tuple[int, int]:
        src = self.source
        if offset >= self._line_pos:
            self._line_at += src.count("\n", self._line_pos, offset)
        else:
            self._line_at = src.count("\n", 0, offset)
        self._line_pos = offset
        return self._line_at + 1, offset - src.rfind("\n", 0, offset)

    def error(self, message: str, offset: int) -> TemplateSyntaxError:
        line, column = self.position(offset)
        return TemplateSyntaxError(message, field=self.field, line=line, column=column)

    # the scan --------------------------------------------------------------------------------------

    def run(self) -> Template:
        src = self.source
        stack = [_Frame()]
        pos = 0
        size = len(src)
        while True:
            i = src.find("{{", pos)
            frame = stack[-1]
            if i < 0:
                if pos < size:
                    frame.lit.append(src[pos:])
                break
            if i > 0 and src[i - 1] == "\\":  # `\{{` is a literal `{{`
                frame.lit.append(src[pos : i - 1])
                frame.lit.append("{{")
                pos = i + 2
                continue
            if i > pos:
                frame.lit.append(src[pos:i])
            j = src.find("}}", i + 2)
            if j < 0:
                raise self.error(
                    "Unclosed tag: '{{' without a matching '}}' (write \\{{ for a literal {{)", i
                )
            end = j + 2
            inner = src[i + 2 : j].strip()
            sigil = inner[:1]
            if sigil in ("#", "^", "/"):
                name = inner[1:].strip()
                if NAME_RE.fullmatch(name) is None:
                    raise self.error(f"Invalid section name {_quote(name)} in {_show(inner)}", i)
                end = self._standalone(frame, i, end)
                if sigil == "/":
                    if len(stack) == 1:
                        raise self.error(f"Closing tag {{{{/{name}}}}} has no matching opening tag", i)
                    if frame.name != name:
                        raise self.error(
                            f"Closing tag {{{{/{name}}}}} does not match the open section "
                            f"{{{{{'^' if frame.inverted else '#'}{frame.name}}}}} "
                            f"(line {frame.line}, column {frame.column})",
                            i,
                        )
                    stack.pop()
                    stack[-1].add_child(Section(name, frame.inverted, frame.body()))
                else:
                    line, column = self.position(i)
                    self._use(name, line, column)
                    self.section_tests[name] = None
                    stack.append(_Frame(name, sigil == "^", line, column))
            elif sigil == ">":
                ref = self._include(inner[1:].strip(), inner, i)
                self.includes.append(ref)
                frame.add_child(Include(ref))
            else:
                name = self._variable(inner, i)
                frame.add_slot(name)
                self.placeholders[name] = None
                if len(stack) == 1:
                    self.required[name] = None
            pos = end
        if len(stack) > 1:
            frame = stack[-1]
            raise TemplateSyntaxError(
                f"Section {{{{{'^' if frame.inverted else '#'}{frame.name}}}}} is never closed "
                f"(expected {{{{/{frame.name}}}}})",
                field=self.field,
                line=frame.line,
                column=frame.column,
            )
        root = stack[0].body()
        return Template(
            source=src,
            field=self.field,
            includes=tuple(self.includes),
            names=tuple(self.order),
            declarations=MappingProxyType({name: self.decls[name] for name in self.order}),
            placeholders=frozenset(self.placeholders),
            section_tests=frozenset(self.section_tests),
            required_names=frozenset(self.required),
            root=root,
            program=flatten(root),
            markers=MappingProxyType({name: f"[{name}]" for name in self.placeholders}),
        )

    def _standalone(self, frame: _Frame, start: int, end: int) -> int:
        """A section tag alone on its line (but for spaces/tabs) takes the whole line with it.

        Returns where scanning resumes.
        """
        src = self.source
        line_start = src.rfind("\n", 0, start) + 1
        before = src[line_start:start]
        if before.strip(" \t"):
            return end
        newline = src.find("\n", end)
        line_end = len(src) if newline < 0 else newline
        if src[end:line_end].strip(" \t\r"):
            return end
        frame.trim_tail(len(before))
        return line_end if newline < 0 else newline + 1

    def _use(self, name: str, line: int, column: int) -> None:
        if name not in self.decls:
            self.decls[name] = Declaration(name, None, None, None, line, column)
        self.order[name] = None

    def _variable(self, inner: str, offset: int) -> str:
        parts = inner.split("|", 2)
        name = parts[0].strip()
        if NAME_RE.fullmatch(name) is None:
            if not inner:
                raise self.error("Empty tag {{}} (write \\{{ for a literal {{)", offset)
            raise self.error(
                f"Invalid tag {_show(inner)}: a variable name is a letter or _ followed by up to 63 "
                "letters, digits, _ . - (write \\{{ for a literal {{)",
                offset,
            )
        typ: str | None = None
        max_length: int | None = None
        description: str | None = None
        if len(parts) > 1:
            type_spec, colon, max_text = parts[1].partition(":")
            typ = type_spec.strip()
            if not typ:
                raise self.error(f"Missing type after '|' in {_show(inner)}", offset)
            if typ not in TYPES:
                raise self.error(
                    f"Unknown type {_quote(typ)} for {name!r} (expected one of {_TYPE_LIST})", offset
                )
            if colon:
                max_text = max_text.strip()
                if not max_text.isascii() or not max_text.isdigit():
                    raise self.error(
                        f"Invalid max length {_quote(max_text)} for {name!r}: expected an integer", offset
                    )
                max_length = int(max_text)
                if not MAX_LENGTH_MIN <= max_length <= MAX_LENGTH_MAX:
                    raise self.error(
                        f"Max length {max_length} for {name!r} is out of range "
                        f"({MAX_LENGTH_MIN}-{MAX_LENGTH_MAX:,})",
                        offset,
                    )
        if len(parts) > 2:
            description = parts[2].strip() or None
        line, column = self.position(offset)
        self._use(name, line, column)
        old = self.decls[name]
        if typ is None:
            if description is not None and old.description is None:
                self.decls[name] = Declaration(
                    name, old.type, old.max_length, description, old.line, old.column
                )
            return name
        if old.type is None:
            self.decls[name] = Declaration(
                name, typ, max_length, old.description or description, line, column
            )
            return name
        if old.type != typ:
            raise self.error(
                f"Variable {name!r} is declared as {typ} here but as {old.type} at line {old.line}, "
                f"column {old.column}",
                offset,
            )
        if max_length is not None and old.max_length is not None and old.max_length != max_length:
            raise self.error(
                f"Variable {name!r} is declared with max length {max_length} here but "
                f"{old.max_length} at line {old.line}, column {old.column}",
                offset,
            )
        if (max_length is not None and old.max_length is None) or (description and not old.description):
            self.decls[name] = Declaration(
                name,
                typ,
                old.max_length if old.max_length is not None else max_length,
                old.description or description,
                old.line,
                old.column,
            )
        return name

    def _include(self, target: str, inner: str, offset: int) -> IncludeRef:
        slug, at, pin = (s.strip() for s in target.partition("@"))
        if len(slug) > SLUG_MAX or SLUG_RE.fullmatch(slug) is None:
            raise self.error(
                f"Invalid include {_show(inner)}: expected {{{{> slug}}}}, {{{{> slug@label}}}} or "
                "{{> slug@version}} with a slug of lowercase letters, digits and single hyphens",
                offset,
            )
        label: str | None = None
        version: int | None = None
        if at:
            if pin.isascii() and pin.isdigit():
                version = int(pin)
                if version < 1:
                    raise self.error(f"Invalid include version {_quote(pin)}: versions start at 1", offset)
            elif LABEL_RE.fullmatch(pin):
                label = pin
            else:
                raise self.error(
                    f"Invalid include label {_quote(pin)}: expected a version number or 1-36 of a-z 0-9 _ -",
                    offset,
                )
        line, column = self.position(offset)
        return IncludeRef(slug, label, version, line, column)


def parse(source: str, field: str = "content") -> Template:
    """Parse `source` once; bad syntax raises TemplateSyntaxError (a ValidationFailed) naming `field`,
    line and column."""
    return _Parser(source, field).run()


@lru_cache(maxsize=256)
def parse_cached(source: str, field: str = "content") -> Template:
    """`parse` behind an LRU cache keyed by (source, field): warm containers parse each version once."""
    return parse(source, field)
