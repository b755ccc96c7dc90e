"""The compiled-size limit (worst case at save, exact count at compile) and the memoised include walk."""

from __future__ import annotations

import pytest

from promptbank.errors import ValidationFailed
from promptbank.templates import (
    MAX_COMPILED_CHARS,
    CompiledTooLarge,
    IncludeRef,
    Template,
    TemplateSyntaxError,
    check_compiled_size,
    check_include_cycles,
    compile_parts,
    parse,
)


class Library:
    """A fake store: (slug, label or version) -> source, parsed once; counts the lookups of each target."""

    def __init__(self, prompts: dict[tuple[str, str | int | None], str]) -> None:
        self.parsed = {key: parse(source) for key, source in prompts.items()}
        self.calls: list[str] = []

    def __call__(self, ref: IncludeRef) -> Template | None:
        self.calls.append(str(ref))
        pin = ref.version if ref.version is not None else ref.label
        return self.parsed.get((ref.slug, pin))


def fan_out(leaf: str, levels: int, times: int = 40) -> Library:
    """p1 is `leaf`; p<n> includes p<n-1> `times` times, for n up to `levels`."""
    prompts: dict[tuple[str, str | int | None], str] = {("p1", None): leaf}
    for n in range(2, levels + 1):
        prompts[(f"p{n}", None)] = f"{{{{> p{n - 1}}}}}" * times
    return Library(prompts)


# the worst case on save ---------------------------------------------------------------------------------


def test_the_maximum_is_one_million_characters():
    # Given the template package's limit
    # When read
    # Then it is the documented one
    assert MAX_COMPILED_CHARS == 1_000_000


def test_fan_out_beyond_the_maximum_is_refused_on_save_naming_the_chain_and_the_size():
    # Given p1 of 100 characters, each of p2..p4 including the one below 40 times
    library = fan_out("x" * 100, 4)
    # When p5, including p4 40 times, is checked (40**4 * 100 = 256,000,000 characters)
    with pytest.raises(CompiledTooLarge) as caught:
        check_compiled_size([parse("{{> p4}}" * 40)], library, self_slug="p5")
    # Then it is a 400 naming the chain and the worst case, at the include
    [detail] = caught.value.details
    assert "p5 -> p4 -> p3 -> p2 -> p1" in detail["message"]
    assert "256,000,000" in detail["message"]
    assert (detail["field"], detail["line"], detail["column"]) == ("content", 1, 1)
    assert caught.value.status == 400 and caught.value.code == "VALIDATION_ERROR"


def test_fan_out_within_the_maximum_is_allowed_and_its_worst_case_returned():
    # Given p1 of 10 characters and p2, p3 each including the one below 40 times
    library = fan_out("y" * 10, 3)
    # When p4 including p3 40 times is checked
    worst = check_compiled_size([parse("{{> p3}}" * 40)], library, self_slug="p4")
    # Then its worst case is 40**3 * 10
    assert worst == 640_000


def test_each_target_is_looked_up_once_however_often_it_is_reached():
    # Given four levels of 40-fold includes (40**4 include paths) of an empty prompt
    library = fan_out("", 4)
    # When checked
    worst = check_compiled_size([parse("{{> p4}}" * 40)], library, self_slug="p5")
    # Then each target was resolved once
    assert worst == 0
    assert sorted(library.calls) == ["p1", "p2", "p3", "p4"]


def test_worst_case_counts_each_variable_at_its_declared_or_type_default_max_length():
    # Given a declared max length, a type default (textarea 4000), a bare name (text 128), and static text
    template = parse("ab{{a|text:10}}{{b|textarea}}{{c}}{{a}}")
    # When checked
    worst = check_compiled_size([template], Library({}), self_slug="me")
    # Then each placeholder counts at its bound, every time it appears
    assert worst == 2 + 10 + 4000 + 128 + 10


def test_worst_case_of_a_list_is_its_max_length_because_the_joined_text_is_checked():
    # Given a list variable of max length 20
    template = parse("{{tags|list:20}}")
    # When its worst case is computed, and a compile is given the longest list that passes
    worst = check_compiled_size([template], Library({}), self_slug="me")
    longest = compile_parts([template], {"tags": ["abcdefgh", "ijklmnopqr"]}, defaults={})
    # Then the bound is 20 and the joined text never exceeds it
    assert worst == 20
    assert len(longest.text_by_part[0] or "") == 20
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([template], {"tags": ["abcdefgh", "ijklmnopqrs"]}, defaults={})
    assert caught.value.details[0]["field"] == "variables.tags"


def test_worst_case_uses_the_smallest_declaration_across_includes():
    # Given an outer textarea `v` and an included declaration of `v` with max length 5
    library = Library({("inc", None): "{{v|textarea:5}}"})
    # When the worst case of the outer is computed
    worst = check_compiled_size([parse("{{v}}{{> inc}}")], library, self_slug="me")
    # Then both uses count 5 (a value must pass every declaration)
    assert worst == 10


def test_worst_case_counts_a_default_longer_than_an_included_declaration():
    # Given a default of 50 characters for a name an include declares as 5 long
    library = Library({("inc", None): "{{v|text:5}}"})
    # When checked with that default
    worst = check_compiled_size([parse("{{> inc}}")], library, self_slug="me", defaults={"v": "d" * 50})
    # Then the default's length is the bound (defaults are not checked against includes)
    assert worst == 50


def test_worst_case_counts_every_section_whichever_is_on():
    # Given a section and its inverse
    template = parse("{{#s}}aaaa{{/s}}{{^s}}bbb{{/s}}")
    # When checked
    # Then both bodies count
    assert check_compiled_size([template], Library({}), self_slug="me") == 7


def test_worst_case_adds_content_and_system_prompt():
    # Given content and a system prompt of 600,000 characters each
    content, system = parse("c" * 600_000), parse("s" * 600_000, "system_prompt")
    # When checked together
    with pytest.raises(CompiledTooLarge) as caught:
        check_compiled_size([content, system], Library({}), self_slug="me")
    # Then together they exceed the maximum, with no include chain to name
    assert "1,200,000" in caught.value.message
    assert caught.value.chain is None


def test_size_check_still_reports_a_missing_include():
    # Given an include of nothing
    # When checked
    # Then it is the include error, at the include
    with pytest.raises(TemplateSyntaxError) as caught:
        check_compiled_size([parse("x {{> gone}}")], Library({}), self_slug="me")
    assert caught.value.column == 3


# the count at compile -----------------------------------------------------------------------------------


def test_compile_of_a_grown_include_stops_with_a_400_naming_the_chain():
    # Given a fan-out that the save allowed, whose leaf has since grown to 1,000 characters
    library = fan_out("g" * 1000, 3)
    # When p4 (40 x p3) is compiled: 1,600,000 x 40 characters
    with pytest.raises(CompiledTooLarge) as caught:
        compile_parts([parse("{{> p3}}" * 40)], {}, defaults={}, resolve_include=library, self_slug="p4")
    # Then it is refused with the exact size and the chain, and nothing was rendered
    assert "64,000,000" in caught.value.message
    assert caught.value.chain == "p4 -> p3 -> p2 -> p1"


def test_compile_of_exactly_the_maximum_renders():
    # Given a template that renders 12 characters
    library = Library({("inc", None): "abc{{v}}"})
    template = parse("{{> inc}}{{> inc}}")
    # When compiled with a maximum of 12
    result = compile_parts(
        [template], {"v": "def"}, defaults={}, resolve_include=library, max_compiled_chars=12
    )
    # Then it renders in full
    assert result.text_by_part[0] == "abcdefabcdef"


def test_compile_one_character_over_the_maximum_is_refused():
    # Given the same template, whose value now makes it 14 characters
    library = Library({("inc", None): "abc{{v}}"})
    template = parse("{{> inc}}{{> inc}}")
    # When compiled with a maximum of 12
    with pytest.raises(CompiledTooLarge) as caught:
        compile_parts([template], {"v": "defg"}, defaults={}, resolve_include=library, max_compiled_chars=12)
    # Then it is refused with the size it would have had
    assert caught.value.size == 14


def test_compile_counts_only_the_sections_that_are_on():
    # Given a large body in a section that is off
    template = parse("{{#big}}" + "b" * 50 + "{{/big}}small")
    # When compiled with a maximum of 10
    result = compile_parts([template], {}, defaults={}, max_compiled_chars=10)
    # Then only what renders counts
    assert result.text_by_part[0] == "small"


def test_compile_counts_missing_markers_and_both_parts():
    # Given content and system prompt each printing a missing variable as "[name]"
    parts = [parse("{{name}}"), parse("{{name}}", "system_prompt")]
    # When compiled with a maximum below their sum (12)
    with pytest.raises(CompiledTooLarge):
        compile_parts(parts, {}, defaults={}, max_compiled_chars=11)
    # Then at 12 they render
    assert compile_parts(parts, {}, defaults={}, max_compiled_chars=12).text_by_part == ("[name]", "[name]")


def test_an_included_prompt_renders_the_same_everywhere_it_is_included():
    # Given 40 x 40 includes of one prompt with a variable and a section
    library = Library({("leaf", None): "{{#on}}<{{v}}>{{/on}}", ("mid", None): "{{> leaf}}" * 40})
    # When compiled
    result = compile_parts(
        [parse("{{> mid}}" * 40)], {"on": True, "v": "q"}, defaults={}, resolve_include=library
    )
    # Then every occurrence rendered in place
    assert result.text_by_part[0] == "<q>" * 1600
    assert result.variables_used == ["on", "v"]


# the memoised walk --------------------------------------------------------------------------------------


def test_a_cycle_below_an_already_checked_target_is_found_from_another_path():
    # Given x -> y (fine when reached first), and y@prod -> x, which closes y -> x -> y
    library = Library({("x", None): "{{> y}}", ("y", None): "Y", ("y", "prod"): "{{> x}}"})
    # When me includes x, then y@prod
    with pytest.raises(TemplateSyntaxError) as caught:
        check_compiled_size([parse("{{> x}}{{> y@prod}}")], library, self_slug="me")
    # Then the cycle is reported through the second path
    assert caught.value.details[0]["message"] == "Include cycle: me -> y@prod -> x -> y"


def test_a_chain_too_deep_below_an_already_checked_target_is_found_from_a_deeper_path():
    # Given a -> b -> c -> d (3 levels under a), and z1 -> z2 -> a
    library = Library(
        {
            ("a", None): "{{> b}}",
            ("b", None): "{{> c}}",
            ("c", None): "{{> d}}",
            ("d", None): "D",
            ("z1", None): "{{> z2}}",
            ("z2", None): "{{> a}}",
        }
    )
    # When me includes a (4 levels: fine), then z1 (a at level 3: d at level 6)
    with pytest.raises(TemplateSyntaxError) as caught:
        check_compiled_size([parse("{{> a}}{{> z1}}")], library, self_slug="me")
    # Then the depth error names the deeper path
    assert caught.value.details[0]["message"] == (
        "Includes are nested deeper than 5 levels: me -> z1 -> z2 -> a -> b -> c -> d"
    )


def test_rename_check_refuses_a_cycle_and_passes_over_missing_targets():
    # Given a includes `target`, and the renamed prompt includes a and a prompt that no longer exists
    library = Library({("a", None): "{{> target}}"})
    parts = [parse("{{> gone}}{{> a}}")]
    # When the prompt is checked under the new slug `target`, and under another one
    with pytest.raises(TemplateSyntaxError) as caught:
        check_include_cycles(parts, library, self_slug="target")
    check_include_cycles(parts, library, self_slug="elsewhere")
    # Then only the cycle is refused
    assert caught.value.details[0]["message"] == "Include cycle: target -> a -> target"


def test_a_refusal_never_builds_the_text_it_refuses():
    # Given five levels of 40-fold includes of a 1,000-character prompt: 40**5 * 1,000 characters, about
    # 100 GB, which this process could never build
    library = fan_out("h" * 1000, 6)
    # When p6 is checked as a save, and compiled
    with pytest.raises(CompiledTooLarge) as at_save:
        check_compiled_size([library.parsed[("p6", None)]], library, self_slug="p6")
    with pytest.raises(CompiledTooLarge) as at_compile:
        compile_parts([library.parsed[("p6", None)]], {}, defaults={}, resolve_include=library, self_slug="p6")
    # Then both are refused with the would-be size (so it was counted, not rendered), naming the chain
    assert at_save.value.size == at_compile.value.size == 40**5 * 1000
    assert at_compile.value.chain == "p6 -> p5 -> p4 -> p3 -> p2 -> p1"
