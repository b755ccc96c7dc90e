"""WebhookService against moto (KMS included): subscriptions, their limit, URL re-checks, re-enabling, and the
secret rotation's 24 h overlap."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from promptbank.auth.principal import Principal
from promptbank.errors import Forbidden, NotFound, ValidationFailed
from promptbank.webhooks.models import WebhookUpdate
from promptbank.webhooks.signing import headers

from .conftest import Webhooks, principal


def test_create_returns_the_secret_once_and_stores_it_encrypted(wh: Webhooks, owner: Principal) -> None:
    # Given / When a webhook is created
    made = wh.create(owner, ["prompt.created"])

    # Then the answer has the webhook and a whsec_ secret, enabled; the item holds no plain secret
    assert made.secret.startswith("whsec_")
    assert made.webhook.enabled is True
    assert made.webhook.disabled_reason is None
    assert made.webhook.events == ["prompt.created"]
    stored = wh.webhook(made.webhook.id)
    assert made.secret not in repr(stored)
    assert wh.service.signing_secrets(stored, wh.clock()) == [made.secret]


def test_an_api_key_may_not_create_a_webhook(wh: Webhooks) -> None:
    key = Principal(
        user_id=principal().user_id, credential="api_key", environment="development", access="full", plan="free"
    )
    with pytest.raises(Forbidden):
        wh.create(key)


def test_the_21st_webhook_is_a_400(wh: Webhooks, owner: Principal) -> None:
    # Given a user with 20 webhooks
    for _ in range(20):
        wh.create(owner, ["prompt.created"])

    # When / Then the 21st is refused on `url`, and another user may still create one
    with pytest.raises(ValidationFailed) as refused:
        wh.create(owner, ["prompt.created"])
    assert refused.value.details[0]["field"] == "url"
    assert len(wh.service.list_all(owner).data) == 20
    assert wh.create(principal(), ["prompt.created"]).webhook.enabled


def test_a_deleted_webhook_frees_its_place(wh: Webhooks, owner: Principal) -> None:
    made = [wh.create(owner, ["prompt.created"]) for _ in range(20)]
    wh.service.delete(owner, made[0].webhook.id)
    assert wh.create(owner, ["prompt.created"]).webhook.enabled


def test_update_checks_the_new_url(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook
    made = wh.create(owner)

    # When / Then a URL that may not be used is a 400 on `url`, and the webhook keeps its URL
    for url in ("http://10.0.0.1/hook", "https://169.254.169.254/latest", "http://127.0.0.1/x#frag"):
        with pytest.raises(ValidationFailed) as refused:
            wh.service.update(owner, made.webhook.id, WebhookUpdate.model_validate({"url": url}))
        assert refused.value.details[0]["field"] == "url"
    assert wh.service.get(owner, made.webhook.id).url == made.webhook.url


def test_update_changes_only_the_fields_given(wh: Webhooks, owner: Principal) -> None:
    made = wh.create(owner, ["prompt.created"])
    wh.clock.advance(seconds=5)
    after = wh.service.update(
        owner, made.webhook.id, WebhookUpdate.model_validate({"url": "http://127.0.0.1:8080/new"})
    )
    assert after.url == "http://127.0.0.1:8080/new"
    assert after.events == ["prompt.created"]
    assert after.updated_at > made.webhook.updated_at


def test_enabling_a_disabled_webhook_clears_its_reason(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook disabled by the sender
    made = wh.create(owner)
    wh.store.mark_failing(made.webhook.id, "2026-01-01T00:00:00.000Z")
    wh.store.disable(made.webhook.id, "Every delivery failed for 24 hours", "2026-01-02T00:00:00.000Z")
    assert wh.service.get(owner, made.webhook.id).disabled_reason == "Every delivery failed for 24 hours"

    # When it is turned back on
    after = wh.service.update(owner, made.webhook.id, WebhookUpdate.model_validate({"enabled": True}))

    # Then it is enabled with no reason, and its past failures are forgotten
    assert (after.enabled, after.disabled_reason) == (True, None)
    assert "failing_since" not in wh.webhook(made.webhook.id)


def test_another_users_webhook_is_not_found(wh: Webhooks, owner: Principal) -> None:
    made = wh.create(owner)
    with pytest.raises(NotFound):
        wh.service.get(principal(), made.webhook.id)


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_the_old_one_stops(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook and its secret
    made = wh.create(owner)

    # When the secret is rotated
    rotated = wh.service.rotate_secret(owner, made.webhook.id)

    # Then the new secret and the old one both sign, newest first, until 24 h later
    assert rotated.secret != made.secret
    stored = wh.webhook(made.webhook.id)
    assert wh.service.signing_secrets(stored, wh.clock()) == [rotated.secret, made.secret]
    wh.clock.advance(hours=23, minutes=59)
    assert wh.service.signing_secrets(stored, wh.clock()) == [rotated.secret, made.secret]
    wh.clock.advance(minutes=1)
    assert wh.service.signing_secrets(stored, wh.clock()) == [rotated.secret]


def test_an_attempt_during_the_overlap_verifies_with_either_secret(wh: Webhooks, owner: Principal) -> None:
    # Given a rotated webhook
    made = wh.create(owner)
    rotated = wh.service.rotate_secret(owner, made.webhook.id)
    body = '{"id":"evt_1","type":"webhook.test"}'

    # When an attempt is signed with the secrets that sign now
    secrets = wh.service.signing_secrets(wh.webhook(made.webhook.id), wh.clock())
    sent = headers("evt_1", int(time.time()), body, secrets)

    # Then a receiver holding either secret accepts it
    assert Verifier(made.secret).verify(body, sent)["id"] == "evt_1"
    assert Verifier(rotated.secret).verify(body, sent)["id"] == "evt_1"


def test_rotating_again_after_the_overlap_drops_the_expired_secret(wh: Webhooks, owner: Principal) -> None:
    # Given a webhook rotated once, 25 h ago
    made = wh.create(owner)
    first = wh.service.rotate_secret(owner, made.webhook.id)
    wh.clock.advance(hours=25)

    # When it is rotated again
    second = wh.service.rotate_secret(owner, made.webhook.id)

    # Then the first secret still signs (for 24 h more), the original is gone from the item
    stored = wh.webhook(made.webhook.id)
    assert len(stored["secrets"]) == 2
    assert wh.service.signing_secrets(stored, wh.clock()) == [second.secret, first.secret]
