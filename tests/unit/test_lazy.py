"""core.lazy: a rules module is imported when a route first calls into it, once, from any thread."""

from __future__ import annotations

import sys
import threading

import pytest

from kycgate.core.lazy import lazy_module


@pytest.fixture
def unloaded_module(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "lazy_probe_rules.py").write_text("import time\nIMPORTS = []\ntime.sleep(0.05)\nIMPORTS.append(1)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lazy_probe_rules"
    sys.modules.pop("lazy_probe_rules", None)


def test_nothing_is_imported_until_an_attribute_is_read(unloaded_module: str) -> None:
    rules = lazy_module(unloaded_module)
    assert unloaded_module not in sys.modules
    assert "not imported yet" in repr(rules)
    assert rules.IMPORTS == [1]
    assert sys.modules[unloaded_module].IMPORTS is rules.IMPORTS
    assert "imported" in repr(rules)


def test_threads_reading_it_at_once_import_it_once(unloaded_module: str) -> None:
    rules = lazy_module(unloaded_module)
    seen: list[list[int]] = []
    threads = [threading.Thread(target=lambda: seen.append(rules.IMPORTS)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [[1]] * 8


def test_a_missing_attribute_is_an_attribute_error(unloaded_module: str) -> None:
    with pytest.raises(AttributeError):
        _ = lazy_module(unloaded_module).no_such_rule
