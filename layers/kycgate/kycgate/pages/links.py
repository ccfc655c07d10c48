"""Links to the hosted pages: BASE_URL_FRONTEND, the page, the token. Settings only, so every context
that hands out a link (Re-Use KYC sessions, KYC submit links) builds it the same way without loading
anything else."""

from __future__ import annotations

from urllib.parse import urlencode

from kycgate.core.settings import get_settings


def page_link(page: str, token: str, base: str | None = None) -> str:
    """``base``/``page``?token=... (base: BASE_URL_FRONTEND); empty when there is no base (seed 000: the
    SDK then builds its own URL)."""
    base = (get_settings().base_url_frontend if base is None else base).rstrip("/")
    return f"{base}/{page}?{urlencode({'token': token})}" if base else ""
