"""The one way a context's ``api.py`` cuts a Lambda's imports to its own route.

A context's ``api.py`` declares all of the context's routes, and each Lambda serves one of them. The
wire models are imported as usual (FastAPI reads them when it builds the route), but every rules module
(``service``, ``verification``, ``opening`` ...) is taken with ``lazy_module`` and imported when a route
first calls into it. So a function loads the rules, stores and libraries of its own route only: document
verification's face models and preferences, opening a session's trigger rules and URL checks, stay out
of every other function of the context, without a route table per heavy route.

    if TYPE_CHECKING:
        from kycgate.kyc import service
    else:
        service = lazy_module("kycgate.kyc.service")

``tests/unit/test_function_imports.py`` runs each function's first request in a fresh process and
checks what it loaded.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until an attribute is read; then imports it (under Python's import lock,
    so two threads of the local server cannot half-import it) and answers from it from then on."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy_module(name: str) -> Any:
    """``name``, imported on first use (typed ``Any``: import it under ``TYPE_CHECKING`` for its types)."""
    return LazyModule(name)
