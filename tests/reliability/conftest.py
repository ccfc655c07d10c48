"""One moto stack per test module (objects with real photos are costly), and the figures summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.harness import FIGURES, World, world_context


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with world_context() as built:
        yield built


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for figure, counts in FIGURES.items():
        total = sum(counts.values())
        terminalreporter.write_line(f"{figure}: {total} in {len(counts)} groups")
        for key, n in sorted(counts.items()):
            terminalreporter.write_line(f"    {key}: {n}")
