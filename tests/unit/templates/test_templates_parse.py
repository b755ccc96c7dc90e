"""Parsing: the syntax of API.md section 3, and every syntax error with its line and column."""

from __future__ import annotations

import pytest

from promptbank.errors import ValidationFailed
from promptbank.templates import IncludeRef, TemplateSyntaxError, compile_parts, parse, parse_cached


def render(source: str, values: dict | None = None) -> str:
    text = compile_parts([parse(source)], values or {}, defaults={}).text_by_part[0]
    assert text is not None
    return text


def syntax_error(source: str, field: str = "content") -> dict:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse(source, field=field)
    [detail] = caught.value.details
    return detail


# variables ---------------------------------------------------------------------------------------------


def test_plain_variable_is_replaced_by_its_value():
    # Given a template with one bare variable
    # When it is rendered with a value
    # Then the placeholder becomes the value
    assert render("Hello {{name}}!", {"name": "Ann"}) == "Hello Ann!"


@pytest.mark.parametrize(
    ("tag", "type_", "max_length", "description"),
    [
        ("{{name}}", None, None, None),
        ("{{name|textarea}}", "textarea", None, None),
        ("{{name|number:10}}", "number", 10, None),
        ("{{name|email:100|Where we write}}", "email", 100, "Where we write"),
        ("{{ name | phone : 20 | Your phone }}", "phone", 20, "Your phone"),
        ("{{name|list|Comma separated}}", "list", None, "Comma separated"),
    ],
)
def test_each_variable_form_declares_type_max_length_and_description(tag, type_, max_length, description):
    # Given one of the variable forms
    # When it is parsed
    # Then the declaration carries exactly what was written
    decl = parse(tag).declarations["name"]
    assert (decl.type, decl.max_length, decl.description) == (type_, max_length, description)


def test_spaces_inside_the_braces_are_ignored():
    # Given a tag padded with spaces around every segment
    # When rendered
    # Then it behaves as the compact form
    assert render("{{  who |text : 40 |  The person  }}", {"who": "Bo"}) == "Bo"


def test_variable_names_may_hold_dots_and_hyphens_as_flat_keys():
    # Given names with dots and hyphens
    # When rendered with values under those exact keys
    # Then no nested lookup happens: the key is the whole name
    assert render("{{user.name}}/{{x-y}}", {"user.name": "a", "x-y": "b"}) == "a/b"


def test_name_of_64_characters_is_accepted():
    # Given a name at the maximum length (1 + 63)
    name = "a" * 64
    # When parsed
    # Then it is a variable
    assert parse("{{" + name + "}}").names == (name,)


@pytest.mark.parametrize("name", ["a" * 65, "1abc", "a b", "-x", ".x", "é"])
def test_invalid_variable_names_are_syntax_errors(name):
    # Given a tag whose name breaks [A-Za-z_][A-Za-z0-9_.-]{0,63}
    # When parsed
    # Then it is a syntax error at the tag
    detail = syntax_error("x {{" + name + "}}")
    assert (detail["line"], detail["column"]) == (1, 3)


def test_unknown_type_is_a_syntax_error_naming_the_type():
    # Given a type that does not exist, on line 2
    # When parsed
    # Then the error names it and points at the tag
    detail = syntax_error("first line\n  {{age|integer}}")
    assert "Unknown type 'integer'" in detail["message"]
    assert (detail["line"], detail["column"]) == (2, 3)


def test_type_names_are_case_sensitive():
    # Given a capitalised type
    # When parsed
    # Then it is unknown
    assert "Unknown type" in syntax_error("{{a|Text}}")["message"]


@pytest.mark.parametrize(
    "spec", ["text:0", "text:100001", "text:-1", "text:abc", "text:", "text:1.5", "text:٣"]
)
def test_max_length_outside_1_to_100000_or_not_an_integer_is_rejected(spec):
    # Given a bad max length
    # When parsed
    # Then it is a syntax error
    assert syntax_error("{{a|" + spec + "}}")["column"] == 1


@pytest.mark.parametrize("max_length", [1, 100000])
def test_max_length_bounds_are_accepted(max_length):
    # Given the smallest and the largest max length
    # When parsed
    # Then they are kept
    assert parse(f"{{{{a|text:{max_length}}}}}").declarations["a"].max_length == max_length


def test_empty_type_after_pipe_is_a_syntax_error():
    # Given a pipe with nothing after it
    # When parsed
    # Then the error says the type is missing
    assert "Missing type" in syntax_error("{{a|}}")["message"]


def test_empty_description_counts_as_none():
    # Given a trailing empty description segment
    # When parsed
    # Then there is no description
    assert parse("{{a|text:5|  }}").declarations["a"].description is None


def test_description_keeps_later_pipes():
    # Given a description that itself contains a pipe
    # When parsed
    # Then everything after the second pipe is the description
    assert parse("{{a|text|one | two}}").declarations["a"].description == "one | two"


def test_conflicting_types_in_one_template_point_at_the_second_declaration():
    # Given one name declared as text then as number on line 3
    source = "{{a|text}}\n\nsee {{a|number}}"
    # When parsed
    detail = syntax_error(source)
    # Then the error is at the second declaration and mentions the first
    assert (detail["line"], detail["column"]) == (3, 5)
    assert "line 1, column 1" in detail["message"]


def test_conflicting_explicit_max_lengths_are_a_syntax_error():
    # Given one name declared with two different explicit max lengths
    # When parsed
    # Then it is a conflict
    assert "max length" in syntax_error("{{a|text:5}} {{a|text:6}}")["message"]


def test_bare_use_does_not_conflict_with_a_typed_declaration():
    # Given a typed declaration and bare uses of the same name before and after
    template = parse("{{a}} {{a|number:8}} {{a}}")
    # When parsed
    # Then the typed declaration wins
    decl = template.declarations["a"]
    assert (decl.type, decl.max_length) == ("number", 8)


def test_repeating_the_same_declaration_is_fine():
    # Given the same declaration twice, one with a description
    template = parse("{{a|email}} {{a|email:60|Mail}}")
    # When parsed
    # Then they merge
    decl = template.declarations["a"]
    assert (decl.type, decl.max_length, decl.description) == ("email", 60, "Mail")


# tag errors ----------------------------------------------------------------------------------------------


def test_unclosed_tag_is_reported_where_it_opens():
    # Given a `{{` with no `}}` after it, on line 2 column 4
    # When parsed
    detail = syntax_error("ok\nab {{name")
    # Then the position is the opening braces
    assert (detail["line"], detail["column"]) == (2, 4)
    assert "Unclosed" in detail["message"]


def test_empty_tag_is_a_syntax_error():
    # Given `{{}}` and `{{   }}`
    # When parsed
    # Then both are errors
    assert "Empty tag" in syntax_error("{{}}")["message"]
    assert "Empty tag" in syntax_error("{{   }}")["message"]


@pytest.mark.parametrize("tag", ["{{{a}}}", "{{!comment}}", "{{&a}}", "{{=<% %>=}}", '{{"json": 1}}'])
def test_other_mustache_or_json_forms_are_syntax_errors(tag):
    # Given something that opens `{{` but is not this language
    # When parsed
    # Then it is rejected (write \\{{ to mean it literally)
    assert syntax_error("x" + tag)["column"] == 2


def test_field_name_is_configurable():
    # Given a bad system prompt
    # When parsed as the system_prompt field
    # Then the detail names that field
    assert syntax_error("{{", field="system_prompt")["field"] == "system_prompt"


def test_syntax_error_is_a_400_validation_error():
    # Given bad syntax
    # When parsed
    # Then the error is a ValidationFailed (400 VALIDATION_ERROR) with the position in its message
    with pytest.raises(ValidationFailed) as caught:
        parse("a\n{{b|x}}")
    assert (caught.value.status, caught.value.code) == (400, "VALIDATION_ERROR")
    assert "line 2, column 1" in caught.value.message


def test_column_counts_code_points_after_unicode_text():
    # Given multi-byte and astral characters before a bad tag
    # When parsed
    detail = syntax_error("héllo 😀 {{a|zzz}}")
    # Then the column counts characters, not bytes
    assert detail["column"] == 9


def test_line_counting_follows_newlines_across_many_tags():
    # Given many valid tags then a bad one on line 5
    source = "{{a}}\n{{b}}\n{{c}}\n\n  x {{d|nope}}"
    # When parsed
    detail = syntax_error(source)
    # Then line and column are exact
    assert (detail["line"], detail["column"]) == (5, 5)


# sections ------------------------------------------------------------------------------------------------


def test_unbalanced_section_is_reported_at_its_opening_tag():
    # Given a section opened on line 2 and never closed
    # When parsed
    detail = syntax_error("x\n {{#a}} body")
    # Then the error is at the opening tag
    assert (detail["line"], detail["column"]) == (2, 2)
    assert "never closed" in detail["message"]


def test_closing_tag_without_opening_is_reported_at_the_closing_tag():
    # Given a stray closing tag
    # When parsed
    detail = syntax_error("abc{{/a}}")
    # Then the error is at it
    assert detail["column"] == 4
    assert "no matching opening" in detail["message"]


def test_mismatched_closing_tag_is_reported_at_the_closing_tag():
    # Given nested sections closed in the wrong order
    # When parsed
    detail = syntax_error("{{#a}}{{#b}}x{{/a}}{{/b}}")
    # Then the error is at `{{/a}}` and names the section left open
    assert detail["column"] == 14
    assert "{{#b}}" in detail["message"]


def test_section_name_must_be_a_valid_name():
    # Given a section with a typed name
    # When parsed
    # Then it is a syntax error
    assert "Invalid section name" in syntax_error("{{#a|text}}x{{/a|text}}")["message"]


def test_section_tags_allow_spaces():
    # Given section tags with inner spaces
    # When rendered with a value
    # Then the section works
    assert render("{{ # a }}yes{{ / a }}", {"a": "1"}) == "yes"


def test_section_test_names_are_not_placeholders():
    # Given a name used only as a section test
    template = parse("{{#flag}}on{{/flag}}")
    # When parsed
    # Then it is a known name and a section test, but not a placeholder
    assert template.names == ("flag",)
    assert template.section_tests == {"flag"}
    assert template.placeholders == frozenset()


def test_required_names_are_placeholders_outside_every_section():
    # Given placeholders inside and outside sections
    template = parse("{{a}} {{#s}}{{b}}{{/s}} {{^t}}{{c}}{{/t}}")
    # When parsed
    # Then only the top-level one is a required candidate
    assert template.required_names == {"a"}


def test_names_are_listed_in_order_of_first_appearance():
    # Given names appearing in a mixed order
    # When parsed
    # Then `names` keeps first appearance
    assert parse("{{b}}{{#a}}{{c}}{{b}}{{/a}}{{a}}").names == ("b", "a", "c")


# includes ------------------------------------------------------------------------------------------------


def test_include_forms_parse_into_refs_with_positions():
    # Given the three include forms on two lines
    template = parse("{{> intro}}\n  {{>footer@production}} {{> legal-text @ 3 }}")
    # When parsed
    # Then each ref has its slug, pin and 1-based position
    assert template.includes == (
        IncludeRef("intro", None, None, 1, 1),
        IncludeRef("footer", "production", None, 2, 3),
        IncludeRef("legal-text", None, 3, 2, 26),
    )


@pytest.mark.parametrize(
    "tag",
    ["{{> Intro}}", "{{> a--b}}", "{{> -a}}", "{{>}}", "{{> a@}}", "{{> a@B}}", "{{> a@0}}", "{{> a@x y}}"],
)
def test_bad_includes_are_syntax_errors(tag):
    # Given a malformed include
    # When parsed
    # Then it is a syntax error at the tag
    assert syntax_error("ab" + tag)["column"] == 3


def test_include_label_may_be_36_characters_but_not_37():
    # Given labels at and over the limit
    # When parsed
    # Then 36 is fine and 37 is an error
    assert parse("{{> a@" + "l" * 36 + "}}").includes[0].label == "l" * 36
    syntax_error("{{> a@" + "l" * 37 + "}}")


def test_slug_over_100_characters_is_rejected():
    # Given a slug of 101 characters
    # When parsed
    # Then it is a syntax error
    syntax_error("{{> " + "a" * 101 + "}}")


def test_includes_inside_sections_are_listed_too():
    # Given an include inside a section
    # When parsed
    # Then it is among the template's includes
    assert [ref.slug for ref in parse("{{#a}}{{> inner}}{{/a}}").includes] == ["inner"]


# escapes and literal text ----------------------------------------------------------------------------------


def test_backslash_braces_render_literal_braces():
    # Given an escaped tag
    # When rendered
    # Then the backslash goes and the braces stay, with no variable
    template = parse(r"Use \{{name}} in templates")
    assert template.names == ()
    assert render(r"Use \{{name}} in templates") == "Use {{name}} in templates"


def test_escape_applies_only_to_the_braces_right_after_the_backslash():
    # Given a double backslash before braces
    # When rendered
    # Then one backslash stays and the braces are literal
    assert render(r"a\\{{b}}") == r"a\{{b}}"


def test_lone_braces_and_backslashes_are_literal():
    # Given single braces, closing pairs and stray backslashes
    source = r"{ } }} {x} \n \} { {"
    # When rendered
    # Then the text is unchanged
    assert render(source) == source


def test_unicode_text_and_values_are_kept():
    # Given unicode literals and values
    # When rendered
    # Then every character survives
    assert render("Привет, {{name}} 😀 — ok", {"name": "Zoë 東京"}) == "Привет, Zoë 東京 😀 — ok"


# standalone section lines ----------------------------------------------------------------------------------


def test_section_tags_alone_on_their_lines_take_the_line_with_them():
    # Given section tags each on their own (indented) line
    source = "A\n  {{#x}}\nB\n  {{/x}}\nC\n"
    # When rendered with the section on and off
    # Then no blank lines are left behind
    assert render(source, {"x": "1"}) == "A\nB\nC\n"
    assert render(source) == "A\nC\n"


def test_section_tags_sharing_a_line_with_text_keep_the_line():
    # Given section tags next to other text
    source = "A {{#x}}B{{/x}}\nC"
    # When rendered
    # Then only the tags disappear
    assert render(source, {"x": "1"}) == "A B\nC"
    assert render(source) == "A \nC"


def test_standalone_tag_with_crlf_line_ending_takes_the_crlf():
    # Given Windows line endings
    source = "A\r\n{{#x}}\r\nB\r\n{{/x}}\r\nC"
    # When rendered with the section on
    # Then the whole tag lines are gone
    assert render(source, {"x": 1}) == "A\r\nB\r\nC"


def test_standalone_tag_on_the_last_line_without_newline():
    # Given a closing tag on the last line, no trailing newline
    source = "{{#x}}\nB\n{{/x}}"
    # When rendered
    # Then the output ends after the body
    assert render(source, {"x": "y"}) == "B\n"


def test_variables_alone_on_a_line_keep_their_line():
    # Given a placeholder alone on its line
    # When rendered
    # Then the surrounding newlines are kept
    assert render("A\n{{v}}\nB", {"v": ""}) == "A\n\nB"


# caching ---------------------------------------------------------------------------------------------------


def test_parse_cached_returns_the_same_tree_for_the_same_source_and_field():
    # Given one source parsed twice through the cache
    # When parsed again with another field
    # Then the first two are the same object and the third is distinct
    first = parse_cached("x {{y}} z unique-1")
    assert parse_cached("x {{y}} z unique-1") is first
    assert parse_cached("x {{y}} z unique-1", "system_prompt") is not first


def test_parse_cached_does_not_cache_errors_as_templates():
    # Given a bad source
    # When parsed twice through the cache
    # Then both times it raises
    for _ in range(2):
        with pytest.raises(TemplateSyntaxError):
            parse_cached("{{oops")


def test_templates_are_immutable():
    # Given a parsed template
    template = parse("{{a}}")
    # When someone tries to change it
    # Then it refuses
    with pytest.raises(AttributeError):
        template.source = "other"  # type: ignore[misc]


def test_long_tags_are_shortened_in_error_messages():
    # Given a very long invalid tag (a JSON blob)
    source = '{{"data": [' + ", ".join(["1"] * 500) + "]}}"
    # When parsed
    message = syntax_error(source)["message"]
    # Then the message quotes only its beginning
    assert len(message) < 250
    assert "..." in message


def test_syntax_error_exposes_field_line_and_column():
    # Given a bad template
    # When parsed
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("\n\n  {{a|b}}", field="system_prompt")
    # Then the error carries its position as attributes too
    error = caught.value
    assert (error.field_name, error.line, error.column) == ("system_prompt", 3, 3)
