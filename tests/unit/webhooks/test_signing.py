"""Standard Webhooks signatures as a receiver checks them with the `standardwebhooks` package, and the secrets."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from promptbank.webhooks.signing import headers, new_secret

EVENT_ID = "evt_0301712214245f7291c8e418a45a5748"
BODY = '{"id":"evt_0301712214245f7291c8e418a45a5748","type":"prompt.created","data":{"prompt_id":"p"}}'


def test_a_new_secret_is_whsec_and_the_base64_of_32_random_bytes() -> None:
    # Given / When two new secrets
    first, second = new_secret(), new_secret()

    # Then each is whsec_ + base64 of 32 bytes, and they differ
    for secret in (first, second):
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


def test_the_headers_of_one_secret_verify_with_the_standardwebhooks_package() -> None:
    # Given a secret and an attempt made now
    secret, timestamp = new_secret(), int(time.time())

    # When the attempt's headers are made
    sent = headers(EVENT_ID, timestamp, BODY, [secret])

    # Then they name the event and the time, carry one v1 signature, and the receiver's library accepts them
    assert sent["webhook-id"] == EVENT_ID
    assert sent["webhook-timestamp"] == str(timestamp)
    assert sent["webhook-signature"].startswith("v1,")
    assert " " not in sent["webhook-signature"]
    assert Webhook(secret).verify(BODY, sent)["type"] == "prompt.created"


def test_while_a_secret_is_rotated_each_secret_alone_verifies() -> None:
    # Given the new and the old secret of a rotation
    new, old = new_secret(), new_secret()

    # When an attempt is signed with both
    sent = headers(EVENT_ID, int(time.time()), BODY, [new, old])

    # Then there are two signatures, and a receiver that knows either secret alone accepts the attempt
    assert len(sent["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(BODY, sent)["id"] == EVENT_ID
    assert Webhook(old).verify(BODY, sent)["id"] == EVENT_ID


def test_a_secret_not_signed_with_does_not_verify() -> None:
    # Given headers signed with one secret
    sent = headers(EVENT_ID, int(time.time()), BODY, [new_secret()])

    # When / Then another secret refuses them
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_tampered_body_does_not_verify() -> None:
    # Given signed headers
    secret = new_secret()
    sent = headers(EVENT_ID, int(time.time()), BODY, [secret])

    # When / Then the body changed on the way is refused
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("prompt.created", "prompt.deleted"), sent)


def test_a_tampered_timestamp_does_not_verify() -> None:
    # Given signed headers
    secret = new_secret()
    timestamp = int(time.time())
    sent = headers(EVENT_ID, timestamp, BODY, [secret])

    # When the timestamp is changed (still within the receiver's tolerance)
    tampered = {**sent, "webhook-timestamp": str(timestamp - 1)}

    # Then the signature no longer matches
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, tampered)


def test_a_tampered_event_id_does_not_verify() -> None:
    # Given signed headers
    secret = new_secret()
    sent = headers(EVENT_ID, int(time.time()), BODY, [secret])

    # When / Then another event id (a replay of this signature for another event) is refused
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-id": "evt_other"})
