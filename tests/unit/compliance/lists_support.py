"""The list excerpts in tests/fixtures/lists and an index built from them (once per process)."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from tests.conftest import FIXTURES

LISTS = FIXTURES / "lists"
OFAC = LISTS / "ofac-sdn"
UN = LISTS / "un-consolidated"
ETH = LISTS / "eth-sanctioned"
ALL = (OFAC, UN, ETH)


def parsed_fixtures() -> list:
    from kycgate.compliance.lists import sources

    return sources.parse([f for folder in ALL for f in sources.read_path(folder)])


@cache
def fixture_index():
    """The screening index of the three excerpts (read-only: tests must not change it)."""
    from kycgate.compliance.lists.importer import compile_index
    from kycgate.compliance.screening.index import decode

    _doc, data = compile_index(parsed_fixtures(), built_at="2026-12-01T00:00:00+00:00")
    return decode(data)


def writable_copy(tmp_path: Path) -> dict[str, Path]:
    """Copies of the three list folders the test may damage."""
    out = {}
    for folder in ALL:
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        for path in target.iterdir():
            path.chmod(0o644)
        out[folder.name] = target
    return out
