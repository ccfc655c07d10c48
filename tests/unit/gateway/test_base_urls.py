"""A provider base URL override is where applicants' documents and the tenant's key go: SSRF-checked."""

from __future__ import annotations

import pytest

from kycgate.core.settings import get_settings
from kycgate.gateway.providers.base import base_url

DEFAULT = "https://verify.vouched.id"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", raising=False)
    monkeypatch.delenv("KYCGATE_PROVIDER_BASE_URLS", raising=False)
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.0.0.5/api", "private"),
        ("https://169.254.169.254", "metadata"),
        ("http://127.0.0.1:8101", "scheme_not_https"),
        ("https://user:pw@example.org", "credentials_in_url"),
    ],
)
def test_an_override_to_a_private_or_plain_target_is_refused(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match="base_url refused") as refused:
        base_url("vouched", {"base_url": url}, DEFAULT)
    assert reason in str(refused.value)


def test_the_providers_own_url_is_used_unresolved_and_loopback_only_in_local_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert base_url("vouched", {}, DEFAULT + "/") == DEFAULT
    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    assert base_url("vouched", {"base_url": "http://127.0.0.1:8101/"}, DEFAULT) == "http://127.0.0.1:8101"
