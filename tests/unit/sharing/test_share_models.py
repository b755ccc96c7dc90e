"""Share link request models: expiry in whole hours 1-8760, prefilled variables an object of strings."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from promptbank.sharing.models import ShareCompileIn, ShareCreate, ShareUpdate


@pytest.mark.parametrize("hours", [0, 8761, -1, "x", "24", 24.5, True, None])
def test_expiry_outside_1_to_8760_hours_or_not_a_number_is_rejected(hours: Any) -> None:
    payload = {"expires_in_hours": hours}
    if hours is None:
        # Given an explicit null / Then it means "no expiry", which is allowed
        assert ShareCreate.model_validate(payload).expires_in_hours is None
        return
    with pytest.raises(ValidationError):
        ShareCreate.model_validate(payload)


@pytest.mark.parametrize("hours", [1, 72, 8760])
def test_expiry_within_range_is_accepted(hours: int) -> None:
    assert ShareCreate.model_validate({"expires_in_hours": hours}).expires_in_hours == hours


@pytest.mark.parametrize(
    "prefilled",
    [["a"], "text", {"name": 1}, {"name": None}, {"name": ["a"]}, {"not a name": "x"}, {"a": {"b": "c"}}],
)
def test_prefilled_variables_must_be_an_object_of_strings(prefilled: Any) -> None:
    with pytest.raises(ValidationError):
        ShareCreate.model_validate({"prefilled_variables": prefilled})


def test_prefilled_variables_are_limited_in_size() -> None:
    # Given values adding up to more than 256 KiB / Then the share is refused (a record must fit an item)
    prefilled = {f"v{i}": "x" * 60_000 for i in range(5)}
    with pytest.raises(ValidationError):
        ShareCreate.model_validate({"prefilled_variables": prefilled})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ShareCreate.model_validate({"prefilled_variables": {}, "token": "mine"})


def test_an_update_needs_prefilled_variables() -> None:
    with pytest.raises(ValidationError):
        ShareUpdate.model_validate({})


def test_compile_accepts_values_of_any_json_type() -> None:
    # Value checks are the template language's job (a list for a list variable, a number...)
    body = ShareCompileIn.model_validate({"variables": {"items": ["a", "b"], "n": 3, "gone": None}})
    assert body.variables == {"items": ["a", "b"], "n": 3, "gone": None}
