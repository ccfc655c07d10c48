"""The screening index of this container: loaded on first use, once, and kept.

From ``lists_index_path`` when set (a file `kycgate lists import --output` wrote), else from the
lists bucket through its "current" pointer. A warm container looks at the pointer again every
``lists_recheck_seconds`` (one small GET) and swaps in a newer index whole; if the bucket cannot be
read then, it keeps answering from the index it has. With nothing published (or the bucket
unreachable on the first use) screening raises NoListLoaded, which the API answers with 503.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import TYPE_CHECKING, NamedTuple

from kycgate.core.settings import get_settings

if TYPE_CHECKING:
    from kycgate.compliance.screening.index import ScreeningIndex


class NoListLoaded(RuntimeError):
    """No screening list is loaded: screening cannot say "no hit"."""


class _Loaded(NamedTuple):
    index: ScreeningIndex
    origin: str  # the path, or the version read through the pointer
    checked_at: float


_lock = threading.Lock()
_loaded: _Loaded | None = None


def reset() -> None:
    """Forget the loaded index (tests; an import in this process)."""
    global _loaded
    with _lock:
        _loaded = None


def _from_file(path: str) -> ScreeningIndex:
    from kycgate.compliance.screening.index import IndexFormatError, decode

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise NoListLoaded(f"no list loaded: the index file {path} cannot be read ({exc.strerror or exc})") from exc
    try:
        return decode(data)
    except IndexFormatError as exc:
        raise NoListLoaded(f"no list loaded: {path} is not a screening index ({exc})") from exc


def _from_bucket(current: _Loaded | None) -> _Loaded | None:
    """The index the pointer names (``current`` again when it is the same version)."""
    from kycgate.compliance.lists import store
    from kycgate.compliance.screening.index import IndexFormatError, decode

    pointer = store.read_pointer()
    if pointer is None:
        return None
    version = pointer["version"]
    if current is not None and current.origin == version:
        return current._replace(checked_at=time.monotonic())
    data = store.read_object(pointer["index_key"])
    if hashlib.sha256(data).hexdigest() != pointer["sha256"]:
        raise IndexFormatError(f"index {version} does not match its pointer's SHA-256")
    return _Loaded(decode(data), version, time.monotonic())


def get_index() -> ScreeningIndex:
    """The loaded index; NoListLoaded when there is none."""
    global _loaded
    settings = get_settings()
    current = _loaded
    if current is not None and time.monotonic() - current.checked_at < settings.lists_recheck_seconds:
        return current.index
    with _lock:
        current = _loaded
        if current is not None and time.monotonic() - current.checked_at < settings.lists_recheck_seconds:
            return current.index
        if settings.lists_index_path:
            if current is None or current.origin != settings.lists_index_path:
                current = _Loaded(_from_file(settings.lists_index_path), settings.lists_index_path, time.monotonic())
            _loaded = current._replace(checked_at=time.monotonic())
            return _loaded.index
        try:
            found = _from_bucket(current)
        except Exception as exc:  # S3 down or a bad object: keep what this container has
            from kycgate.core.logs import logger

            if current is None:
                raise NoListLoaded(f"no list loaded: the lists bucket cannot be read ({type(exc).__name__})") from exc
            logger.warning("screening index: keeping %s, the pointer cannot be read", current.origin, exc_info=True)
            _loaded = current._replace(checked_at=time.monotonic())
            return current.index
        if found is None:
            if current is not None:  # the pointer vanished: keep serving
                _loaded = current._replace(checked_at=time.monotonic())
                return current.index
            raise NoListLoaded("no list loaded: nothing has been imported (kycgate lists import)")
        _loaded = found
        return found.index


def loaded_version() -> str | None:
    """The version (or file) this container answers from; None before the first load."""
    current = _loaded
    return current.origin if current else None
