"""Compiling: values by type, sections, defaults, missing/unused/used reports, strict mode, parts."""

from __future__ import annotations

import math

import pytest

from promptbank.errors import ValidationFailed
from promptbank.templates import Compiled, compile_parts, is_empty, parse


def compile_one(source: str, values: dict | None = None, defaults: dict | None = None, **kw) -> Compiled:
    return compile_parts([parse(source)], values or {}, defaults=defaults or {}, **kw)


def text(source: str, values: dict | None = None, defaults: dict | None = None) -> str | None:
    return compile_one(source, values, defaults).text_by_part[0]


def bad_values(source: str, values: dict) -> list[dict]:
    with pytest.raises(ValidationFailed) as caught:
        compile_one(source, values)
    assert caught.value.status == 400
    return caught.value.details


# values turn into text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "true"), (False, "false"), (3, "3"), (3.0, "3.0"), (-0.5, "-0.5"), (1e20, "1e+20"), (0, "0")],
)
def test_numbers_and_booleans_render_as_their_json_text(value, expected):
    # Given a text variable
    # When given a number or a boolean
    # Then it renders as JSON would write it
    assert text("{{v}}", {"v": value}) == expected


def test_list_value_is_joined_with_comma_space():
    # Given a list variable
    # When given an array of strings
    # Then the items are joined with ", "
    assert text("{{tags|list}}", {"tags": ["a", "b", "c"]}) == "a, b, c"


def test_list_items_may_be_numbers_or_booleans():
    # Given a list variable
    # When the array holds numbers and booleans
    # Then each item renders as its JSON text
    assert text("{{xs|list}}", {"xs": [1, 2.5, True]}) == "1, 2.5, true"


def test_list_variable_accepts_a_plain_string():
    # Given a list variable (PromptMia's comma-separated form)
    # When given a string
    # Then it renders as is
    assert text("{{xs|list}}", {"xs": "a, b"}) == "a, b"


def test_empty_list_renders_empty():
    # Given a list variable
    # When given []
    # Then it renders as nothing, and is not missing
    result = compile_one("[{{xs|list}}]", {"xs": []})
    assert (result.text_by_part[0], result.missing_variables) == ("[]", [])


def test_null_value_is_treated_as_not_provided():
    # Given a variable with a null value
    # When compiled
    # Then it renders as [name] and is missing, not unused
    result = compile_one("Hi {{name}}", {"name": None, "other": None})
    assert result.text_by_part[0] == "Hi [name]"
    assert (result.missing_variables, result.unused_variables) == (["name"], [])


def test_empty_string_is_a_provided_value_for_every_type():
    # Given variables of every type
    # When each is given ""
    # Then all render empty and none is missing or invalid
    source = "{{a|text}}{{b|textarea}}{{c|number}}{{d|email}}{{e|phone}}{{f|list}}."
    result = compile_one(source, dict.fromkeys("abcdef", ""))
    assert (result.text_by_part[0], result.missing_variables) == (".", [])


# values are checked by type -----------------------------------------------------------------------


def test_value_longer_than_default_max_length_is_rejected():
    # Given a bare variable (text, 128)
    # When given 129 characters
    # Then it is a 400 naming the variable
    assert bad_values("{{v}}", {"v": "x" * 129}) == [
        {"field": "variables.v", "message": "is longer than 128 characters"}
    ]


def test_value_at_max_length_is_accepted():
    # Given a text variable of max length 5
    # When given exactly 5 characters (astral ones count as one)
    # Then it renders
    assert text("{{v|text:5}}", {"v": "😀😀😀😀😀"}) == "😀😀😀😀😀"


def test_list_length_is_measured_on_the_joined_text():
    # Given a list of max length 7
    # When the joined text is 8 characters ("aaa, bbb")
    # Then it is rejected
    assert bad_values("{{v|list:7}}", {"v": ["aaa", "bbb"]})[0]["message"] == "is longer than 7 characters"


@pytest.mark.parametrize("value", ["42", "-3.5", "+1", ".5", "1.", "1e10", "2.5E-3", 7, 7.25, 0])
def test_number_accepts_finite_decimals(value):
    # Given a number variable
    # When given a finite decimal
    # Then it renders as given
    assert text("{{n|number}}", {"n": value}) == (value if isinstance(value, str) else repr(value))


@pytest.mark.parametrize("value", ["abc", "1,000", "1 2", "0x10", "NaN", "inf", "--1", ".", "1e", True])
def test_number_rejects_other_text(value):
    # Given a number variable
    # When given something that is not a decimal
    # Then it is a 400 for that variable
    assert bad_values("{{n|number}}", {"n": value}) == [
        {"field": "variables.n", "message": "must be a finite decimal number"}
    ]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_floats_are_rejected_for_any_type(value):
    # Given a text variable
    # When given inf or nan
    # Then it is rejected
    assert bad_values("{{v}}", {"v": value})[0]["message"] == "must be a finite number"


@pytest.mark.parametrize("value", ["ann@example.com", "a.b+c@sub.example.co", "x@localhost"])
def test_email_accepts_addresses(value):
    # Given an email variable
    # When given an address
    # Then it renders
    assert text("{{e|email}}", {"e": value}) == value


@pytest.mark.parametrize("value", ["ann", "ann@", "@x.com", "a b@x.com", "a@b@c.com", "a@-x.com"])
def test_email_rejects_non_addresses(value):
    # Given an email variable
    # When given something that is not an address
    # Then it is a 400
    assert bad_values("{{e|email}}", {"e": value})[0]["message"] == "must be an email address"


@pytest.mark.parametrize("value", ["+1 (555) 010-9999", "12345", "555.010.9999"])
def test_phone_accepts_the_contract_pattern(value):
    # Given a phone variable
    # When given digits, spaces, ( ) . - and an optional leading +
    # Then it renders
    assert text("{{p|phone}}", {"p": value}) == value


@pytest.mark.parametrize("value", ["1234", "555-CALL-NOW", "++12345", "12345+", "1" * 33])
def test_phone_rejects_other_text(value):
    # Given a phone variable
    # When given text outside ^\+?[0-9 ().-]{5,32}$
    # Then it is a 400
    assert bad_values("{{p|phone:40}}", {"p": value})[0]["field"] == "variables.p"


def test_nested_objects_are_rejected():
    # Given a text variable
    # When given an object
    # Then it is a 400
    assert bad_values("{{v}}", {"v": {"a": 1}})[0]["message"] == "nested objects are not allowed"


def test_arrays_are_rejected_for_non_list_types():
    # Given a text variable
    # When given an array
    # Then it is a 400
    assert bad_values("{{v}}", {"v": ["a"]})[0]["message"] == "arrays are only allowed for list variables"


def test_nested_arrays_in_lists_are_rejected():
    # Given a list variable
    # When an item is itself an array
    # Then it is a 400
    assert "list items" in bad_values("{{v|list}}", {"v": [["a"]]})[0]["message"]


def test_every_bad_variable_gets_one_detail_sorted_by_name():
    # Given three bad values and one good
    # When compiled
    details = bad_values(
        "{{z|number}}{{a|email}}{{m}}{{ok}}", {"z": "x", "a": "x", "m": "x" * 200, "ok": "1"}
    )
    # Then there is one detail per bad variable, by name
    assert [d["field"] for d in details] == ["variables.a", "variables.m", "variables.z"]


def test_values_are_checked_even_inside_skipped_sections():
    # Given a typed variable inside a section that is off
    # When given a bad value
    # Then it is still rejected
    assert bad_values("{{#s}}{{n|number}}{{/s}}", {"n": "x"})[0]["field"] == "variables.n"


def test_unknown_variables_with_objects_are_rejected():
    # Given a value for a name the template does not use
    # When the value is an object
    # Then it is a 400 (values are never objects)
    assert bad_values("hi", {"extra": {"a": 1}})[0]["field"] == "variables.extra"


def test_section_only_variable_takes_a_list():
    # Given a name used only as a section test
    # When given a non-empty list
    # Then the section renders
    assert text("{{#items}}has items{{/items}}", {"items": ["a"]}) == "has items"


# sections -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x", True),
        ("", False),
        (None, False),
        ([], False),
        (["a"], True),
        (False, False),
        (True, True),
        (0, True),
    ],
)
def test_section_renders_when_value_is_non_empty(value, shown):
    # Given a section and its inverse
    source = "{{#v}}on{{/v}}{{^v}}off{{/v}}"
    # When compiled with the value
    # Then exactly one side shows: None, "", [] and false are empty; 0 is not
    assert text(source, {"v": value}) == ("on" if shown else "off")


def test_absent_section_variable_counts_as_empty():
    # Given a section whose variable is not given
    # When compiled
    # Then the inverted side shows and nothing is missing
    result = compile_one("{{#v}}on{{/v}}{{^v}}off{{/v}}")
    assert (result.text_by_part[0], result.missing_variables) == ("off", [])


def test_section_uses_the_default_when_no_value_is_given():
    # Given a section whose variable has a default
    # When no value is given
    # Then the default decides
    assert text("{{#v}}on{{/v}}", {}, {"v": "yes"}) == "on"
    assert text("{{#v}}on{{/v}}", {}, {"v": ""}) == ""


def test_string_false_is_a_non_empty_value():
    # Given a section
    # When the value is the string "false"
    # Then it counts as non-empty (only JSON false is empty)
    assert text("{{#v}}on{{/v}}", {"v": "false"}) == "on"


def test_sections_nest():
    # Given nested sections
    source = "{{#a}}A{{#b}}B{{/b}}{{^b}}-{{/b}}{{/a}}"
    # When compiled with each combination
    # Then the inner one only matters when the outer one is on
    assert text(source, {"a": 1, "b": 1}) == "AB"
    assert text(source, {"a": 1}) == "A-"
    assert text(source, {"b": 1}) == ""


def test_section_may_render_its_own_variable():
    # Given a section that prints its test variable
    # When compiled with a value
    # Then the value is printed inside
    assert text("{{#who}}Dear {{who}},{{/who}}", {"who": "Ann"}) == "Dear Ann,"


def test_same_section_twice_renders_twice():
    # Given two sections on the same name
    # When on
    # Then both render
    assert text("{{#a}}1{{/a}}-{{#a}}2{{/a}}", {"a": True}) == "1-2"


def test_is_empty_helper_matches_section_truth():
    # Given the documented empty values
    # When checked
    # Then they are empty and 0 / "0" / "false" are not
    assert [is_empty(v) for v in (None, "", [], False)] == [True] * 4
    assert [is_empty(v) for v in (0, 0.0, "0", "false", ["x"], True)] == [False] * 6


# missing, defaults, used and unused ---------------------------------------------------------------


def test_missing_variable_renders_its_name_in_brackets():
    # Given two placeholders
    # When one has no value and no default
    result = compile_one("{{a}} and {{b}}", {"a": "x"})
    # Then it renders as [b] and is listed as missing
    assert result.text_by_part[0] == "x and [b]"
    assert result.missing_variables == ["b"]


def test_default_fills_a_missing_value():
    # Given a placeholder with a default
    # When no value is given
    result = compile_one("Hi {{name}}", {}, {"name": "friend"})
    # Then the default renders and counts as used
    assert result.text_by_part[0] == "Hi friend"
    assert (result.missing_variables, result.variables_used) == ([], ["name"])


def test_provided_value_beats_the_default():
    # Given a default
    # When a value is provided
    # Then the value renders
    assert text("{{name}}", {"name": "Ann"}, {"name": "friend"}) == "Ann"


def test_defaults_are_not_type_checked_at_compile():
    # Given a number variable whose stored default is not a number
    # When compiled without a value
    # Then the default renders (defaults are checked on save, by variable_specs)
    assert text("{{n|number}}", {}, {"n": "many"}) == "many"


def test_missing_inside_a_skipped_section_is_not_reported():
    # Given a placeholder only inside a section that is off
    # When compiled without its value
    # Then it is not missing
    assert compile_one("{{#s}}{{x}}{{/s}}").missing_variables == []


def test_missing_inside_a_shown_section_is_reported():
    # Given a placeholder inside a section that is on
    # When compiled without its value
    # Then it is missing
    result = compile_one("{{#s}}{{x}}{{/s}}", {"s": True})
    assert (result.text_by_part[0], result.missing_variables) == ("[x]", ["x"])


def test_unused_lists_provided_names_no_template_mentions_sorted():
    # Given values for names the template never mentions
    # When compiled
    # Then they are unused, sorted; names in skipped sections are not unused
    result = compile_one("{{a}}{{#s}}{{b}}{{/s}}", {"zeta": 1, "a": "x", "alpha": 2, "b": "y"})
    assert result.unused_variables == ["alpha", "zeta"]


def test_variables_used_lists_names_whose_values_were_reached_sorted():
    # Given provided, defaulted, skipped and tested names
    result = compile_one(
        "{{b}}{{a}}{{#s}}{{c}}{{/s}}{{^t}}{{d}}{{/t}}{{missing}}",
        {"b": "1", "c": "2", "t": True, "d": "3"},
        {"a": "0"},
    )
    # When compiled
    # Then used = names with a value that rendered or were tested: sorted
    assert result.variables_used == ["a", "b", "t"]
    assert result.missing_variables == ["missing"]


# strict mode --------------------------------------------------------------------------------------


def test_strict_mode_rejects_missing_variables():
    # Given a placeholder with no value and no default
    # When compiled strictly
    with pytest.raises(ValidationFailed) as caught:
        compile_one("{{a}}{{b}}", {"a": "x"}, strict=True)
    # Then it is a 400 naming it
    assert caught.value.details == [
        {"field": "variables.b", "message": "is required (no value and no default)"}
    ]


def test_strict_mode_rejects_unknown_variables():
    # Given a value the template never uses
    # When compiled strictly
    with pytest.raises(ValidationFailed) as caught:
        compile_one("{{a}}", {"a": "x", "extra": "y"}, strict=True)
    # Then it is a 400 naming it
    assert caught.value.details == [{"field": "variables.extra", "message": "is not used by this prompt"}]


def test_strict_mode_accepts_defaults_and_skipped_sections():
    # Given a default and a value used only in a skipped section
    # When compiled strictly
    result = compile_one("{{a}}{{#s}}{{b}}{{/s}}", {"b": "x"}, {"a": "d"}, strict=True)
    # Then nothing is missing or unknown
    assert result.text_by_part[0] == "d"


def test_strict_mode_does_not_require_section_tests():
    # Given a section whose variable is absent
    # When compiled strictly
    # Then it is fine: a section test is never required
    assert compile_one("{{#s}}x{{/s}}", strict=True).text_by_part[0] == ""


# parts --------------------------------------------------------------------------------------------


def test_parts_share_values_and_reports():
    # Given a content and a system prompt
    content, system = parse("Do {{task}}"), parse("You are {{role}}", "system_prompt")
    # When compiled together
    result = compile_parts([content, system], {"task": "x", "extra": 1}, defaults={})
    # Then each part renders and the reports cover both
    assert result.text_by_part == ("Do x", "You are [role]")
    assert (result.missing_variables, result.unused_variables) == (["role"], ["extra"])


def test_a_value_used_by_any_part_is_not_unused():
    # Given a variable used only by the second part
    # When compiled
    # Then it is not unused
    result = compile_parts([parse("a"), parse("{{b}}")], {"b": "x"}, defaults={})
    assert result.unused_variables == []


def test_none_part_renders_as_none():
    # Given no system prompt
    # When compiled
    # Then its slot is None
    assert compile_parts([parse("x"), None], {}, defaults={}).text_by_part == ("x", None)


def test_values_are_checked_against_declarations_from_every_part():
    # Given a number declared only in the system prompt
    # When the value is not a number
    # Then it is rejected
    with pytest.raises(ValidationFailed):
        compile_parts([parse("{{n}}"), parse("{{n|number}}")], {"n": "x"}, defaults={})


def test_compiling_is_deterministic():
    # Given the same template, values and defaults given in another key order
    source = "{{b}} {{#s}}{{a}}{{/s}} {{c|list}} {{missing}}"
    first = compile_one(source, {"a": 1, "b": True, "s": 1, "c": ["x", "y"], "u2": 1, "u1": 2})
    # When compiled again
    second = compile_one(source, {"u1": 2, "u2": 1, "c": ["x", "y"], "s": 1, "b": True, "a": 1})
    # Then the result is identical
    assert first == second
    assert first.text_by_part[0] == "true 1 x, y [missing]"


def test_values_mapping_is_not_modified():
    # Given a values dict
    values = {"a": 1, "b": None}
    # When compiled
    compile_one("{{a}}{{b}}", values, {"b": "d"})
    # Then it is unchanged
    assert values == {"a": 1, "b": None}


def test_name_tested_in_one_part_and_printed_in_another():
    # Given a section test in the system prompt and a placeholder of the same name in the content
    content, system = parse("Tone: {{tone}}"), parse("{{#tone}}Use the tone.{{/tone}}", "system_prompt")
    # When compiled with and without it
    on = compile_parts([content, system], {"tone": "dry"}, defaults={})
    off = compile_parts([content, system], {}, defaults={})
    # Then both parts follow the same value
    assert on.text_by_part == ("Tone: dry", "Use the tone.")
    assert off.text_by_part == ("Tone: [tone]", "")


def test_mixed_value_kinds_give_the_same_text_on_every_path():
    # Given all-string values, then the same with a boolean, a list and a null added
    source = "{{a}}|{{b|list}}|{{c}}|{{d}}"
    strings = compile_one(source, {"a": "x", "b": "p, q", "c": "true"})
    mixed = compile_one(source, {"a": "x", "b": ["p", "q"], "c": True, "d": None})
    # When compiled
    # Then the rendered text is the same
    assert strings.text_by_part == mixed.text_by_part == ("x|p, q|true|[d]",)
