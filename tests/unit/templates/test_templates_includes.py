"""Includes: compile-time rendering through a resolver, and the save-time check."""

from __future__ import annotations

import pytest

from promptbank.errors import ValidationFailed
from promptbank.templates import (
    IncludeRef,
    Template,
    TemplateSyntaxError,
    check_includes,
    compile_parts,
    parse,
)


class Library:
    """A fake store of prompts: (slug, label or version) -> source; records every lookup."""

    def __init__(self, prompts: dict[tuple[str, str | int | None], str]) -> None:
        self.prompts = prompts
        self.calls: list[IncludeRef] = []

    def __call__(self, ref: IncludeRef) -> Template | None:
        self.calls.append(ref)
        pin = ref.version if ref.version is not None else ref.label
        source = self.prompts.get((ref.slug, pin))
        return None if source is None else parse(source)


def chain(length: int) -> Library:
    """p1 includes p2 ... includes p<length>, the last one is plain text."""
    prompts: dict[tuple[str, str | int | None], str] = {}
    for n in range(1, length + 1):
        body = f"{{{{> p{n + 1}}}}}" if n < length else "end"
        prompts[(f"p{n}", None)] = f"[{n}]{body}"
    return Library(prompts)


def test_unpinned_include_renders_inline_with_the_same_values():
    # Given a prompt including another that uses a variable
    library = Library({("sig", None): "-- {{name}}"})
    # When compiled with a value
    result = compile_parts(
        [parse("Hi {{name}}\n{{> sig}}")], {"name": "Ann"}, defaults={}, resolve_include=library
    )
    # Then the include renders inline with that value
    assert result.text_by_part[0] == "Hi Ann\n-- Ann"


def test_include_pinned_to_a_label_is_resolved_with_that_label():
    # Given the same slug at two labels
    library = Library({("sig", "staging"): "staging", ("sig", None): "default"})
    # When the include names a label
    result = compile_parts([parse("{{> sig@staging}}")], {}, defaults={}, resolve_include=library)
    # Then the resolver receives it and its target renders
    assert result.text_by_part[0] == "staging"
    assert library.calls[0].label == "staging"


def test_include_pinned_to_a_version_is_resolved_with_that_version():
    # Given the same slug at two versions
    library = Library({("sig", 2): "v2", ("sig", 3): "v3"})
    # When the include names version 3
    result = compile_parts([parse("{{> sig@3}}")], {}, defaults={}, resolve_include=library)
    # Then version 3 renders
    assert result.text_by_part[0] == "v3"
    assert (library.calls[0].version, library.calls[0].label) == (3, None)


def test_missing_include_target_is_a_400_at_the_include():
    # Given an include whose target does not exist, on line 2
    library = Library({})
    # When compiled
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([parse("x\n  {{> gone@prod}}")], {}, defaults={}, resolve_include=library)
    # Then the error names the include and its position
    [detail] = caught.value.details
    assert detail["message"] == "Included prompt 'gone@prod' not found"
    assert (detail["line"], detail["column"]) == (2, 3)


def test_include_without_a_resolver_is_a_400():
    # Given a template with an include
    # When compiled without a resolver
    # Then it is a 400, not a crash
    with pytest.raises(ValidationFailed):
        compile_parts([parse("{{> a}}")], {}, defaults={})


def test_include_depth_of_five_renders():
    # Given a chain of includes five deep
    library = chain(6)
    # When compiled from p1's content
    result = compile_parts([parse("{{> p2}}")], {}, defaults={}, resolve_include=library)
    # Then every level renders
    assert result.text_by_part[0] == "[2][3][4][5][6]end"


def test_include_depth_of_six_is_a_400():
    # Given a chain of includes six deep
    library = chain(7)
    # When compiled
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([parse("{{> p2}}")], {}, defaults={}, resolve_include=library)
    # Then it is refused, naming the chain
    assert "deeper than 5" in caught.value.details[0]["message"]
    assert "p7" in caught.value.details[0]["message"]


def test_max_include_depth_is_configurable():
    # Given a chain two deep
    library = chain(3)
    # When compiled with a maximum depth of 1
    # Then it is refused
    with pytest.raises(ValidationFailed):
        compile_parts([parse("{{> p2}}")], {}, defaults={}, resolve_include=library, max_include_depth=1)


def test_include_cycle_at_compile_is_a_400():
    # Given a includes b includes a
    library = Library({("a", None): "A{{> b}}", ("b", None): "B{{> a}}"})
    # When compiled from a's content
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([parse("A{{> b}}")], {}, defaults={}, resolve_include=library, self_slug="a")
    # Then it is refused as a cycle
    assert caught.value.details[0]["message"].startswith("Include cycle: a -> b -> a")


def test_values_are_checked_against_declarations_in_includes():
    # Given an include that declares a number
    library = Library({("n", None): "{{count|number}}"})
    # When the value is not a number
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([parse("{{> n}}")], {"count": "many"}, defaults={}, resolve_include=library)
    # Then the value is rejected
    assert caught.value.details[0]["field"] == "variables.count"


def test_values_used_only_by_an_include_are_not_unused():
    # Given a variable used only inside an include
    library = Library({("n", None): "{{x}}"})
    # When compiled strictly with it
    result = compile_parts([parse("{{> n}}")], {"x": "1"}, defaults={}, resolve_include=library, strict=True)
    # Then it is neither unused nor an error
    assert (result.text_by_part[0], result.unused_variables, result.variables_used) == ("1", [], ["x"])


def test_missing_variable_inside_an_include_is_reported():
    # Given an include with a placeholder
    library = Library({("n", None): "<{{x}}>"})
    # When compiled without it
    result = compile_parts([parse("{{> n}}")], {}, defaults={}, resolve_include=library)
    # Then it renders as [x] and is missing
    assert (result.text_by_part[0], result.missing_variables) == ("<[x]>", ["x"])


def test_include_inside_a_skipped_section_does_not_render():
    # Given an include inside a section that is off
    library = Library({("n", None): "{{x}}"})
    # When compiled
    result = compile_parts([parse("a{{#s}}{{> n}}{{/s}}b")], {}, defaults={}, resolve_include=library)
    # Then it does not show and its variables are not missing
    assert (result.text_by_part[0], result.missing_variables) == ("ab", [])


def test_same_include_twice_is_resolved_once():
    # Given the same include written twice
    library = Library({("n", None): "N"})
    # When compiled
    result = compile_parts([parse("{{> n}}{{> n}}")], {}, defaults={}, resolve_include=library)
    # Then it renders twice but the resolver is asked once
    assert result.text_by_part[0] == "NN"
    assert len(library.calls) == 1


def test_include_sections_use_the_shared_values():
    # Given an include with a section
    library = Library({("n", None): "{{#vip}}VIP {{/vip}}{{name}}"})
    # When compiled with the section on
    result = compile_parts(
        [parse("{{> n}}")], {"vip": True, "name": "Ann"}, defaults={}, resolve_include=library
    )
    # Then the include's section renders
    assert result.text_by_part[0] == "VIP Ann"


# the save-time check ----------------------------------------------------------------------------------------


def test_check_includes_accepts_existing_targets():
    # Given includes that all exist, nested two deep
    library = Library({("a", None): "{{> b@2}}", ("b", 2): "text"})
    # When checked
    # Then nothing is raised and both were looked up
    check_includes(parse("{{> a}}"), library, self_slug="me")
    assert [str(ref) for ref in library.calls] == ["a", "b@2"]


def test_check_includes_reports_a_missing_target_with_line_and_column():
    # Given an include of a prompt that does not exist
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("ok\n\n   {{> nope}}"), Library({}), self_slug="me")
    # Then the error is at the include
    assert (caught.value.line, caught.value.column) == (3, 4)
    assert caught.value.details[0]["field"] == "content"


def test_check_includes_reports_a_nested_missing_target_at_the_top_include():
    # Given a includes b, which does not exist
    library = Library({("a", None): "{{> b}}"})
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("x {{> a}}"), library, self_slug="me")
    # Then the error is at the include the author wrote, naming the chain
    assert caught.value.column == 3
    assert "me -> a -> b" in caught.value.details[0]["message"]


def test_check_includes_refuses_including_itself():
    # Given a prompt that includes its own slug
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("{{> me}}"), Library({}), self_slug="me")
    # Then it is a cycle, without looking the target up
    assert "cycle" in caught.value.details[0]["message"]


def test_check_includes_refuses_an_indirect_cycle_back_to_self():
    # Given me -> a -> me
    library = Library({("a", None): "{{> me@3}}"})
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("{{> a}}"), library, self_slug="me")
    # Then it is a cycle
    assert caught.value.details[0]["message"] == "Include cycle: me -> a -> me@3"


def test_check_includes_refuses_a_cycle_among_other_prompts():
    # Given me -> a -> b -> a
    library = Library({("a", None): "{{> b}}", ("b", None): "{{> a}}"})
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("{{> a}}"), library, self_slug="me")
    # Then it is a cycle
    assert caught.value.details[0]["message"] == "Include cycle: me -> a -> b -> a"


def test_check_includes_accepts_depth_five_and_refuses_depth_six():
    # Given chains five and six deep below the saved prompt
    # When checked
    # Then five passes and six fails with the position of the first include
    check_includes(parse("{{> p2}}"), chain(6), self_slug="p1")
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("\n{{> p2}}"), chain(7), self_slug="p1")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_check_includes_uses_the_templates_field_name():
    # Given a system prompt with a missing include
    # When checked
    with pytest.raises(TemplateSyntaxError) as caught:
        check_includes(parse("{{> nope}}", field="system_prompt"), Library({}), self_slug=None)
    # Then the detail names system_prompt
    assert caught.value.details[0]["field"] == "system_prompt"


def test_diamond_includes_are_not_cycles():
    # Given me -> a, me -> b, a -> c, b -> c
    library = Library({("a", None): "{{> c}}", ("b", None): "{{> c}}", ("c", None): "C"})
    # When checked and compiled
    check_includes(parse("{{> a}}{{> b}}"), library, self_slug="me")
    result = compile_parts([parse("{{> a}}{{> b}}")], {}, defaults={}, resolve_include=library)
    # Then both paths render
    assert result.text_by_part[0] == "CC"


def test_include_inside_a_shown_section_renders():
    # Given an include inside a section that is on
    library = Library({("n", None): "N{{x}}"})
    # When compiled
    result = compile_parts(
        [parse("a{{#s}}[{{> n}}]{{/s}}b")], {"s": 1, "x": "!"}, defaults={}, resolve_include=library
    )
    # Then it renders in place
    assert result.text_by_part[0] == "a[N!]b"


def test_missing_include_inside_a_skipped_section_is_still_an_error():
    # Given an include of a missing prompt inside a section that is off
    # When compiled
    # Then it is refused anyway: includes are resolved before values are looked at
    with pytest.raises(ValidationFailed):
        compile_parts([parse("{{#s}}{{> gone}}{{/s}}")], {}, defaults={}, resolve_include=Library({}))


def test_value_must_satisfy_every_declaration_across_includes():
    # Given an outer number and an included max length of 2 for the same name
    library = Library({("n", None): "{{count|number:2}}"})
    template = parse("{{count|number}} {{> n}}")
    # When the value fits the outer declaration but not the included one
    with pytest.raises(ValidationFailed) as caught:
        compile_parts([template], {"count": "123"}, defaults={}, resolve_include=library)
    # Then it is rejected; a value that fits both renders in both places
    assert caught.value.details[0]["message"] == "is longer than 2 characters"
    assert (
        compile_parts([template], {"count": "12"}, defaults={}, resolve_include=library).text_by_part[0]
        == "12 12"
    )


def test_include_ref_prints_as_written_and_keys_without_position():
    # Given the same include at two positions
    first, second = parse("{{> a@prod}} {{> a@prod}}").includes
    # When compared by key
    # Then the keys match and the text is the include as written
    assert first.key == second.key == ("a", "prod", None)
    assert (str(first), str(parse("{{> a@7}}").includes[0]), str(parse("{{> a}}").includes[0])) == (
        "a@prod",
        "a@7",
        "a",
    )
