"""The metrics the service emits (promptbank.observability.METRICS) and the alarms and dashboard that read them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.template import Template
from promptbank.observability import METRICS, SERVICE_DIMENSION, count, emit

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = Template(ROOT / "template.yaml")
GLOBAL_ENV = TEMPLATE.data["Globals"]["Function"]["Environment"]["Variables"]
NAMESPACE = GLOBAL_ENV["POWERTOOLS_METRICS_NAMESPACE"]
SERVICE = GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"]


def _alarms() -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in TEMPLATE.resources.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _alarm_metrics(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: its own, or each MetricStat of its metric math."""
    if "MetricName" in props:
        return [{"Namespace": props["Namespace"], "MetricName": props["MetricName"], "Dimensions": props.get("Dimensions", [])}]
    return [query["MetricStat"]["Metric"] for query in props["Metrics"] if "MetricStat" in query]


def _emf_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", SERVICE)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)


def test_emit_writes_one_emf_line_under_every_dimension_set(metrics_on: None, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a run's metrics, When they are emitted
    emit({"Runs": 1, "ProviderLatency": 250}, provider="openai", outcome="failed")

    # Then one EMF line carries both, in the template's namespace, under the catalogue's three dimension sets
    (line,) = _emf_lines(capsys.readouterr().out)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    assert sorted(sorted(dims) for dims in directive["Dimensions"]) == sorted(
        sorted(dims) for dims in METRICS["Runs"].dimension_sets
    )
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"Runs": "Count", "ProviderLatency": "Milliseconds"}
    assert (line["service"], line["provider"], line["outcome"]) == (SERVICE, "openai", "failed")
    assert (line["Runs"], line["ProviderLatency"]) == ([1.0], [250.0])


def test_a_metric_without_dimensions_has_the_service_dimension_only(
    metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    count("AiRateLimited")

    (line,) = _emf_lines(capsys.readouterr().out)
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[SERVICE_DIMENSION]]
    assert line["AiRateLimited"] == [1.0]


def test_disabled_metrics_write_nothing(
    metrics_on: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")

    count("Deliveries", route="compiled")

    assert _emf_lines(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("values", "dimensions"),
    [
        ({"Deliverys": 1}, {"route": "compiled"}),  # not in the catalogue
        ({"Deliveries": 1}, {}),  # a dimension missing
        ({"Deliveries": 1}, {"route": "compiled", "user": "u"}),  # a dimension the catalogue doesn't have
        ({"Deliveries": 1, "Runs": 1}, {"route": "compiled"}),  # metrics with different dimensions
    ],
)
def test_emit_refuses_what_the_catalogue_does_not_have(values: dict[str, float], dimensions: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        emit(values, **dimensions)


def test_every_catalogued_metric_is_emitted_somewhere() -> None:
    # The catalogue lists what the code emits, not what it might: each name appears in an emit/count call.
    sources = "\n".join(
        path.read_text() for folder in ("shared/promptbank", "functions") for path in (ROOT / folder).rglob("*.py")
    )
    called = set(re.findall(r'\bcount\(\s*"([A-Za-z]+)"', sources))
    for mapping in re.findall(r"\bemit\(\s*\{([^}]*)\}", sources):
        called.update(re.findall(r'"([A-Za-z]+)"\s*:', mapping))
    assert set(METRICS) == called


def test_the_template_has_an_alarm_for_each_failure_the_issue_names() -> None:
    read = {(m["Namespace"], m["MetricName"]) for props in _alarms().values() for m in _alarm_metrics(props)}
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "IteratorAge"),
        (NAMESPACE, "Runs"),
        ("AWS/ApiGateway", "Latency"),
    } <= read


@pytest.mark.parametrize("alarm", sorted(_alarms()))
def test_an_alarm_reads_only_metrics_that_exist(alarm: str) -> None:
    # Given the alarm's metrics, Then each is an AWS service metric or one the code emits, with its dimensions
    for metric in _alarm_metrics(_alarms()[alarm]):
        if metric["Namespace"].startswith("AWS/"):
            continue
        assert metric["Namespace"] == NAMESPACE
        assert metric["MetricName"] in METRICS, metric["MetricName"]
        dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        assert tuple(sorted(dimensions)) in {tuple(sorted(s)) for s in METRICS[metric["MetricName"]].dimension_sets}
        assert dimensions[SERVICE_DIMENSION] == SERVICE


@pytest.mark.parametrize("alarm", sorted(_alarms()))
def test_an_alarm_notifies_the_topic_only_when_one_is_given(alarm: str) -> None:
    props = _alarms()[alarm]
    for key in ("AlarmActions", "OKActions"):
        assert props[key] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert props["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("alarm", sorted(_alarms()))
def test_the_runbook_has_a_section_for_each_alarm(alarm: str) -> None:
    runbook = (ROOT / "docs" / "operations.md").read_text()
    assert alarm in runbook


def test_the_dashboard_is_json_and_reads_only_metrics_that_exist() -> None:
    (dashboard,) = [r for r in TEMPLATE.resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert variables["Namespace"] == NAMESPACE and variables["Service"] == SERVICE
    document = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    custom: set[str] = set()
    for widget in document["widgets"]:
        namespace = metric = ""
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], dict):  # a SEARCH expression
                custom.update(re.findall(r'MetricName=\\?"(\w+)\\?"', row[0]["expression"]))
                continue
            if row[0] != "...":  # "..." repeats the row above; "." repeats one field of it
                namespace = namespace if row[0] == "." else row[0]
                metric = metric if row[1] == "." else row[1]
            if namespace == "x":  # ${Namespace}: the service's own
                custom.add(metric)
    assert custom and custom <= set(METRICS)
    alarm_widget = next(w for w in document["widgets"] if w["type"] == "alarm")
    assert len(alarm_widget["properties"]["alarms"]) == len(_alarms())


def test_without_a_namespace_nothing_is_written_and_the_work_goes_on(
    metrics_on: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A script or a test outside the template's environment: counting must not fail what it counts
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")

    count("Deliveries", route="compiled")

    assert _emf_lines(capsys.readouterr().out) == []
