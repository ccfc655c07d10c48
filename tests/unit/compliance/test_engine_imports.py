"""The engine's import is cheap: a DD task function imports it on cold start, and rapidfuzz,
jellyfish, anyascii, pypinyin, msgpack and cleanco load only when a query (or a load) needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.unit.compliance.lists_support import LISTS

HEAVY = ("rapidfuzz", "jellyfish", "anyascii", "pypinyin", "msgpack", "cleanco", "boto3", "urllib3")


def _loaded_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "kycgate")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_importing_the_engine_loads_nothing_heavy() -> None:
    assert _loaded_after("import kycgate.compliance.screening, kycgate.compliance.lists") == []


def test_a_latin_query_loads_no_transliteration() -> None:
    code = (
        "from kycgate.compliance.lists import sources\n"
        "from kycgate.compliance.lists.importer import compile_index\n"
        "from kycgate.compliance.screening import index, screen_person\n"
        f"parsed = sources.parse(sources.read_path(__import__('pathlib').Path({str(LISTS / 'ofac-sdn')!r})))\n"
        "idx = index.decode(compile_index(parsed)[1])\n"
        "for name in ('anyascii', 'pypinyin'):\n"
        "    sys.modules.pop(name, None)\n"
        "assert screen_person(idx, 'Aiman al Zawahiri')\n"
    )
    loaded = _loaded_after(code)
    assert "rapidfuzz" in loaded and "jellyfish" in loaded
    assert "anyascii" not in loaded and "pypinyin" not in loaded
