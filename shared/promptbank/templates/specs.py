"""The variables of a prompt: declarations merged across its templates, with the prompt's defaults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from promptbank.errors import ValidationFailed
from promptbank.templates.model import DEFAULT_TYPE, TYPES, TemplateSyntaxError, VariableSpec
from promptbank.templates.parser import Declaration, Template
from promptbank.templates.values import BadValue, value_text


def variable_specs(
    templates: Sequence[Template | None],
    defaults: Mapping[str, Any] | None,
    *,
    validate_defaults: bool = True,
) -> list[VariableSpec]:
    """API.md's `variables: [Variable]` for a prompt made of `templates` (e.g. content, system_prompt).

    Order: names as they first appear across the templates in order, then the names that only `defaults`
    gives, sorted. A type written for a name in one place applies everywhere; two different types (or two
    different explicit max lengths) for one name raise TemplateSyntaxError at the later declaration.
    `required`: no default and used as a placeholder outside every section.

    With `validate_defaults` (the default), each default must be a valid value of its variable's type and
    length, else ValidationFailed with one detail per bad default, field `variables.<name>`.
    """
    defaults = defaults or {}
    merged: dict[str, Declaration] = {}
    where: dict[str, str] = {}  # name -> field of the template that declared its type
    required: set[str] = set()
    for tpl in templates:
        if tpl is None:
            continue
        required |= tpl.required_names
        for name, decl in tpl.declarations.items():
            old = merged.get(name)
            if old is None:
                merged[name] = decl
                where[name] = tpl.field
                continue
            if decl.type is None:
                if decl.description and not old.description:
                    merged[name] = replace(old, description=decl.description)
                continue
            if old.type is None:
                merged[name] = replace(decl, description=old.description or decl.description)
                where[name] = tpl.field
                continue
            if old.type != decl.type:
                raise TemplateSyntaxError(
                    f"Variable {name!r} is declared as {decl.type} here but as {old.type} in "
                    f"{where[name]} (line {old.line}, column {old.column})",
                    field=tpl.field,
                    line=decl.line,
                    column=decl.column,
                )
            if (
                decl.max_length is not None
                and old.max_length is not None
                and decl.max_length != old.max_length
            ):
                raise TemplateSyntaxError(
                    f"Variable {name!r} is declared with max length {decl.max_length} here but "
                    f"{old.max_length} in {where[name]} (line {old.line}, column {old.column})",
                    field=tpl.field,
                    line=decl.line,
                    column=decl.column,
                )
            if old.max_length is None and decl.max_length is not None:
                merged[name] = replace(old, max_length=decl.max_length)
            if decl.description and not merged[name].description:
                merged[name] = replace(merged[name], description=decl.description)

    specs: list[VariableSpec] = []
    errors: list[dict[str, str]] = []
    extra = sorted(name for name in defaults if name not in merged)
    for name in [*merged, *extra]:
        found = merged.get(name)
        typ = found.type if found is not None and found.type is not None else DEFAULT_TYPE
        max_length = found.max_length if found is not None and found.max_length is not None else TYPES[typ]
        raw = defaults.get(name)
        default: str | None = None
        if raw is not None:
            try:
                default = value_text(raw, ((typ, max_length),))
            except BadValue as bad:
                if validate_defaults:
                    errors.append({"field": f"variables.{name}", "message": f"default {bad.message}"})
                default = raw if isinstance(raw, str) else None
        specs.append(
            VariableSpec(
                key=name,
                type=typ,
                max_length=max_length,
                description=found.description if found is not None else None,
                default_value=default,
                required=raw is None and name in required,
            )
        )
    if errors:
        errors.sort(key=lambda d: d["field"])
        raise ValidationFailed(
            "Invalid variable defaults: " + ", ".join(f"{d['field']} {d['message']}" for d in errors),
            details=errors,
        )
    return specs
