"""Webhooks over HTTP through the local runtime, delivered to a receiver on loopback (API.md §7, issue 11's "Done
when"): every event type arrives signed per Standard Webhooks (verified with the `standardwebhooks` package), a
failed attempt is retried with the same event id and logged, replay, secret rotation, disabling, subscriptions
CRUD, cross-user isolation, session-only routes and unsafe URLs."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError
from tests.fakes.fake_provider import FakeProviderServer

ALL_EVENTS = [
    "prompt.created",
    "prompt.version_created",
    "prompt.label_moved",
    "prompt.deleted",
    "eval_run.completed",
    "eval_run.regressed",
]
WEBHOOK_FIELDS = {"id", "url", "events", "description", "enabled", "disabled_reason", "created_at", "updated_at"}
DELIVERY_FIELDS = {
    "id",
    "webhook_id",
    "event_id",
    "event_type",
    "status",
    "attempts",
    "response_status",
    "next_attempt_at",
    "created_at",
}
# The fake provider answers "echo: <user message>": with "Say {{word}}" the output holds the word, so a case
# expecting the word passes and one expecting anything else fails.
PASSING = [{"name": "apple", "inputs": {"word": "apple"}, "expected_output": "apple"}]
FAILING = [{"name": "cherry", "inputs": {"word": "cherry"}, "expected_output": "kiwi"}]


# -- the receiver ---------------------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Records every POST (lower-cased headers, raw body, the status it answered) and answers from `script` (one
    status per request, in order), then 200."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: str) -> int:
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            self.received.append(Received(headers, body, status))
        return status

    def of_type(self, event_type: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.event["type"] == event_type]

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            status = state.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/{uuid.uuid4().hex[:8]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# -- helpers --------------------------------------------------------------------------------------------------


def _drain(runtime: Any, *, timeout_s: float = 90.0, strict: bool = True) -> None:
    """Deliver everything pending. Strict (what "nothing arrived" rests on): the drain must have completed; the
    runtime's last log lines say why when it did not (a stream batch retried without end, a busy poller)."""
    reply = httpx.post(f"{runtime.base_url}/__local/drain", params={"timeout": timeout_s}, timeout=timeout_s + 30)
    assert reply.status_code == 200, reply.text
    if strict:
        assert reply.json()["complete"] is True, (reply.text, runtime.stderr()[-4000:])


def _await(runtime: Any, ready: Callable[[], bool], timeout_s: float = 90.0) -> None:
    """Drain until `ready()`: the receiver is the evidence, so a drain cut short on a loaded machine only means
    draining again (the background pollers deliver too)."""
    deadline = time.monotonic() + timeout_s
    while True:
        _drain(runtime, timeout_s=20, strict=False)
        if ready():
            return
        assert time.monotonic() < deadline, ("timed out waiting for a delivery", runtime.stderr()[-4000:])
        time.sleep(0.3)


def _hook(
    api: httpx.Client, user: dict[str, Any], receiver: Receiver, events: list[str], **fields: Any
) -> tuple[dict[str, Any], str]:
    reply = api.post("/v1/webhooks", headers=user["headers"], json={"url": receiver.url, "events": events, **fields})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    return body["webhook"], body["secret"]


def _prompt(api: httpx.Client, user: dict[str, Any], content: str = "Say {{word}}", **fields: Any) -> dict[str, Any]:
    body = {"name": f"Hooked {uuid.uuid4().hex[:6]}", "content": content, **fields}
    reply = api.post("/v1/prompts", headers=user["headers"], json=body)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _deliveries(api: httpx.Client, user: dict[str, Any], webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=user["headers"], params=params)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"])


def _verified(received: Received, secret: str) -> dict[str, Any]:
    """The event, once its signature verifies with `secret` (the package also checks the timestamp is recent)."""
    event = Verifier(secret).verify(received.body, received.headers)
    assert isinstance(event, dict)
    assert received.headers["webhook-id"] == event["id"], received.headers
    assert received.headers["content-type"].startswith("application/json")
    return dict(event)


# -- each event type arrives signed ---------------------------------------------------------------------------


def test_prompt_created_arrives_signed_with_the_prompt(api, runtime, new_user, receiver):
    # Given a webhook subscribed to prompt.created
    user = new_user()
    webhook, secret = _hook(api, user, receiver, ["prompt.created"])
    # When a prompt is created
    prompt = _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    # Then one prompt.created arrives, which verifies with the webhook's secret and names the prompt at version 1
    [arrival] = receiver.received
    event = _verified(arrival, secret)
    assert event["type"] == "prompt.created" and event["id"].startswith("evt_")
    assert event["data"]["prompt_id"] == prompt["id"]
    assert (event["data"]["slug"], event["data"]["name"], event["data"]["version"]) == (
        prompt["slug"],
        prompt["name"],
        1,
    )
    assert abs(int(arrival.headers["webhook-timestamp"]) - time.time()) < 120
    # And another secret does not verify it (the check can fail)
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 43 + "=").verify(arrival.body, arrival.headers)
    # And the log shows the delivery succeeded in one attempt
    [delivery] = _deliveries(api, user, webhook["id"])
    assert set(delivery) == DELIVERY_FIELDS
    assert (delivery["event_id"], delivery["event_type"], delivery["status"]) == (
        event["id"],
        "prompt.created",
        "succeeded",
    )
    assert [a["response_status"] for a in delivery["attempts"]] == [200]


def test_prompt_version_created_arrives_for_a_patched_content(api, runtime, new_user, receiver):
    # Given a webhook subscribed to prompt.version_created, and a prompt (whose version 1 is announced)
    user = new_user()
    _, secret = _hook(api, user, receiver, ["prompt.version_created"])
    prompt = _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    # When its content is changed
    reply = api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "Say {{word}} twice"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["latest_version"] == 2
    _await(runtime, lambda: receiver.count() >= 2)
    # Then versions 1 and 2 each arrived once, signed
    events = [_verified(r, secret) for r in receiver.received]
    assert {e["type"] for e in events} == {"prompt.version_created"}
    assert sorted((e["data"]["prompt_id"], e["data"]["version"]) for e in events) == [
        (prompt["id"], 1),
        (prompt["id"], 2),
    ]
    assert len({e["id"] for e in events}) == 2


def test_prompt_label_moved_arrives_with_the_label_and_both_versions(api, runtime, new_user, receiver):
    # Given a webhook subscribed to prompt.label_moved, and a published prompt (latest and production at 1)
    user = new_user()
    _, secret = _hook(api, user, receiver, ["prompt.label_moved"])
    prompt = _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 2)
    created = sorted(
        (e["data"]["label"], e["data"]["from_version"], e["data"]["to_version"])
        for e in (_verified(r, secret) for r in receiver.received)
    )
    assert created == [("latest", None, 1), ("production", None, 1)]
    # And a second version saved without publishing it (latest moves to 2)
    reply = api.patch(
        f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "Say {{word}} now", "publish": False}
    )
    assert reply.status_code == 200, reply.text
    _await(runtime, lambda: receiver.count() >= 3)
    # When version 2 is published and staging is put on version 1
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={"version": 2}).is_success
    _await(runtime, lambda: receiver.count() >= 4)
    reply = api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"], json={"version": 1})
    assert reply.status_code == 200, reply.text
    _await(runtime, lambda: receiver.count() >= 5)
    # Then each move arrived once, signed, with its label, where it was and where it is now
    events = [_verified(r, secret) for r in receiver.received[2:]]
    assert {e["type"] for e in events} == {"prompt.label_moved"}
    assert [(e["data"]["label"], e["data"]["from_version"], e["data"]["to_version"]) for e in events] == [
        ("latest", 1, 2),
        ("production", 1, 2),
        ("staging", None, 1),
    ]
    assert all(e["data"]["prompt_id"] == prompt["id"] for e in events)


def test_prompt_deleted_arrives_when_the_prompt_is_deleted(api, runtime, new_user, receiver):
    # Given a webhook subscribed to prompt.deleted only, and a prompt
    user = new_user()
    _, secret = _hook(api, user, receiver, ["prompt.deleted"])
    prompt = _prompt(api, user)
    _drain(runtime)
    assert receiver.count() == 0  # its creation is not subscribed to
    # When the prompt is deleted
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).status_code == 204
    _await(runtime, lambda: receiver.count() >= 1)
    # Then one prompt.deleted arrives, signed, naming it
    [arrival] = receiver.received
    event = _verified(arrival, secret)
    assert event["type"] == "prompt.deleted"
    assert (event["data"]["prompt_id"], event["data"]["slug"]) == (prompt["id"], prompt["slug"])


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def evaluator(api: httpx.Client, new_user: Any, fake: FakeProviderServer) -> dict[str, Any]:
    """A user whose deepseek key (the suites' default model) points at the fake provider."""
    fake.reset()
    user = new_user()
    reply = api.put(
        "/v1/provider-keys/deepseek",
        headers=user["headers"],
        json={"api_key": "sk-e2e-0123456789", "base_url": fake.deepseek_base},
    )
    assert reply.status_code == 200, reply.text
    return user


def _suite_run(api: httpx.Client, user: dict[str, Any], cases: list[dict[str, Any]], **fields: Any) -> str:
    prompt = _prompt(api, user)
    body = {"name": "Hooked suite", "prompt_ref": prompt["id"], "test_cases": cases, **fields}
    suite = api.post("/v1/eval-suites", headers=user["headers"], json=body)
    assert suite.status_code == 201, suite.text
    run = api.post(f"/v1/eval-suites/{suite.json()['id']}/runs", headers=user["headers"])
    assert run.status_code == 202, run.text
    return str(run.json()["id"])


def test_a_finished_suite_run_arrives_as_eval_run_completed_only(api, runtime, evaluator, receiver):
    # Given a webhook subscribed to both run events
    _, secret = _hook(api, evaluator, receiver, ["eval_run.completed", "eval_run.regressed"])
    # When a suite run that passes (no minimum, no previous run) finishes
    run_id = _suite_run(api, evaluator, PASSING)
    _await(runtime, lambda: receiver.count() >= 1)
    _drain(runtime)
    # Then eval_run.completed arrives, signed, with the run; and no eval_run.regressed
    [arrival] = receiver.received
    event = _verified(arrival, secret)
    assert event["type"] == "eval_run.completed"
    run = event["data"]["run"]
    assert (run["id"], run["status"], run["regressed"]) == (run_id, "succeeded", False)
    assert run["summary"]["pass_rate"] == 1.0


def test_a_regressed_suite_run_arrives_as_completed_and_regressed(api, runtime, evaluator, receiver):
    # Given a webhook subscribed to both run events
    _, secret = _hook(api, evaluator, receiver, ["eval_run.completed", "eval_run.regressed"])
    # When a suite run finishes below its minimum pass rate
    run_id = _suite_run(api, evaluator, [*PASSING, *FAILING], min_pass_rate=0.8)
    _await(runtime, lambda: receiver.count() >= 2)
    # Then both events arrive, signed, about the same run, with distinct event ids
    events = {e["type"]: e for e in (_verified(r, secret) for r in receiver.received)}
    assert set(events) == {"eval_run.completed", "eval_run.regressed"}
    for event in events.values():
        assert (event["data"]["run"]["id"], event["data"]["run"]["regressed"]) == (run_id, True)
    assert events["eval_run.completed"]["id"] != events["eval_run.regressed"]["id"]


def test_a_test_event_arrives_signed_and_is_logged(api, runtime, new_user, receiver):
    # Given a webhook (subscribed to something else)
    user = new_user()
    webhook, secret = _hook(api, user, receiver, ["prompt.deleted"])
    # When a test event is asked for
    reply = api.post(f"/v1/webhooks/{webhook['id']}/test", headers=user["headers"])
    # Then 202 with the pending delivery of a webhook.test event
    assert reply.status_code == 202, reply.text
    delivery = reply.json()
    assert set(delivery) == DELIVERY_FIELDS
    assert (delivery["event_type"], delivery["status"], delivery["attempts"]) == ("webhook.test", "pending", [])
    # And it arrives, signed, with that event id
    _await(runtime, lambda: receiver.count() >= 1)
    [arrival] = receiver.received
    event = _verified(arrival, secret)
    assert (event["id"], event["type"]) == (delivery["event_id"], "webhook.test")
    assert event["data"]["webhook_id"] == webhook["id"]
    # And the log shows it succeeded
    [logged] = _deliveries(api, user, webhook["id"])
    assert (logged["id"], logged["status"], logged["response_status"]) == (delivery["id"], "succeeded", 200)


# -- retries, replay, rotation, disabling ---------------------------------------------------------------------


def test_a_500_is_retried_with_the_same_event_id_and_both_attempts_are_logged(api, runtime, new_user, receiver):
    # Given a webhook whose receiver answers 500 once, then 200
    user = new_user()
    webhook, secret = _hook(api, user, receiver, ["prompt.created"])
    receiver.script = [500]
    # When an event is sent
    _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    first_at = time.monotonic()
    # Then it arrives again, within a minute, with the same event id, and both attempts verify
    time.sleep(6)
    _await(runtime, lambda: receiver.count() >= 2, timeout_s=60)
    assert time.monotonic() - first_at < 60
    assert [r.status for r in receiver.received] == [500, 200]
    first, second = (_verified(r, secret) for r in receiver.received)
    assert first == second and first["type"] == "prompt.created"
    assert receiver.received[0].body == receiver.received[1].body
    # And the log shows both attempts and the success
    [delivery] = _deliveries(api, user, webhook["id"])
    assert (delivery["event_id"], delivery["status"], delivery["response_status"]) == (first["id"], "succeeded", 200)
    assert [(a["response_status"], a["error"] is None) for a in delivery["attempts"]] == [(500, False), (200, True)]
    assert delivery["next_attempt_at"] is None
    assert all(a["duration_ms"] is not None and a["duration_ms"] >= 0 for a in delivery["attempts"])


def test_retrying_a_delivery_sends_the_same_event_again(api, runtime, new_user, receiver):
    # Given a delivered event
    user = new_user()
    webhook, secret = _hook(api, user, receiver, ["prompt.created"])
    _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    [delivery] = _deliveries(api, user, webhook["id"])
    assert delivery["status"] == "succeeded"
    # When it is retried
    reply = api.post(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/retry", headers=user["headers"])
    # Then 202 with the delivery pending again, and the same event arrives again with the same webhook-id
    assert reply.status_code == 202, reply.text
    assert (reply.json()["id"], reply.json()["event_id"], reply.json()["status"]) == (
        delivery["id"],
        delivery["event_id"],
        "pending",
    )
    _await(runtime, lambda: receiver.count() >= 2)
    assert receiver.ids() == [delivery["event_id"]] * 2
    assert all(_verified(r, secret)["id"] == delivery["event_id"] for r in receiver.received)
    # And the log shows two attempts
    [after] = _deliveries(api, user, webhook["id"])
    assert after["status"] == "succeeded" and len(after["attempts"]) == 2


def test_after_rotation_deliveries_verify_with_the_new_and_the_old_secret(api, runtime, new_user, receiver):
    # Given a webhook and its secret
    user = new_user()
    webhook, old = _hook(api, user, receiver, ["prompt.created"])
    # When its secret is rotated
    reply = api.post(f"/v1/webhooks/{webhook['id']}/rotate-secret", headers=user["headers"])
    assert reply.status_code == 200, reply.text
    new = reply.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert reply.json()["webhook"]["id"] == webhook["id"]
    # Then the next delivery carries two signatures and verifies with either secret
    _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    [arrival] = receiver.received
    assert len(arrival.headers["webhook-signature"].split(" ")) == 2
    assert _verified(arrival, new) == _verified(arrival, old)


def test_a_disabled_webhook_receives_nothing(api, runtime, new_user, receiver):
    # Given a webhook turned off
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ALL_EVENTS)
    reply = api.patch(f"/v1/webhooks/{webhook['id']}", headers=user["headers"], json={"enabled": False})
    assert reply.status_code == 200, reply.text
    assert (reply.json()["enabled"], reply.json()["disabled_reason"]) == (False, None)
    # When its events happen
    prompt = _prompt(api, user)
    api.delete(f"/v1/prompts/{prompt['id']}", headers=user["headers"])
    _drain(runtime)
    # Then nothing arrives and nothing is logged
    assert receiver.count() == 0
    assert _deliveries(api, user, webhook["id"]) == []
    # And once turned back on, the next event does arrive
    assert api.patch(f"/v1/webhooks/{webhook['id']}", headers=user["headers"], json={"enabled": True}).is_success
    _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)


def test_a_410_disables_the_webhook(api, runtime, new_user, receiver):
    # Given a webhook whose receiver answers 410 Gone
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ["prompt.created"])
    receiver.script = [410]
    # When an event is sent
    _prompt(api, user)
    _await(runtime, lambda: receiver.count() >= 1)
    _drain(runtime)
    # Then the webhook is disabled, saying why, and the delivery failed after that one attempt
    got = api.get(f"/v1/webhooks/{webhook['id']}", headers=user["headers"]).json()
    assert got["enabled"] is False
    assert got["disabled_reason"] and "410" in got["disabled_reason"]
    [delivery] = _deliveries(api, user, webhook["id"])
    assert (delivery["status"], delivery["response_status"], delivery["next_attempt_at"]) == ("failed", 410, None)
    assert len(delivery["attempts"]) == 1
    # And later events no longer arrive
    _prompt(api, user)
    _drain(runtime)
    assert receiver.count() == 1


# -- who gets what --------------------------------------------------------------------------------------------


def test_unsubscribed_events_never_arrive(api, runtime, new_user, receiver):
    # Given a webhook subscribed to prompt.deleted only
    user = new_user()
    _hook(api, user, receiver, ["prompt.deleted"])
    # When a prompt is created, changed, published and labelled
    prompt = _prompt(api, user, publish=False)
    api.patch(f"/v1/prompts/{prompt['id']}", headers=user["headers"], json={"content": "Say {{word}} again"})
    api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={"version": 1})
    api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=user["headers"], json={"version": 2})
    _drain(runtime)
    # Then nothing arrived
    assert receiver.count() == 0
    # And its deletion, the one subscribed event, does
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=user["headers"]).status_code == 204
    _await(runtime, lambda: receiver.count() >= 1)
    assert [r.event["type"] for r in receiver.received] == ["prompt.deleted"]


def test_other_users_events_never_arrive(api, runtime, new_user, receiver):
    # Given a webhook of one user subscribed to every prompt event
    owner, other = new_user(), new_user()
    _hook(api, owner, receiver, ALL_EVENTS)
    # When another user creates, changes, publishes and deletes a public prompt
    prompt = _prompt(api, other, is_public=True)
    api.patch(f"/v1/prompts/{prompt['id']}", headers=other["headers"], json={"content": "Say {{word}} again"})
    api.put(f"/v1/prompts/{prompt['id']}/labels/staging", headers=other["headers"], json={"version": 1})
    assert api.delete(f"/v1/prompts/{prompt['id']}", headers=other["headers"]).status_code == 204
    _drain(runtime)
    # Then nothing arrived for the first user
    assert receiver.count() == 0
    # And the first user's own prompt does produce events
    mine = _prompt(api, owner)
    _await(runtime, lambda: receiver.count() >= 1)
    assert {r.event["data"]["prompt_id"] for r in receiver.received} == {mine["id"]}


def test_each_event_reaches_the_receiver_once_and_a_repeated_change_makes_none(api, runtime, new_user, receiver):
    # Given a webhook subscribed to every event, and a prompt whose events have all arrived
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ALL_EVENTS)
    prompt = _prompt(api, user)
    # created, version 1, latest and production labels
    _await(runtime, lambda: receiver.count() >= 4)
    # When the stream and queues are delivered again, after a retry's delay, and the same publish is made again
    # (production already at 1, latest already at 1: the same state, so the same events if any)
    time.sleep(6)
    _drain(runtime)
    assert api.post(f"/v1/prompts/{prompt['id']}/publish", headers=user["headers"], json={"version": 1}).is_success
    reply = api.put(f"/v1/prompts/{prompt['id']}/labels/production", headers=user["headers"], json={"version": 1})
    assert reply.status_code == 200, reply.text
    _drain(runtime)
    # Then each event arrived exactly once
    ids = receiver.ids()
    assert len(ids) == 4 and len(set(ids)) == 4, ids
    assert sorted(r.event["type"] for r in receiver.received) == [
        "prompt.created",
        "prompt.label_moved",
        "prompt.label_moved",
        "prompt.version_created",
    ]
    # And the log has one delivery per event, each with one attempt
    logged = _deliveries(api, user, webhook["id"])
    assert sorted(d["event_id"] for d in logged) == sorted(ids)
    assert all(len(d["attempts"]) == 1 and d["status"] == "succeeded" for d in logged), logged


# -- subscriptions --------------------------------------------------------------------------------------------


def test_list_and_get_show_webhooks_without_their_secret(api, new_user, receiver):
    # Given two webhooks
    user = new_user()
    first, first_secret = _hook(api, user, receiver, ["prompt.created"], description="deploys")
    time.sleep(0.01)
    second, second_secret = _hook(api, user, receiver, ALL_EVENTS)
    # When they are listed and read
    listed = api.get("/v1/webhooks", headers=user["headers"])
    got = api.get(f"/v1/webhooks/{first['id']}", headers=user["headers"])
    # Then the list holds both, newest first, and the get the webhook as created; neither shows a secret
    assert listed.status_code == 200 and got.status_code == 200, (listed.text, got.text)
    assert [w["id"] for w in listed.json()["data"]] == [second["id"], first["id"]]
    assert got.json() == first and set(first) == WEBHOOK_FIELDS
    assert (first["url"], first["events"], first["description"]) == (receiver.url, ["prompt.created"], "deploys")
    assert (first["enabled"], first["disabled_reason"]) == (True, None)
    for reply in (listed, got):
        assert first_secret not in reply.text and second_secret not in reply.text
        assert "whsec_" not in reply.text


def test_patch_changes_url_events_and_description(api, new_user, receiver):
    # Given a webhook
    user = new_user()
    webhook, secret = _hook(api, user, receiver, ["prompt.created"], description="old")
    # When its URL, events and description are changed
    url = receiver.url + "/v2?team=1"
    change = {"url": url, "events": ["prompt.deleted", "eval_run.regressed"], "description": "new"}
    reply = api.patch(f"/v1/webhooks/{webhook['id']}", headers=user["headers"], json=change)
    # Then the webhook has them, and a get agrees
    assert reply.status_code == 200, reply.text
    patched = reply.json()
    assert (patched["url"], patched["events"], patched["description"]) == (url, change["events"], "new")
    assert patched["updated_at"] >= webhook["updated_at"] and patched["created_at"] == webhook["created_at"]
    assert api.get(f"/v1/webhooks/{webhook['id']}", headers=user["headers"]).json() == patched
    assert secret not in reply.text
    # And description null clears it
    cleared = api.patch(f"/v1/webhooks/{webhook['id']}", headers=user["headers"], json={"description": None})
    assert cleared.status_code == 200 and cleared.json()["description"] is None, cleared.text


def test_delete_is_a_204_then_the_webhook_is_gone(api, new_user, receiver):
    # Given a webhook
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ["prompt.created"])
    # When it is deleted
    reply = api.delete(f"/v1/webhooks/{webhook['id']}", headers=user["headers"])
    # Then 204, and it is 404 and no longer listed
    assert reply.status_code == 204, reply.text
    gone = api.get(f"/v1/webhooks/{webhook['id']}", headers=user["headers"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "NOT_FOUND"
    assert api.get("/v1/webhooks", headers=user["headers"]).json()["data"] == []
    assert api.delete(f"/v1/webhooks/{webhook['id']}", headers=user["headers"]).status_code == 404


def test_a_replayed_create_does_not_show_the_secret_again(api, new_user, receiver):
    # Given a webhook created with an Idempotency-Key
    user = new_user()
    headers = {**user["headers"], "Idempotency-Key": str(uuid.uuid4())}
    body = {"url": receiver.url, "events": ["prompt.created"]}
    first = api.post("/v1/webhooks", headers=headers, json=body)
    assert first.status_code == 201, first.text
    secret = first.json()["secret"]
    # When the same request is sent again
    replay = api.post("/v1/webhooks", headers=headers, json=body)
    # Then the same status and webhook come back without the secret, saying so, and there is one webhook
    assert replay.status_code == 201, replay.text
    assert replay.json() == {"webhook": first.json()["webhook"], "omitted_secrets": ["secret"]}
    assert secret not in replay.text
    assert [w["id"] for w in api.get("/v1/webhooks", headers=user["headers"]).json()["data"]] == [
        first.json()["webhook"]["id"]
    ]


BAD_CREATES = [
    ({"events": []}, "events"),
    ({"events": ["prompt.renamed"]}, "events.0"),
    ({"events": ["webhook.test"]}, "events.0"),
    ({"url": "http://example.com/hooks"}, "url"),
    ({"url": "https://10.0.0.1/x"}, "url"),
    ({"url": "https://169.254.169.254/latest"}, "url"),
    ({"url": "https://[::ffff:169.254.169.254]/latest"}, "url"),
    ({"url": "https://2852039166/latest"}, "url"),
    ({"url": "https://0xA9FEA9FE/latest"}, "url"),
    ({"url": "http://127.0.0.1:9/hooks#part"}, "url"),
    ({"url": "ftp://127.0.0.1/hooks"}, "url"),
    ({"url": "http://user:pw@127.0.0.1:9/hooks"}, "url"),
    ({"description": "x" * 201}, "description"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(
    ("change", "field_name"),
    BAD_CREATES,
    ids=[
        "no-events",
        "unknown-event",
        "test-event",
        "http-not-loopback",
        "private",
        "metadata",
        "metadata-ipv4-mapped",
        "metadata-decimal",
        "metadata-hex",
        "fragment",
        "ftp",
        "credentials",
        "long-description",
        "unknown-field",
    ],
)
def test_a_bad_webhook_is_a_400_naming_the_field(api, new_user, change, field_name):
    # Given a user
    user = new_user()
    # When a webhook with one bad field is created
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["prompt.created"], **change}
    reply = api.post("/v1/webhooks", headers=user["headers"], json=body)
    # Then 400 VALIDATION_ERROR naming the field, and no webhook was made
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field_name in [detail["field"] for detail in error["details"]], error
    assert api.get("/v1/webhooks", headers=user["headers"]).json()["data"] == []


@pytest.mark.parametrize("url", ["https://169.254.169.254/latest", "https://10.0.0.1/x", "http://example.com/x"])
def test_patching_to_an_unsafe_url_is_a_400_and_changes_nothing(api, new_user, receiver, url):
    # Given a webhook
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ["prompt.created"])
    # When its URL is changed to an unsafe one
    reply = api.patch(f"/v1/webhooks/{webhook['id']}", headers=user["headers"], json={"url": url})
    # Then 400 on url, and the webhook is unchanged
    assert reply.status_code == 400, reply.text
    assert "url" in [detail["field"] for detail in reply.json()["error"]["details"]]
    assert api.get(f"/v1/webhooks/{webhook['id']}", headers=user["headers"]).json() == webhook


def test_a_21st_webhook_is_a_400(api, new_user):
    # Given a user with 20 webhooks
    user = new_user()
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["prompt.deleted"]}
    for _ in range(20):
        reply = api.post("/v1/webhooks", headers=user["headers"], json=body)
        assert reply.status_code == 201, reply.text
    # When a 21st is created
    reply = api.post("/v1/webhooks", headers=user["headers"], json=body)
    # Then 400, and there are still 20
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "VALIDATION_ERROR"
    assert len(api.get("/v1/webhooks", headers=user["headers"]).json()["data"]) == 20


# -- session only, owner only ---------------------------------------------------------------------------------


def _routes(webhook_id: str, delivery_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/v1/webhooks/{webhook_id}"
    return [
        ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/hooks", "events": ["prompt.created"]}),
        ("GET", "/v1/webhooks", None),
        ("GET", base, None),
        ("PATCH", base, {"description": "taken"}),
        ("POST", f"{base}/rotate-secret", None),
        ("POST", f"{base}/test", None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery_id}/retry", None),
        ("DELETE", base, None),
    ]


@pytest.fixture
def hooked(api: httpx.Client, runtime: Any, new_user: Any, receiver: Receiver) -> dict[str, Any]:
    """A user with a webhook that has one delivered test event."""
    user = new_user()
    webhook, _ = _hook(api, user, receiver, ["prompt.created"], description="mine")
    delivery = api.post(f"/v1/webhooks/{webhook['id']}/test", headers=user["headers"])
    assert delivery.status_code == 202, delivery.text
    _await(runtime, lambda: receiver.count() >= 1)
    return {"user": user, "webhook": webhook, "delivery": delivery.json()}


def test_an_api_key_is_403_on_every_webhook_route(api, hooked):
    # Given the owner's full-access API key
    user, webhook = hooked["user"], hooked["webhook"]
    created = api.post("/v1/keys", headers=user["headers"], json={"name": "ci"})
    assert created.status_code == 201, created.text
    key = {"Authorization": f"Bearer {created.json()['raw_key']}"}
    assert api.get("/v1/prompts", headers=key).status_code == 200  # the key itself works
    # When it is used on every webhook route
    replies = [
        api.request(method, path, headers=key, json=body)
        for method, path, body in _routes(webhook["id"], hooked["delivery"]["id"])
    ]
    # Then each is a 403, and nothing changed
    assert [(r.status_code, r.json()["error"]["code"]) for r in replies] == [(403, "FORBIDDEN")] * len(replies)
    assert api.get("/v1/webhooks", headers=user["headers"]).json()["data"] == [webhook]


def test_another_users_webhook_is_404_on_every_route(api, new_user, hooked):
    # Given another user
    other = new_user()
    webhook = hooked["webhook"]
    # When they use every route of the first user's webhook
    replies = [
        api.request(method, path, headers=other["headers"], json=body)
        for method, path, body in _routes(webhook["id"], hooked["delivery"]["id"])[2:]
    ]
    # Then each is a 404, and the webhook and its log are unchanged
    assert [(r.status_code, r.json()["error"]["code"]) for r in replies] == [(404, "NOT_FOUND")] * len(replies)
    owner = hooked["user"]
    assert api.get(f"/v1/webhooks/{webhook['id']}", headers=owner["headers"]).json() == webhook
    assert len(_deliveries(api, owner, webhook["id"])) == 1
    # And their own list does not show it
    assert api.get("/v1/webhooks", headers=other["headers"]).json()["data"] == []


@pytest.mark.parametrize("delivery_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_retrying_an_unknown_delivery_is_a_404(api, hooked, delivery_id):
    # Given a webhook
    user, webhook = hooked["user"], hooked["webhook"]
    # When a delivery it does not have is retried
    reply = api.post(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery_id}/retry", headers=user["headers"])
    # Then 404
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "NOT_FOUND"
