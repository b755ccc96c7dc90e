"""Every request body model takes JSON types as sent: a wrong type in any field is a ValidationError.

The models are found from the typed routes of every function in template.yaml (and the models nested in
them), so a new route's body model is covered without editing this file. Bodies are validated as
Powertools validates them: `TypeAdapter(...).validate_python(parsed_json, from_attributes=True)`.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from local.lambdas import load_module
from local.template import Resolver, Template, functions

ROOT = Path(__file__).resolve().parents[3]

# What a JSON body may wrongly send for a field of each type, and the pydantic error each must give.
WRONG: dict[Any, tuple[list[Any], str]] = {
    bool: ([1, 0, "yes", "true"], "bool_type"),
    int: ([True, "1", 1.5], "int_type"),
    float: ([True, "1.5"], "float_type"),
    str: ([1, True], "string_type"),
}


def _strip(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> X (null is a separate rule of each model)."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if get_origin(annotation) in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _nested_models(arg)


def _body_models() -> dict[str, type[BaseModel]]:
    """Every model a route takes as its body, and every model nested in one, by name."""
    template = Template(ROOT / "template.yaml")
    found: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = []
    for spec in functions(template, Resolver(template)).values():
        app = getattr(load_module(spec), "app", None)
        for route in [*getattr(app, "_static_routes", []), *getattr(app, "_dynamic_routes", [])]:
            for field in route.dependant.body_params:
                pending.extend(_nested_models(field.field_info.annotation))
    while pending:
        model = pending.pop()
        if model.__name__ not in found:
            found[model.__name__] = model
            for field in model.model_fields.values():
                pending.extend(_nested_models(field.annotation))
    return found


MODELS = _body_models()

Case = tuple[type[BaseModel], tuple[str | int, ...], Any, str]


def _wrong_values(annotation: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
    """(where, wrong value, expected error type) for a field and for what its containers hold."""
    annotation = _strip(annotation)
    origin = get_origin(annotation)
    if annotation is Any:
        return  # free-form by contract (template variable values are checked by the template language)
    if annotation in WRONG:
        values, error = WRONG[annotation]
        for value in values:
            yield loc, value, error
    elif origin is Literal:
        yield loc, 1, "literal_error"
    elif origin is dict:
        yield loc, "x", "dict_type"
        yield from _wrong_values(get_args(annotation)[1], (*loc, "name"))
    elif origin is list:
        yield loc, "x", "list_type"
        yield from _wrong_values(get_args(annotation)[0], (*loc, 0))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield loc, "x", "model_attributes_type"  # from_attributes=True, as Powertools validates
    else:
        raise AssertionError(f"no wrong-type cases for {annotation!r} at {loc}: teach this test the new type")


def _payload(loc: tuple[str | int, ...], value: Any) -> Any:
    for part in reversed(loc):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def _cases() -> Iterator[Any]:
    for name, model in sorted(MODELS.items()):
        for field_name, field in model.model_fields.items():
            for loc, value, error in _wrong_values(field.annotation, (field.alias or field_name,)):
                case_id = f"{name}.{'.'.join(map(str, loc))}={value!r}"
                yield pytest.param(model, loc, value, error, id=case_id)


def _validate(model: type[BaseModel], body: Any) -> Any:
    return TypeAdapter(model).validate_python(body, from_attributes=True)


def test_the_routes_yield_every_known_body_model():
    # Given the models found from the template's typed routes
    # Then the known ones are all there (an empty or partial walk would make the cases below vacuous)
    assert {
        "RegisterIn", "LoginIn", "KeyCreateIn", "ProfileUpdateIn", "PromptCreate", "PromptUpdate", "ModelSettings",
        "LabelSet", "Publish", "CompileIn", "RunIn", "ChatIn", "ChatMessageIn", "EnhanceIn", "TokenCountIn",
        "ShareCreate", "ShareUpdate", "ShareCompileIn", "ProviderKeyIn",
    } <= set(MODELS)


@pytest.mark.parametrize(("model", "loc", "value", "error"), list(_cases()))
def test_a_wrong_json_type_is_a_validation_error(model, loc, value, error):
    # Given a body with one field (or one item or value in it) of the wrong JSON type
    body = _payload(loc, value)
    # When it is validated as Powertools validates a body
    with pytest.raises(ValidationError) as raised:
        _validate(model, body)
    # Then that place is named with a type error
    assert (loc, error) in {(tuple(e["loc"]), e["type"]) for e in raised.value.errors()}


@pytest.mark.parametrize(
    ("model", "body", "field", "expected"),
    [
        ("ModelSettings", {"temperature": 1}, "temperature", 1.0),
        ("ModelSettings", {"top_p": 0}, "top_p", 0.0),
        ("RunIn", {"temperature": 2}, "temperature", 2.0),
        ("ChatIn", {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}, "temperature", 0.0),
    ],
)
def test_a_float_field_takes_a_json_integer(model, body, field, expected):
    # When a float field gets a JSON integer
    validated = _validate(MODELS[model], body)
    # Then it is that number
    assert getattr(validated, field) == expected


@pytest.mark.parametrize(
    ("model", "body"),
    [
        ("KeyCreateIn", {"name": "ci", "environment": "development", "access": "read"}),
        ("ChatMessageIn", {"role": "assistant", "content": "hi"}),
        ("PromptCreate", {"name": "n", "content": "c", "model_config": {"model": "gpt-4o", "stop": ["\n"]}}),
    ],
)
def test_literal_strings_and_aliases_still_validate(model, body):
    # When a body uses literal strings and the `model_config` alias
    validated = _validate(MODELS[model], body)
    # Then it is accepted as sent
    assert validated.model_dump(by_alias=True, exclude_unset=True) == body


@pytest.mark.parametrize("model", ["CompileIn", "RunIn", "ShareCompileIn"])
def test_template_variable_values_stay_free_form_json(model):
    # Given strings, numbers, booleans and arrays of strings as variable values
    variables = {"s": "x", "n": 3, "f": 1.5, "b": True, "l": ["a", "b"]}
    # When they are validated
    validated = _validate(MODELS[model], {"variables": variables})
    # Then they pass unchanged (the template language checks them against each variable's type)
    assert validated.variables == variables


def _sample_bodies() -> Iterator[Any]:
    template = Template(ROOT / "template.yaml")
    for name, spec in sorted(functions(template, Resolver(template)).items()):
        event_file = ROOT / "events" / f"{name}.json"
        app = getattr(load_module(spec), "app", None)
        if app is None or not event_file.exists():
            continue
        body = json.loads(event_file.read_text()).get("body")
        for route in [*app._static_routes, *app._dynamic_routes]:
            for field in route.dependant.body_params:
                if body:
                    yield pytest.param(field.field_info.annotation, json.loads(body), id=name)


@pytest.mark.parametrize(("annotation", "body"), list(_sample_bodies()))
def test_every_sample_event_body_still_validates(annotation, body):
    # When the body of a function's sample event is validated against that function's body model
    validated = TypeAdapter(annotation).validate_python(body, from_attributes=True)
    # Then it is accepted
    assert validated is not None
