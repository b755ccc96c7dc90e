"""The Powertools Logger and Metrics every function shares, and the catalogue of the metrics the service emits.

No Powertools Tracer here: importing aws_xray_sdk costs about a second of every cold start, and `Tracing: Active`
in the template already records each invocation (and API Gateway's) segment without it (docs/decisions.md).

Metrics are CloudWatch embedded metric format (EMF) lines on stdout, written by Powertools Metrics; CloudWatch
Logs turns them into metrics in the namespace `POWERTOOLS_METRICS_NAMESPACE` (template.yaml's Globals), each
with the `service` dimension (`POWERTOOLS_SERVICE_NAME`). `METRICS` lists every metric by name, its unit and
the dimension sets it is published under; `emit` is the one way to publish one, and refuses a name or a
dimension the catalogue does not have. The alarms and the dashboard in template.yaml name only metrics from
here (tests/unit/ops checks it); docs/operations.md says what each one counts.

`emit` writes its line at once, in its own Powertools metrics object, rather than adding to the invocation's
shared `metrics`: the dimensions differ between the metrics of one invocation (an evaluate request calls
several providers, from threads), and a Powertools metric set shares one set of dimension values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

logger = Logger()
metrics = Metrics()

SERVICE_DIMENSION = "service"


@dataclass(frozen=True)
class MetricSpec:
    """A metric: its unit, the dimensions `emit` takes for it, and the dimension sets it is published under
    (each with `service`; the first is the service-wide total)."""

    unit: MetricUnit
    dimensions: tuple[str, ...]
    dimension_sets: tuple[tuple[str, ...], ...]
    description: str


def _sets(*sets: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple((SERVICE_DIMENSION, *dims) for dims in sets)


_RUN_SETS = _sets((), ("outcome",), ("provider", "outcome"))
_RECORD_SETS = _sets(("source",), ("function",))

METRICS: dict[str, MetricSpec] = {
    "Deliveries": MetricSpec(
        MetricUnit.Count, ("route",), _sets((), ("route",)),
        "A prompt delivered with a body: GET compiled, POST compile, GET prompt (route = compiled, compile, prompt)",
    ),
    "NotModified": MetricSpec(
        MetricUnit.Count, ("route",), _sets((), ("route",)),
        "A delivery answered 304 Not Modified to a matching If-None-Match (route = compiled, prompt)",
    ),
    "CredentialsRefused": MetricSpec(
        MetricUnit.Count, (), _sets(()),
        "A request the authorizer refused (401: no, an unknown or an expired credential); Lambda counts each as an "
        "error of the authorizer, so the authorizer alarm subtracts these",
    ),
    "Runs": MetricSpec(
        MetricUnit.Count, ("provider", "outcome"), _RUN_SETS,
        "A provider call recorded as a run (run, chat, enhance, evaluate, suite cases); "
        "outcome = succeeded, failed (the provider answered an error) or timeout",
    ),
    "ProviderLatency": MetricSpec(
        MetricUnit.Milliseconds, ("provider", "outcome"), _RUN_SETS,
        "How long the provider call of a run took",
    ),
    "AiRateLimited": MetricSpec(
        MetricUnit.Count, (), _sets(()),
        "An AI request (run, chat, enhance, evaluate) refused by the per-user AI limit (429 RATE_LIMITED)",
    ),
    "EvalRuns": MetricSpec(
        MetricUnit.Count, ("outcome",), _sets((), ("outcome",)),
        "A suite run that ended (outcome = succeeded, failed)",
    ),
    "EvalRegressions": MetricSpec(
        MetricUnit.Count, (), _sets(()),
        "A suite run that ended regressed: below its min_pass_rate or below the previous run's pass rate",
    ),
    "WebhookDeliveries": MetricSpec(
        MetricUnit.Count, ("outcome",), _sets((), ("outcome",)),
        "A webhook delivery attempt: outcome = succeeded, retrying (failed, another attempt is scheduled) or "
        "failed (failed for good)",
    ),
    "RecordsProcessed": MetricSpec(
        MetricUnit.Count, ("source", "function"), _RECORD_SETS,
        "Stream and queue records a consumer handled (source = DynamoDBStreams, SQS; function = the Lambda function)",
    ),
    "RecordsFailed": MetricSpec(
        MetricUnit.Count, ("source", "function"), _RECORD_SETS,
        "Records a consumer reported as batch item failures (they are retried, then go to the failure queue)",
    ),
}


def emit(values: Mapping[str, float], **dimensions: str) -> None:
    """Publish `values` (metric name -> value), one EMF line, under each metric's dimension sets.

    Metrics published together must share their dimensions (`Runs` and `ProviderLatency` do). Nothing is
    written when `POWERTOOLS_METRICS_DISABLED` is true, or without `POWERTOOLS_METRICS_NAMESPACE` (every function
    has it from the template's Globals): counting never fails the work it counts."""
    if not values:
        raise ValueError("emit needs at least one metric")
    specs = [_spec(name) for name in values]
    expected = specs[0].dimensions
    if any(spec.dimensions != expected for spec in specs) or set(dimensions) != set(expected):
        raise ValueError(f"metrics {sorted(values)} take the dimensions {list(expected)}, not {sorted(dimensions)}")
    sink = EphemeralMetrics()
    if sink.namespace is None:  # no POWERTOOLS_METRICS_NAMESPACE (a script, a unit test): nowhere to publish
        return
    service = sink.service or os.environ.get("POWERTOOLS_SERVICE_NAME") or "service_undefined"
    sets = specs[0].dimension_sets
    for name in sets[-1][1:]:  # the last set is the line's main one; the others are added to it
        sink.add_dimension(name=name, value=dimensions[name])
    for dims in sets[:-1]:
        sink.add_dimensions(**{name: (service if name == SERVICE_DIMENSION else dimensions[name]) for name in dims})
    for name, value in values.items():
        sink.add_metric(name=name, unit=METRICS[name].unit, value=value)
    sink.flush_metrics()


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """`emit` for one metric."""
    emit({name: value}, **dimensions)


def _spec(name: str) -> MetricSpec:
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"{name!r} is not in promptbank.observability.METRICS") from None
