"""The interface's vocabulary: secrets, credentials, base URLs, the registry, webhook helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from kycgate.core.settings import get_settings
from kycgate.gateway.providers import PROVIDERS, get_adapter
from kycgate.gateway.providers.base import (
    STATUSES,
    InvalidWebhook,
    ProviderNotConfigured,
    RetriesExhausted,
    Secret,
)
from kycgate.gateway.providers.signing import check_fresh, parse_time


def test_the_seeds_statuses() -> None:
    assert STATUSES == ("pending", "submitted", "review", "accepted", "rejected", "remediate", "failed")


def test_a_secret_never_shows_itself() -> None:
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret) and "s3cr3t" not in str(secret) and "s3cr3t" not in f"{secret}"
    assert secret.reveal() == "s3cr3t-value"
    assert secret == Secret("s3cr3t-value") and secret != Secret("other")
    with pytest.raises(ValueError):
        Secret("")


@pytest.mark.parametrize(
    ("name", "values", "missing"),
    [
        ("vouched", {}, "api_key"),
        ("sumsub", {"app_token": "t"}, "secret_key"),
        ("onfido", {}, "api_token"),
        ("identitymind", {"username": "m"}, "api_key"),
        ("identitymind", {"api_key": "k"}, "username"),
    ],
)
def test_missing_credentials_are_named_never_shown(name: str, values: dict[str, str], missing: str) -> None:
    with pytest.raises(ProviderNotConfigured, match=repr(missing)):
        get_adapter(name).credentials(values)


def test_credentials_print_masked() -> None:
    credentials = get_adapter("sumsub").credentials({"app_token": "tok-123456", "secret_key": "key-abcdef"})
    assert "tok-123456" not in repr(credentials) and "key-abcdef" not in repr(credentials)


def test_base_url_from_credentials_then_settings_then_the_providers_own(monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = get_adapter("vouched")
    assert adapter.credentials({"api_key": "k"}).base_url == "https://verify.vouched.id"
    monkeypatch.setenv("KYCGATE_PROVIDER_BASE_URLS", "vouched=http://127.0.0.1:8101")
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")  # local mode: the fakes on loopback
    get_settings.cache_clear()
    try:
        assert adapter.credentials({"api_key": "k"}).base_url == "http://127.0.0.1:8101"
        assert adapter.credentials({"api_key": "k", "base_url": "http://127.0.0.1:9/"}).base_url == "http://127.0.0.1:9"
        assert get_adapter("onfido").credentials({"api_token": "t", "region": "us"}).base_url == (
            "https://api.us.onfido.com/v3.6"
        )
    finally:
        monkeypatch.delenv("KYCGATE_PROVIDER_BASE_URLS")
        monkeypatch.delenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS")
        get_settings.cache_clear()
    with pytest.raises(ValueError, match="https"):
        adapter.credentials({"api_key": "k", "base_url": "file:///etc/passwd"})


def test_the_registry_knows_the_seeds_providers() -> None:
    assert set(PROVIDERS) == {"kycgate", "vouched", "sumsub", "onfido", "identitymind"}
    assert {get_adapter(name).name for name in PROVIDERS} == set(PROVIDERS)
    with pytest.raises(ValueError, match="unknown provider"):
        get_adapter("jumio")


def test_errors_describe_themselves_for_the_application() -> None:
    error = RetriesExhausted("sumsub", "HTTP 503: service unavailable", attempts=4, last_status=503)
    assert error.retryable and error.description == "sumsub: HTTP 503: service unavailable"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-02-21 13:23:19.321", dt.datetime(2020, 2, 21, 13, 23, 19, 321000, tzinfo=dt.UTC)),
        ("2019-10-28T15:00:39Z", dt.datetime(2019, 10, 28, 15, 0, 39, tzinfo=dt.UTC)),
        ("2022-05-01T22:59:48+00:00", dt.datetime(2022, 5, 1, 22, 59, 48, tzinfo=dt.UTC)),
        ("2024-07-09 10:24:26+0000", dt.datetime(2024, 7, 9, 10, 24, 26, tzinfo=dt.UTC)),
    ],
)
def test_provider_timestamps_parse(text: str, expected: dt.datetime) -> None:
    assert parse_time(text) == expected.timestamp()


def test_freshness_window() -> None:
    now = 1_700_000_000.0
    check_fresh("p", now - 3600, now=now)
    check_fresh("p", None, now=now)
    for when in (now - 4 * 86400, now + 3600):
        with pytest.raises(InvalidWebhook) as caught:
            check_fresh("p", when, now=now)
        assert caught.value.reason == "stale"
