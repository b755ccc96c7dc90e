"""template.yaml as data: CloudFormation tags, Globals, intrinsic functions and the functions' environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.resources import Keeper, SecretSource, create_table_from_template, generate_secret_string
from local.template import (
    ACCOUNT_ID,
    Physical,
    Resolver,
    Template,
    function_environment,
    functions,
    load_yaml,
)

FIXTURE = Path(__file__).parent / "fixture_app" / "template.yaml"
REAL = Path(__file__).resolve().parents[2] / "template.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_short_tags_load_as_long_form_intrinsics(tmp_path: Path) -> None:
    # Given a template using short tags, including the scalar form of !GetAtt
    path = _write(
        tmp_path,
        'A: !Ref X\nB: !GetAtt Fn.Arn\nC: !Sub "${X}-y"\nD: !If [Cond, 1, 2]\nE: !Condition C\n'
        'V: "2010-09-09"\nW: 2010-09-09\n',
    )
    # When it is loaded
    data = load_yaml(path)
    # Then the tags are data, and dates stay strings
    assert data["A"] == {"Ref": "X"}
    assert data["B"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert data["C"] == {"Fn::Sub": "${X}-y"}
    assert data["D"] == {"Fn::If": ["Cond", 1, 2]}
    assert data["E"] == {"Condition": "C"}
    assert data["W"] == "2010-09-09"


def test_stage_parameter_is_dev_and_conditions_follow_it() -> None:
    # Given the fixture template whose Stage defaults to prod
    template = Template(FIXTURE)
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    # When its IsDev condition is evaluated
    # Then Stage is "dev" locally
    assert resolver.ref("Stage") == "dev"
    assert resolver.condition("IsDev") is True


def test_sub_resolves_pseudo_parameters_and_physical_ids() -> None:
    # Given a resolver that knows the API's physical id
    template = Template(FIXTURE)
    physical = Physical(refs={"Api": "abc123defg"})
    resolver = Resolver(template, physical, secret_source=SecretSource(physical))
    # When a !Sub with ${Api}, ${AWS::Region} and ${AWS::URLSuffix} is resolved
    url = resolver.resolve({"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/v1"})
    # Then it is the URL API Gateway would have
    assert url == "https://abc123defg.execute-api.us-east-1.amazonaws.com/v1"


def test_get_att_of_unmade_resources_is_a_plausible_arn() -> None:
    # Given nothing has been created
    resolver = Resolver(Template(FIXTURE), secret_source=SecretSource(Physical()))
    # When ARNs of a function and a queue are asked for
    # Then they are shaped like AWS's
    assert resolver.get_att("EchoFunction", "Arn") == (
        f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:promptbank-local-EchoFunction"
    )
    assert resolver.get_att("WorkQueue", "Arn") == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:promptbank-local-WorkQueue"


def test_dynamic_secret_references_are_stable_for_known_values() -> None:
    # Given a secret source that remembers a generated value (as the state dir does)
    physical = Physical()
    first = SecretSource(physical)
    value = first("secretsmanager", "arn:aws:secretsmanager:us-east-1:1:secret:Other-abc:SecretString")
    again = SecretSource(physical, known=first.known)
    # When the same reference is resolved by a later run
    # Then it is the same value, 48 characters long
    assert again("secretsmanager", "arn:aws:secretsmanager:us-east-1:1:secret:Other-abc:SecretString") == value
    assert len(value) == 48


def test_generated_secret_follows_exclusions() -> None:
    # Given a GenerateSecretString without punctuation
    # When a secret is generated
    secret = generate_secret_string({"PasswordLength": 40, "ExcludePunctuation": True})
    # Then it has the length and only letters and digits
    assert len(secret) == 40 and secret.isalnum()


def test_environment_is_the_union_with_local_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a provider base URL already in the environment
    monkeypatch.setenv("PROMPTBANK_FIXTURE_BASE_URL", "http://from-env")
    template = Template(FIXTURE)
    arn = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:Secret-local-AbCdEf"
    physical = Physical(refs={"Api": "abc123defg", "Secret": arn}, secrets={arn: "s3cret"})
    resolver = Resolver(template, physical, secret_source=SecretSource(physical))
    # When the functions' environment is built with the local overrides
    env, conflicts = function_environment(functions(template, resolver), resolver, {"PROMPTBANK_STAGE": "local"})
    # Then Globals are resolved, overrides win, and the environment's provider URL is kept
    assert env["FIXTURE_STAGE"] == "dev-stage"
    assert env["FIXTURE_SECRET"] == "s3cret"
    assert env["PROMPTBANK_STAGE"] == "local"
    assert env["PROMPTBANK_FIXTURE_BASE_URL"] == "http://from-env"
    assert conflicts == []


def test_environment_conflicts_are_reported_and_first_wins(tmp_path: Path) -> None:
    # Given two functions that set one variable to different values
    path = _write(
        tmp_path,
        """
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {Handler: a.h, Environment: {Variables: {MODE: one}}}}
  B: {Type: AWS::Serverless::Function, Properties: {Handler: b.h, Environment: {Variables: {MODE: two}}}}
""",
    )
    template = Template(path)
    resolver = Resolver(template)
    # When the environment is built
    env, conflicts = function_environment(functions(template, resolver), resolver)
    # Then A's value is used and the conflict is named
    assert env["MODE"] == "one"
    assert conflicts and "MODE" in conflicts[0]


def test_globals_merge_into_functions() -> None:
    # Given the fixture's Globals (Timeout 10) and a function without its own Timeout
    template = Template(FIXTURE)
    resolver = Resolver(template, secret_source=SecretSource(Physical()))
    # When functions are read
    specs = functions(template, resolver)
    # Then the Globals apply and the handler file is found under CodeUri
    assert specs["EchoFunction"].timeout == 10
    assert specs["EchoFunction"].module_file == FIXTURE.parent / "functions" / "echo.py"


def test_table_is_created_from_the_real_template() -> None:
    # Given moto's in-process mock
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        # When the table is created from template.yaml
        name = create_table_from_template(client, REAL)
        # Then it has the template's key schema, indexes and TTL
        table = client.describe_table(TableName=name)["Table"]
        template_table = load_yaml(REAL)["Resources"]["Table"]["Properties"]
        assert table["KeySchema"] == template_table["KeySchema"]
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"] for i in template_table.get("GlobalSecondaryIndexes", [])
        }
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl["AttributeName"] == template_table["TimeToLiveSpecification"]["AttributeName"]


def test_default_keeper_keeps_nothing() -> None:
    # Given the default keeper
    # When a KMS key is made
    # Then its id is the one moto gave
    assert Keeper().after_kms_key("Key", "id-1") == "id-1"
