"""Provider contract tests: each adapter against its local fake over real HTTP on 127.0.0.1.

Backoffs are shrunk through ``RetryPolicy`` (``provider_support.FAST``) so a test that retries
waits milliseconds; nothing here reaches beyond the loopback interface, which base URLs may name in
local mode only (``KYCGATE_ALLOW_LOOPBACK_CALLBACKS``, as ``make serve`` sets it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kycgate.gateway.providers.params import NormalisedParams
from tests.integration.gateway.provider_support import Receiver, photo


@pytest.fixture(autouse=True)
def loopback_base_urls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def person() -> NormalisedParams:
    """One applicant with a real document photo (obama_1) and a selfie of the same person (obama_2)."""
    return NormalisedParams(
        first_name="Barack",
        last_name="Obama",
        date_of_birth=dt.date(1961, 8, 4),
        email="barack@example.org",
        country="US",
        document_type="passport",
        document_country="US",
        id_photo=photo("obama_1.jpg"),
        selfie=photo("obama_2.jpg"),
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()
