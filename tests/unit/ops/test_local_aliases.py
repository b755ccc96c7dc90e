"""The local runtime reads the SnapStart functions' aliases: `!Ref <Function>.Alias`, and an authorizer behind one."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.gateway import build_apis
from local.template import Resolver, Template, apis, functions

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


def test_an_alias_and_a_version_resolve_to_the_functions_qualified_arns(template: Template) -> None:
    resolver = Resolver(template)
    arn = resolver.get_att("GetCompiledFunction", "Arn")

    assert resolver.resolve({"Ref": "GetCompiledFunction.Alias"}) == f"{arn}:live"
    assert resolver.resolve({"Ref": "GetCompiledFunction.Version"}) == f"{arn}:1"


def test_a_function_without_an_alias_has_none_to_refer_to(template: Template) -> None:
    with pytest.raises(KeyError, match="AutoPublishAlias"):
        Resolver(template).resolve({"Ref": "HealthFunction.Alias"})


def test_the_apis_authorizer_named_by_its_alias_runs_the_authorizer_function(template: Template) -> None:
    # Given the template, whose authorizer's FunctionArn is `!Ref AuthorizerFunction.Alias`
    assert template.resources["Api"]["Properties"]["Auth"]["Authorizers"]["CredentialAuthorizer"]["FunctionArn"] == {
        "Ref": "AuthorizerFunction.Alias"
    }
    resolver = Resolver(template)

    # When the gateway builds the API
    runtime = build_apis(apis(template, resolver), functions(template, resolver), resolver)["Api"]

    # Then requests are authorized by AuthorizerFunction
    assert runtime.authorizers["CredentialAuthorizer"].function == "AuthorizerFunction"
