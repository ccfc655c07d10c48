"""Callback and redirect URLs a tenant sends with a request: taken only if they are public https.

Checked when the request arrives (a 422 naming the field), and again by the worker at every delivery
attempt (DNS may change in between; webhooks/delivery.py).
"""

from __future__ import annotations

from kycgate.core.errors import Unprocessable, field_error
from kycgate.core.settings import get_settings


def checked_url(field: str, url: str | None) -> str | None:
    """``url`` if it is https and resolves to public addresses only; 422 on ``field`` otherwise."""
    if url is None:
        return None
    from kycgate.webhooks.ssrf import CallbackUrlRefused, check_callback_url

    try:
        check_callback_url(url, allow_loopback=get_settings().allow_loopback_callbacks)
    except CallbackUrlRefused as refused:
        message = refused.message.replace("callback URL", field, 1)
        raise Unprocessable(
            f"{field} refused ({refused.reason}): {message}",
            errors=[field_error(["body", field], message, refused.reason)],
            extra={"reason": refused.reason},
        ) from None
    return url
