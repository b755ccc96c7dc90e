"""The gateway's rules in process: resource matching, policies, gateway responses, limits, schedules."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from local.events import ScheduleSource, parse_schedule_expression, pattern_matches
from local.gateway import (
    ApiRuntime,
    GatewayError,
    HttpRequest,
    Route,
    RouteTable,
    policy_effect,
    render_gateway_response,
)
from local.limits import KeyInfo, Plan, TokenBucket, UsageLimiter, Verdict, quota_period_key
from local.template import EventSource, FunctionSpec


def _table(*specs: tuple[str, str, str]) -> RouteTable:
    return RouteTable([Route("Api", path, method, function, None, False) for path, method, function in specs])


def _api(responses: dict) -> ApiRuntime:
    return ApiRuntime("Api", "abc123", "v1", "AUTHORIZER", responses, [], {})


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_literal_segment_beats_path_parameter() -> None:
    # Given /items/{id} and /items/new
    table = _table(("/v1/items/{id}", "GET", "Get"), ("/v1/items/new", "GET", "New"))
    # When /v1/items/new is matched
    # Then the literal resource wins
    assert table.match("/v1/items/new") == ("/v1/items/new", {})


def test_path_parameter_beats_greedy_proxy() -> None:
    # Given /files/{name} and /files/{proxy+}
    table = _table(("/v1/files/{name}", "GET", "One"), ("/v1/files/{proxy+}", "GET", "Many"))
    # When one and two segments are matched
    # Then one segment takes {name}, more take {proxy+}
    assert table.match("/v1/files/a") == ("/v1/files/{name}", {"name": "a"})
    assert table.match("/v1/files/a/b%2Fc") == ("/v1/files/{proxy+}", {"proxy": "a/b/c"})


def test_path_parameters_are_url_decoded() -> None:
    # Given a resource with a parameter
    table = _table(("/v1/items/{id}", "GET", "Get"))
    # When the path has percent-escapes
    # Then the parameter is decoded
    assert table.match("/v1/items/a%20b%23c") == ("/v1/items/{id}", {"id": "a b#c"})


def test_explicit_method_beats_any_and_any_covers_the_rest() -> None:
    # Given GET and ANY on one resource
    table = _table(("/v1/x", "GET", "Get"), ("/v1/x", "ANY", "Any"))
    # When GET and DELETE are looked up
    # Then GET is explicit and DELETE falls to ANY
    assert table.method("/v1/x", "GET").function == "Get"
    assert table.method("/v1/x", "DELETE").function == "Any"


def test_unknown_path_matches_nothing() -> None:
    # Given one resource
    table = _table(("/v1/x", "GET", "Get"))
    # When another path is matched
    # Then there is no resource (the gateway answers MISSING_AUTHENTICATION_TOKEN)
    assert table.match("/v1/y") is None


def test_explicit_deny_wins_over_allow() -> None:
    # Given a policy that allows everything and denies one method
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/v1/x"
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:*:*:abc/v1/*",
            },
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": [arn]},
        ]
    }
    # When the denied method is evaluated
    # Then it is denied
    assert policy_effect(policy, arn) == "Deny"


def test_policy_that_does_not_cover_the_method_allows_nothing() -> None:
    # Given a policy for another method
    policy = {
        "Statement": {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/v1/POST/*",
        }
    }
    # When GET is evaluated
    # Then there is no allow
    assert policy_effect(policy, "arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/v1/x") is None


def test_gateway_response_renders_template_and_header_expressions() -> None:
    # Given a template response with $context values, a context header and a static header
    api = _api(
        {
            "THROTTLED": {
                "StatusCode": "429",
                "ResponseParameters": {"Headers": {"X-Request-Id": "context.requestId", "Retry-After": "'1'"}},
                "ResponseTemplates": {
                    "application/json": '{"id":"$context.requestId","m":$context.error.messageString}'
                },
            }
        }
    )
    # When THROTTLED is rendered
    response = render_gateway_response(api, GatewayError("THROTTLED"), {"requestId": "req-1"})
    # Then status, body and headers come from the template
    assert response.status == 429
    assert json.loads(response.body) == {"id": "req-1", "m": "Too Many Requests"}
    assert response.header("X-Request-Id") == "req-1"
    assert response.header("Retry-After") == "1"


def test_computed_retry_after_replaces_the_templates_value() -> None:
    # Given a template Retry-After of '1' and a computed wait of 3 s
    api = _api({"THROTTLED": {"ResponseParameters": {"Headers": {"Retry-After": "'1'"}}}})
    # When rendered
    response = render_gateway_response(api, GatewayError("THROTTLED", headers={"Retry-After": "3"}), {})
    # Then the computed value is sent
    assert response.header("Retry-After") == "3"


def test_uncustomised_type_falls_back_to_default_4xx_with_its_own_status() -> None:
    # Given only DEFAULT_4XX is customised
    api = _api({"DEFAULT_4XX": {"ResponseTemplates": {"application/json": '{"t":"$context.error.responseType"}'}}})
    # When INVALID_API_KEY is rendered
    response = render_gateway_response(api, GatewayError("INVALID_API_KEY"), {})
    # Then API Gateway's status for the type is kept, with DEFAULT_4XX's body
    assert response.status == 403
    assert json.loads(response.body) == {"t": "INVALID_API_KEY"}


def test_method_request_header_expression_copies_the_request_header() -> None:
    # Given a header mapped from the request
    api = _api({"UNAUTHORIZED": {"ResponseParameters": {"Headers": {"X-Echo": "method.request.header.X-In"}}}})
    request = HttpRequest("GET", "/", "", [("X-In", "hello")], b"")
    # When rendered for that request
    response = render_gateway_response(api, GatewayError("UNAUTHORIZED"), {}, request)
    # Then the value is copied
    assert response.header("X-Echo") == "hello"


def test_token_bucket_allows_burst_then_refills_at_rate() -> None:
    # Given a bucket of 2 refilling 1/s
    bucket = TokenBucket(rate=1, capacity=2, now=0)
    # When 3 requests come at once, and one more a second later
    # Then the third waits about a second and the fourth is admitted
    assert bucket.take(0) == 0 and bucket.take(0) == 0
    assert 0.9 < bucket.take(0.05) <= 1.0
    assert bucket.take(1.05) == 0


def _key(key_id: str, quota: int | None = 2, rate: float | None = 100, burst: int | None = 100) -> KeyInfo:
    return KeyInfo(key_id, "v", Plan("p", "plan", rate, burst, quota, "MONTH"))


def test_quota_counts_admitted_requests_per_key_and_month() -> None:
    # Given a quota of 2 per month
    wall = datetime(2025, 1, 31, 23, 0, tzinfo=UTC)
    limiter = UsageLimiter(monotonic=_Clock(), wall=lambda: wall)
    # When key a makes 3 requests and key b one
    verdicts = [limiter.check(_key("a"))[0] for _ in range(3)]
    # Then a's third is refused and b is unaffected
    assert verdicts == [Verdict.ADMITTED, Verdict.ADMITTED, Verdict.QUOTA_EXCEEDED]
    assert limiter.check(_key("b"))[0] == Verdict.ADMITTED


def test_quota_resets_with_the_calendar_month() -> None:
    # Given a key that spent its quota in January
    moments = [datetime(2025, 1, 31, 23, 59, tzinfo=UTC)]
    limiter = UsageLimiter(monotonic=_Clock(), wall=lambda: moments[0])
    limiter.check(_key("a", quota=1))
    assert limiter.check(_key("a", quota=1))[0] == Verdict.QUOTA_EXCEEDED
    # When February starts (UTC)
    moments[0] = datetime(2025, 2, 1, 0, 0, tzinfo=UTC)
    # Then it is admitted again
    assert limiter.check(_key("a", quota=1))[0] == Verdict.ADMITTED


def test_throttled_requests_do_not_count_against_the_quota() -> None:
    # Given a burst of 1 and a quota of 5
    clock = _Clock()
    limiter = UsageLimiter(monotonic=clock, wall=lambda: datetime(2025, 3, 3, tzinfo=UTC))
    key = _key("a", quota=5, rate=1, burst=1)
    # When two requests come at once
    first, second = limiter.check(key), limiter.check(key)
    # Then the second is throttled and only one is counted
    assert first[0] == Verdict.ADMITTED and second[0] == Verdict.THROTTLED and second[1] > 0
    assert limiter.export() == {"a": {"2025-03": 1}}


def test_quota_periods_are_utc_calendar_periods() -> None:
    # Given a Wednesday
    moment = datetime(2025, 3, 5, 12, tzinfo=UTC)
    # When period keys are made
    # Then day, ISO week (from Monday) and month are distinct
    assert quota_period_key("DAY", moment) == "2025-03-05"
    assert quota_period_key("WEEK", moment) == "W2025-03-03"
    assert quota_period_key("MONTH", moment) == "2025-03"


class _AsWritten:
    """A resolver for properties without intrinsics."""

    def resolve(self, value: object) -> object:
        return value


def _schedule(expression: str, **properties: object) -> ScheduleSource:
    spec = FunctionSpec("TickFunction", "tick", Path("."), "tick.handler", 3, 128, {}, [], {})
    event = EventSource("Tick", "Schedule", {"Schedule": expression, **properties})
    return ScheduleSource(None, spec, event, _AsWritten(), lambda: None)  # type: ignore[arg-type]


def test_rate_schedule_first_runs_one_interval_after_start_then_every_interval() -> None:
    # Given a rate(5 minutes) schedule that has just started
    source = _schedule("rate(5 minutes)")
    started = source.started
    # When the schedule loop looks before, at and after its due time
    # Then it is due once an interval has passed, and next at the following multiple of the interval
    assert source.next_run == started + timedelta(minutes=5)
    assert source.due(started + timedelta(minutes=4)) is False
    assert source.due(started + timedelta(minutes=5, seconds=1)) is True
    assert source.next_run == started + timedelta(minutes=10)


def test_cron_finds_the_next_matching_minute() -> None:
    # Given "12:00 UTC on weekdays", as the runtime parses it
    cron = parse_schedule_expression("cron(0 12 ? * MON-FRI *)")
    # When asked after Friday 13:00
    # Then the next run is Monday 12:00
    assert cron.next_after(datetime(2025, 3, 7, 13, 0, tzinfo=UTC)) == datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def test_cron_schedule_with_nth_weekday_is_scheduled() -> None:
    # Given "09:00 UTC on the first Monday of the month" (`#`, not supported by the old local parser)
    source = _schedule("cron(0 9 ? * 2#1 *)")
    # When the runtime schedules it
    # Then its next run is a Monday in the first week, at 09:00 UTC
    assert source.next_run is not None
    assert (source.next_run.weekday(), source.next_run.hour, source.next_run.minute) == (0, 9, 0)
    assert source.next_run.day <= 7


def test_disabled_schedule_is_never_due() -> None:
    # Given a schedule with Enabled: false
    source = _schedule("rate(1 minute)", Enabled=False)
    # When the schedule loop looks long after its time
    # Then it does not run
    assert source.due(source.started + timedelta(days=1)) is False


def test_invalid_schedule_only_runs_when_triggered(caplog: pytest.LogCaptureFixture) -> None:
    # Given a rate EventBridge refuses (plural unit with 1)
    with caplog.at_level(logging.WARNING, logger="local.events"):
        source = _schedule("rate(1 minutes)")
    # When the runtime reads it
    # Then it says why and never schedules it
    assert "TickFunction.Tick: schedule: 'rate(1 minutes)'" in caplog.text
    assert source.next_run is None
    assert source.due(source.started + timedelta(days=1)) is False


def test_filter_patterns_match_nested_values_with_operators() -> None:
    # Given a stream record and filters on it
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "ITEM#1"}}}}
    # When patterns are applied
    # Then prefix, exact values, anything-but and exists behave as in Lambda's event filtering
    assert pattern_matches({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "ITEM#"}]}}}}, record)
    assert pattern_matches({"eventName": ["INSERT", "MODIFY"]}, record)
    assert not pattern_matches({"eventName": [{"anything-but": "INSERT"}]}, record)
    assert pattern_matches({"userIdentity": [{"exists": False}]}, record)
