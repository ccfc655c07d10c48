"""Our signatures checked by the spec's own verifier (standardwebhooks), never by our own code."""

from __future__ import annotations

import base64
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kycgate.webhooks import signing

BODY = json.dumps({"type": "kyc.request.completed", "data": {"id": "kyc_123", "name": "Zoë Ångström"}}).encode()


def _now() -> int:
    return int(time.time())


def test_new_secret_has_the_spec_format():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert signing.new_secret() != secret


def test_headers_verify_with_standardwebhooks():
    secret = signing.new_secret()
    headers = signing.headers([secret], "msg_1", _now(), BODY)

    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-signature"].startswith("v1,")


def test_spec_test_vector():
    # The example from the Standard Webhooks specification, independent of both implementations.
    signature = signing.sign(
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_rotation_signs_with_every_secret():
    old, new, other = signing.new_secret(), signing.new_secret(), signing.new_secret()
    headers = signing.headers([old, new], "msg_rot", _now(), BODY)

    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(BODY, headers)


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", None), ("webhook-id", "msg_other"), ("webhook-timestamp", None)],
)
def test_tampering_fails_verification(field, value):
    secret = signing.new_secret()
    timestamp = _now()
    headers = signing.headers([secret], "msg_1", timestamp, BODY)
    body = BODY
    if field == "body":
        body = BODY.replace(b"completed", b"rejected")
    elif field == "webhook-timestamp":
        headers[field] = str(timestamp - 1)
    else:
        headers[field] = value

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_signature_is_deterministic_and_per_secret():
    a, b = signing.new_secret(), signing.new_secret()
    assert signing.sign([a], "m", 1, BODY) == signing.sign([a], "m", 1, BODY)
    assert signing.sign([a, b], "m", 1, BODY) == f"{signing.sign([a], 'm', 1, BODY)} {signing.sign([b], 'm', 1, BODY)}"


@pytest.mark.parametrize(
    ("secrets", "error"),
    [
        ([], ValueError),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", TypeError),
        (["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], ValueError),
        (["whsec_not base64!"], ValueError),
        (["whsec_"], ValueError),
    ],
)
def test_unusable_secrets_are_refused(secrets, error):
    with pytest.raises(error):
        signing.sign(secrets, "msg_1", _now(), BODY)


def test_empty_message_id_is_refused():
    with pytest.raises(ValueError, match="msg_id"):
        signing.sign([signing.new_secret()], "", _now(), BODY)
