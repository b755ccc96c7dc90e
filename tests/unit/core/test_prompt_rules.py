"""Pure rules of prompts: slugs, etags, request models."""

import pytest
from pydantic import ValidationError

from promptbank.prompts.models import PromptCreate, PromptUpdate
from promptbank.prompts.service import normalise_etag, slugify, version_etag


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Customer Support Reply", "customer-support-reply"), ("  Résumé -- writer!! ", "resume-writer"), ("???", "prompt")],
)
def test_slugs_are_derived_from_names(name, slug):
    assert slugify(name) == slug


def test_version_etag_depends_on_versioned_fields_only():
    a = version_etag("p", 1, {"content": "x", "variables": {}, "model_config": {}})
    assert a == version_etag("p", 1, {"content": "x", "variables": {}, "model_config": {}, "name": "ignored"})
    assert a != version_etag("p", 1, {"content": "y", "variables": {}, "model_config": {}})
    assert a != version_etag("p", 2, {"content": "x", "variables": {}, "model_config": {}})


@pytest.mark.parametrize("header", ['"abc"', "abc", 'W/"abc"', ' "abc" '])
def test_etag_forms_are_normalised(header):
    assert normalise_etag(header) == "abc"


def test_create_rejects_unknown_fields_and_bad_values():
    with pytest.raises(ValidationError) as err:
        PromptCreate.model_validate(
            {"name": "x" * 201, "content": "", "owner_id": "u2", "tags": ["t"] * 21, "model_config": {"temperature": 3}}
        )
    fields = {".".join(map(str, e["loc"])) for e in err.value.errors()}
    assert {"name", "content", "owner_id", "tags", "model_config.temperature"} <= fields


def test_model_config_is_read_by_its_wire_name():
    created = PromptCreate.model_validate({"name": "n", "content": "c", "model_config": {"model": "gpt-4o"}})
    assert created.model_settings is not None and created.model_settings.model == "gpt-4o"


def test_update_rejects_null_for_required_fields_but_allows_clearing_description():
    with pytest.raises(ValidationError):
        PromptUpdate.model_validate({"name": None})
    assert PromptUpdate.model_validate({"description": None}).model_dump(exclude_unset=True) == {"description": None}


@pytest.mark.parametrize("slug", ["Bad", "a--b", "-a", "a_b", "x" * 101])
def test_bad_slugs_are_rejected(slug):
    with pytest.raises(ValidationError):
        PromptCreate.model_validate({"name": "n", "content": "c", "slug": slug})
