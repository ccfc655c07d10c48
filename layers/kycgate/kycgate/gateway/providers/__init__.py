"""Provider adapters behind one interface (``base.ProviderAdapter``), one module each.

``get_adapter(name)`` imports only the named provider's module, so a function that serves one
provider's webhook loads no other adapter.
"""

from __future__ import annotations

import importlib
from typing import Any, Final

from kycgate.gateway.providers.base import ProviderAdapter
from kycgate.gateway.providers.http import DEFAULT_POLICY, ProviderHttp, RetryPolicy

# Seed 003's provider names -> (module, adapter class).
ADAPTERS: Final[dict[str, tuple[str, str]]] = {
    "kycgate": ("kycgate.gateway.providers.kycgate", "KycgateAdapter"),
    "vouched": ("kycgate.gateway.providers.vouched", "VouchedAdapter"),
    "sumsub": ("kycgate.gateway.providers.sumsub", "SumsubAdapter"),
    "onfido": ("kycgate.gateway.providers.onfido", "OnfidoAdapter"),
    "identitymind": ("kycgate.gateway.providers.identitymind", "IdentityMindAdapter"),
}
PROVIDERS: Final[tuple[str, ...]] = tuple(ADAPTERS)


def get_adapter(name: str, policy: RetryPolicy = DEFAULT_POLICY, **options: Any) -> ProviderAdapter[Any]:
    """A new adapter for provider ``name`` calling out under ``policy`` (``options`` go to its constructor)."""
    if name not in ADAPTERS:
        raise ValueError(f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}")
    module_name, class_name = ADAPTERS[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    if name == "kycgate":
        return cls(**options)
    return cls(ProviderHttp(name, policy), **options)
