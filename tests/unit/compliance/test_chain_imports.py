"""Address parsing and chain data import apart: the KYA function pays only for what its request uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = f"import json, sys; {statement}; print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "kycgate")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_parsing_an_address_loads_no_http_client_settings_or_explorer() -> None:
    statement = (
        "from kycgate.compliance.chains.addresses import parse_address; "
        "parse_address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'); "
        "parse_address('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')"
    )
    heavy = ("urllib3", "pydantic", "kycgate.core.settings", "kycgate.compliance.chains.explorers")
    assert _loaded_after(statement, heavy) == []


def test_the_explorer_interface_loads_no_codec_or_http_client_until_an_explorer_is_configured() -> None:
    statement = "from kycgate.compliance.chains import explorers"
    assert _loaded_after(statement, ("urllib3", "base58_bech32", "sha3", "kycgate.compliance.chains.esplora")) == []
