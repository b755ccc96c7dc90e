"""Property-based tests: generated templates against a reference interpreter, round-trips, fuzzing."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptbank.templates import (
    CompiledTooLarge,
    IncludeRef,
    Template,
    TemplateSyntaxError,
    compile_parts,
    parse,
)

# A fixed pool of names, each with one type, so generated templates never declare conflicting types.
POOL = {
    "t0": "text",
    "t1": "textarea",
    "n": "number",
    "e": "email",
    "p": "phone",
    "l": "list",
    "x.y-z": "text",
}
NAMES = sorted(POOL)

# Literal text for generated templates: no braces or backslashes (which could form tags or escapes next
# to a tag) and no newlines (so that no section tag is ever alone on its line).
literal = st.text(
    st.characters(blacklist_characters="{\\\n", blacklist_categories=("Cs",)), min_size=1, max_size=12
)


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Var:
    name: str
    typed: bool
    pad: str


@dataclass(frozen=True)
class Sec:
    name: str
    inverted: bool
    body: tuple


Node = Lit | Var | Sec


def var_node() -> st.SearchStrategy[Var]:
    # list variables are always typed: a bare use would make them text, which refuses arrays
    return st.builds(
        lambda name, typed, pad: Var(name, typed or POOL[name] == "list", pad),
        st.sampled_from(NAMES),
        st.booleans(),
        st.sampled_from(["", " ", "  "]),
    )


nodes = st.recursive(
    st.one_of(literal.map(Lit), var_node()),
    lambda inner: st.builds(
        Sec, st.sampled_from(NAMES), st.booleans(), st.lists(inner, max_size=4).map(tuple)
    ),
    max_leaves=12,
)
trees = st.lists(nodes, max_size=8)


def source_of(tree: list[Node] | tuple) -> str:
    out = []
    for node in tree:
        if isinstance(node, Lit):
            out.append(node.text)
        elif isinstance(node, Var):
            spec = f"|{POOL[node.name]}" if node.typed else ""
            out.append(f"{{{{{node.pad}{node.name}{node.pad}{spec}{node.pad}}}}}")
        else:
            sigil = "^" if node.inverted else "#"
            out.append(f"{{{{{sigil}{node.name}}}}}{source_of(node.body)}{{{{/{node.name}}}}}")
    return "".join(out)


phones = st.from_regex(r"\+?[0-9 ().-]{5,32}", fullmatch=True)
emails = st.builds(
    "{}@{}.{}".format,
    st.text("abcxyz019._+-", min_size=1, max_size=10),
    st.text("abcdefgh", min_size=1, max_size=10),
    st.sampled_from(["com", "org", "io"]),
)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
numbers = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: len(repr(f)) <= 32),
    st.from_regex(r"-?[0-9]{1,10}(\.[0-9]{1,5})?", fullmatch=True),
)
VALUES = {
    "text": st.one_of(texts, st.booleans(), st.integers(-999, 999)),
    "textarea": texts,
    "number": numbers,
    "email": emails,
    "phone": phones,
    "list": st.lists(texts, max_size=4),
}


@st.composite
def value_maps(draw: st.DrawFn) -> dict:
    values = {}
    for name in NAMES:
        if draw(st.booleans()):
            values[name] = draw(st.one_of(st.none(), VALUES[POOL[name]]))
    return values


def text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return ", ".join(text_of(item) for item in value)
    assert isinstance(value, str)
    return value


def reference(tree: list[Node] | tuple, values: dict) -> str:
    """An obviously-correct interpreter of the generated subset."""
    out = []
    for node in tree:
        if isinstance(node, Lit):
            out.append(node.text)
        elif isinstance(node, Var):
            value = values.get(node.name)
            out.append(f"[{node.name}]" if value is None else text_of(value))
        else:
            value = values.get(node.name)
            empty = value is None or value is False or value == "" or value == []
            if empty == node.inverted:
                out.append(reference(node.body, values))
    return "".join(out)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(trees, value_maps())
def test_generated_templates_render_like_the_reference_interpreter(tree, values):
    # Given a valid generated template and values of the right types
    template = parse(source_of(tree))
    # When compiled
    result = compile_parts([template], values, defaults={})
    # Then it never raises and gives exactly the reference output
    assert result.text_by_part[0] == reference(tree, values)


@settings(max_examples=100)
@given(trees, value_maps())
def test_reports_agree_with_the_rendered_text(tree, values):
    # Given a generated template and values
    # When compiled
    result = compile_parts([parse(source_of(tree))], values, defaults={})
    text = result.text_by_part[0]
    # Then every missing name has no value and shows as [name]; every used name has a value; unused
    # are the provided names the template never mentions; each list is sorted without duplicates
    assert all(values.get(name) is None and f"[{name}]" in text for name in result.missing_variables)
    assert all(values.get(name) is not None for name in result.variables_used)
    named = set(parse(source_of(tree)).names)
    assert result.unused_variables == sorted(n for n, v in values.items() if v is not None and n not in named)
    for listed in (result.missing_variables, result.variables_used):
        assert listed == sorted(set(listed))


@settings(max_examples=200)
@given(st.text().filter(lambda s: "{{" not in s))
def test_literal_text_round_trips_exactly(text):
    # Given any text without `{{`
    # When parsed and rendered
    # Then the output is the input
    assert compile_parts([parse(text)], {}, defaults={}).text_by_part[0] == text


@settings(max_examples=200)
@given(st.lists(st.text().filter(lambda s: "{{" not in s), min_size=1, max_size=6))
def test_escaped_braces_round_trip_as_literal_braces(pieces):
    # Given text pieces joined by the escape `\{{`
    source = "\\{{".join(pieces)
    # When parsed and rendered
    result = compile_parts([parse(source)], {}, defaults={})
    # Then each escape is a literal `{{` and nothing else changes
    assert result.text_by_part[0] == "{{".join(pieces)
    assert parse(source).names == ()


def plain(ref: IncludeRef) -> Template:
    return parse("inc")


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("{}\\#^/>@|: \nab1.-_")), max_size=40))
def test_any_source_either_parses_and_compiles_or_is_a_syntax_error(source):
    # Given arbitrary text rich in template characters
    # When parsed
    try:
        template = parse(source)
    except TemplateSyntaxError as error:
        # Then a failure is always a positioned syntax error inside the source
        [detail] = error.details
        assert 1 <= detail["line"] <= source.count("\n") + 1
        assert detail["column"] >= 1
        return
    # Then a template that parses compiles with no values
    result = compile_parts([template], {}, defaults={}, resolve_include=plain)
    assert isinstance(result.text_by_part[0], str)


@settings(max_examples=50)
@given(trees, value_maps())
def test_compiling_twice_gives_the_same_result(tree, values):
    # Given a template parsed twice (no shared state)
    source = source_of(tree)
    # When each copy is compiled with the same values
    first = compile_parts([parse(source)], values, defaults={})
    second = compile_parts([parse(source)], dict(reversed(values.items())), defaults={})
    # Then the results are identical
    assert first == second


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(trees, value_maps())
def test_the_compiled_size_limit_is_exact(tree, values):
    # Given a generated template included twice, between literals
    inner = parse(source_of(tree))
    outer = parse("<{{> inner}}|{{> inner}}>")
    size = len(reference(tree, values)) * 2 + 3

    def resolve(ref: IncludeRef) -> Template:
        return inner

    # When compiled with exactly its size as the maximum, and with one less
    fits = compile_parts([outer], values, defaults={}, resolve_include=resolve, max_compiled_chars=size)
    # Then the first renders and the second is refused, counted without rendering
    assert len(fits.text_by_part[0] or "") == size
    try:
        compile_parts([outer], values, defaults={}, resolve_include=resolve, max_compiled_chars=size - 1)
    except CompiledTooLarge as refused:
        assert refused.size == size
    else:
        raise AssertionError("a compile one character over the maximum rendered")
