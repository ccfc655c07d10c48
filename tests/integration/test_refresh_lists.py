"""refresh_lists as Lambda runs it, fetching the list files from a real HTTP server on 127.0.0.1
that serves the tests/fixtures copies (as the official publication URLs would)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kycgate.compliance import lists
from kycgate.compliance.lists import store
from kycgate.compliance.lists.model import ListFileError
from kycgate.compliance.screening import screen_person
from tests.conftest import assert_collector_resumed, load_event, load_function
from tests.integration.lists_support import lists_bucket_fixture, lists_stack_fixture  # noqa: F401 (fixtures)
from tests.unit.compliance.lists_support import ETH, OFAC, UN

LAST_MODIFIED = "Fri, 09 Jul 2021 14:02:11 GMT"


class ListServer:
    """Serves ``files`` (path -> bytes); ``short`` paths declare their full length and send half."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {
            "/ofac/SDN.CSV": (OFAC / "sdn.csv").read_bytes(),
            "/ofac/ALT.CSV": (OFAC / "alt.csv").read_bytes(),
            "/ofac/ADD.CSV": (OFAC / "add.csv").read_bytes(),
            "/un/consolidated.xml": (UN / "consolidated.xml").read_bytes(),
            "/eth/ofac.sanctions.json": (ETH / "ofac.sanctions.json").read_bytes(),
        }
        self.short: set[str] = set()
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path in server.short else body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def urls(self) -> str:
        return ",".join(self.base + path for path in self.files)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server() -> Iterator[ListServer]:
    running = ListServer()
    yield running
    running.close()


@pytest.fixture
def refresh(lists_bucket: str, server: ListServer, monkeypatch: pytest.MonkeyPatch, lambda_context: Any):
    from kycgate.core.settings import get_settings

    monkeypatch.setenv("KYCGATE_LISTS", server.urls())
    get_settings.cache_clear()
    handler = load_function("refresh_lists")
    return lambda: handler(load_event("refresh_lists"), lambda_context)


def test_refresh_fetches_and_publishes(refresh, server: ListServer, lambda_runtime: None) -> None:
    summary = refresh()
    assert_collector_resumed()
    assert summary["status"] == "published"
    assert {s["source"] for s in summary["sources"]} == {"ofac_sdn", "un_consolidated", "ofac.sanctions"}
    assert sorted(server.requests) == sorted(server.files)
    manifest = store.read_manifest(store.read_pointer())
    ofac = next(s for s in manifest["sources"] if s["source"] == "ofac_sdn")
    assert {f["origin"] for f in ofac["files"]} == {server.base + p for p in server.files if p.startswith("/ofac/")}
    assert ofac["files"][0]["file_date"] == "2021-07-09T14:02:11+00:00"  # Last-Modified
    hits = screen_person(lists.get_index(), "Usama bin Ladin")
    assert hits[0].uid == "ofac_sdn:6365"


def test_refresh_with_nothing_new_publishes_nothing(refresh) -> None:
    first = refresh()
    again = refresh()
    assert (again["status"], again["version"]) == ("unchanged", first["version"])


def test_a_truncated_download_fails_and_the_live_index_stays(refresh, server: ListServer) -> None:
    live = refresh()["version"]
    server.files["/ofac/SDN.CSV"] = server.files["/ofac/SDN.CSV"] + b"\r\n"  # changed, so not "unchanged"
    server.short.add("/ofac/SDN.CSV")
    with pytest.raises(ListFileError, match=r"SDN\.CSV: (sent \d+ of \d+ bytes|the download broke off)"):
        refresh()
    assert store.read_pointer()["version"] == live
    assert lists.get_index().version == live


def test_a_bad_file_fails_and_the_live_index_stays(refresh, server: ListServer) -> None:
    live = refresh()["version"]
    xml = server.files["/un/consolidated.xml"]
    server.files["/un/consolidated.xml"] = xml[: len(xml) - 300]
    with pytest.raises(ListFileError, match=r"consolidated\.xml: not well-formed XML"):
        refresh()
    assert store.read_pointer()["version"] == live


def test_a_missing_file_fails(refresh, server: ListServer) -> None:
    del server.files["/ofac/ADD.CSV"]
    with pytest.raises(ListFileError, match=r"ADD\.CSV: answered HTTP 404"):
        refresh()
    assert store.read_pointer() is None


def test_the_schedule_is_off_unless_the_parameter_turns_it_on() -> None:
    from kycgate.infra import load_template

    template = load_template()
    assert template["Parameters"]["ListsRefreshEnabled"]["Default"] == "false"
    assert template["Conditions"]["RefreshListsOnSchedule"] == {"Fn::Equals": [{"Ref": "ListsRefreshEnabled"}, "true"]}
    function = template["Resources"]["RefreshListsFunction"]["Properties"]
    (event,) = function["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Enabled"] == {"Fn::If": ["RefreshListsOnSchedule", True, False]}
    assert function["Role"] == {"Fn::GetAtt": ["ListsFunctionRole", "Arn"]}
