"""variable_specs: API.md's `Variable` list for a prompt's templates and defaults."""

from __future__ import annotations

import pytest

from promptbank.errors import ValidationFailed
from promptbank.templates import TemplateSyntaxError, VariableSpec, parse, variable_specs


def specs(*sources: str, defaults: dict | None = None) -> list[dict]:
    templates = [
        parse(source, field) for source, field in zip(sources, ("content", "system_prompt"), strict=False)
    ]
    return [spec.to_dict() for spec in variable_specs(templates, defaults or {})]


def test_spec_has_the_variable_shape_of_the_contract():
    # Given one declared variable
    # When listed
    # Then it has exactly the API's Variable fields
    assert specs("{{name|text:40|Your name}}") == [
        {
            "key": "name",
            "type": "text",
            "max_length": 40,
            "description": "Your name",
            "default_value": None,
            "required": True,
        }
    ]


@pytest.mark.parametrize(
    ("type_", "max_length"),
    [("text", 128), ("textarea", 4000), ("number", 32), ("email", 254), ("phone", 32), ("list", 1000)],
)
def test_each_type_has_its_default_max_length(type_, max_length):
    # Given a variable of each type without a max length
    # When listed
    # Then the type's default max length applies
    assert specs(f"{{{{v|{type_}}}}}")[0]["max_length"] == max_length


def test_bare_variable_is_text_128():
    # Given a bare placeholder
    # When listed
    # Then it is text with max length 128
    assert (specs("{{v}}")[0]["type"], specs("{{v}}")[0]["max_length"]) == ("text", 128)


def test_order_is_first_appearance_across_templates_then_extra_defaults_sorted():
    # Given content and system prompt sharing names, and defaults for unused names
    result = specs("{{b}} {{a}}", "{{c}} {{b}}", defaults={"z": "1", "y": "2", "a": "3"})
    # When listed
    # Then template names keep first appearance; default-only names come last, sorted
    assert [s["key"] for s in result] == ["b", "a", "c", "y", "z"]


def test_default_only_variable_is_text_and_not_required():
    # Given a default for a name no template uses
    # When listed
    # Then it is still listed, as optional text
    assert specs("hi", defaults={"tone": "warm"})[0] == {
        "key": "tone",
        "type": "text",
        "max_length": 128,
        "description": None,
        "default_value": "warm",
        "required": False,
    }


def test_variable_with_a_default_is_not_required():
    # Given a top-level placeholder with a default
    # When listed
    # Then it is not required and carries the default
    [spec] = specs("{{tone}}", defaults={"tone": "warm"})
    assert (spec["required"], spec["default_value"]) == (False, "warm")


def test_empty_string_default_still_counts_as_a_default():
    # Given a default of ""
    # When listed
    # Then the variable is not required
    assert specs("{{tone}}", defaults={"tone": ""})[0]["required"] is False


def test_null_default_counts_as_no_default():
    # Given a default of null
    # When listed
    # Then the variable is required
    assert specs("{{tone}}", defaults={"tone": None})[0]["required"] is True


def test_variable_used_only_in_sections_is_not_required():
    # Given a section test and a placeholder inside a section
    # When listed
    # Then neither is required
    result = specs("{{#flag}}{{inner}}{{/flag}}")
    assert [(s["key"], s["required"]) for s in result] == [("flag", False), ("inner", False)]


def test_variable_required_in_either_template_is_required():
    # Given a name inside a section in content but top-level in the system prompt
    # When listed
    # Then it is required
    assert specs("{{#s}}{{x}}{{/s}}", "{{x}}")[1]["required"] is True


def test_type_declared_in_the_system_prompt_applies_to_the_content_use():
    # Given a bare use in content and a typed one in the system prompt
    # When listed
    # Then the variable has the declared type
    assert specs("{{n}}", "{{n|number:10|How many}}")[0] | {"key": "n"} == {
        "key": "n",
        "type": "number",
        "max_length": 10,
        "description": "How many",
        "default_value": None,
        "required": True,
    }


def test_conflicting_types_across_templates_point_at_the_later_one():
    # Given number in content and email in the system prompt (line 2, column 3)
    # When listed
    with pytest.raises(TemplateSyntaxError) as caught:
        specs("{{n|number}}", "x\n  {{n|email}}")
    # Then the error names the system prompt with the position, and mentions content
    [detail] = caught.value.details
    assert (detail["field"], detail["line"], detail["column"]) == ("system_prompt", 2, 3)
    assert "content" in detail["message"]


def test_conflicting_max_lengths_across_templates_are_an_error():
    # Given two explicit max lengths for one name
    # When listed
    # Then it is a syntax error
    with pytest.raises(TemplateSyntaxError):
        specs("{{n|text:5}}", "{{n|text:6}}")


def test_none_templates_are_skipped():
    # Given no system prompt
    # When listed
    # Then the content alone decides
    assert [s.key for s in variable_specs([parse("{{a}}"), None], {})] == ["a"]


def test_defaults_are_validated_by_type():
    # Given defaults that break their variables' types
    # When listed
    with pytest.raises(ValidationFailed) as caught:
        specs("{{n|number}} {{e|email}} {{ok}}", defaults={"n": "many", "e": "nope", "ok": "fine"})
    # Then each bad default is one detail, by name
    assert caught.value.details == [
        {"field": "variables.e", "message": "default must be an email address"},
        {"field": "variables.n", "message": "default must be a finite decimal number"},
    ]


def test_default_longer_than_max_length_is_rejected():
    # Given a default over its variable's max length
    # When listed
    # Then it is a 400 for that default
    with pytest.raises(ValidationFailed):
        specs("{{v|text:3}}", defaults={"v": "four"})


def test_default_validation_can_be_turned_off_for_reads():
    # Given a stored default that is invalid
    templates = [parse("{{n|number}}")]
    # When listed without validation
    [spec] = variable_specs(templates, {"n": "many"}, validate_defaults=False)
    # Then it is listed as stored
    assert spec == VariableSpec("n", "number", 32, None, "many", False)


def test_non_string_defaults_are_listed_as_their_json_text():
    # Given a numeric default
    # When listed
    # Then default_value is its text
    assert specs("{{n|number}}", defaults={"n": 5})[0]["default_value"] == "5"
