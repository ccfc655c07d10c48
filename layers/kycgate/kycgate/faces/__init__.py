"""Face matching: the FaceMatcher contract and its backends.

Importing this package is cheap: a backend module (and with it cv2/numpy or
boto3) is imported only when ``get_matcher`` first builds that backend, so
functions that never compare faces never load a model or an AWS client.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Final

from kycgate.faces.base import FaceComparison, FaceDeclineCode, FaceMatcher, FaceTemplate

__all__ = ["FaceComparison", "FaceDeclineCode", "FaceMatcher", "FaceTemplate", "get_matcher"]

DEFAULT_MATCHER: Final = "sface"

# name -> (module, class); strings so that nothing is imported before it is needed.
_BACKENDS: Final[dict[str, tuple[str, str]]] = {
    "sface": ("kycgate.faces.sface", "SFaceMatcher"),
    "rekognition": ("kycgate.faces.rekognition", "RekognitionMatcher"),
}

_matchers: dict[str, FaceMatcher] = {}
# Building sface loads two networks; without the lock concurrent first requests would each load them.
_matchers_lock = threading.Lock()


def get_matcher(name: str | None = None) -> FaceMatcher:
    """The process-wide matcher called ``name`` (default: env KYCGATE_FACE_MATCHER, else "sface")."""
    if name is None:
        name = os.environ.get("KYCGATE_FACE_MATCHER", "").strip() or DEFAULT_MATCHER
    key = name.strip().lower()
    matcher = _matchers.get(key)
    if matcher is not None:
        return matcher
    if key not in _BACKENDS:
        raise ValueError(f"unknown face matcher {name!r}; choose one of {', '.join(sorted(_BACKENDS))}")
    with _matchers_lock:
        matcher = _matchers.get(key)
        if matcher is None:
            module_name, class_name = _BACKENDS[key]
            matcher = getattr(importlib.import_module(module_name), class_name)()
            _matchers[key] = matcher
    return matcher
