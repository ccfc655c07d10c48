"""`kycgate lists import` and the container's index, on moto S3 built from template.yaml: versioned
keys and a pointer written last, every failure leaving the live index answering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kycgate.cli import main
from kycgate.compliance import lists
from kycgate.compliance.lists import importer, store
from kycgate.compliance.lists.model import ListFileError
from kycgate.compliance.screening import screen_person
from kycgate.core import aws
from tests.integration.lists_support import lists_bucket_fixture, lists_stack_fixture  # noqa: F401 (fixtures)
from tests.unit.compliance.lists_support import ALL, OFAC, writable_copy

SOURCES = [str(p) for p in ALL]


def _keys(bucket: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def _zawahiri(index: Any) -> float:
    return next(h.score for h in screen_person(index, "Aiman al Zawahiri") if h.uid == "ofac_sdn:2676")


def test_the_template_bucket_is_private_and_encrypted() -> None:
    from kycgate.infra import load_template

    bucket = load_template()["Resources"]["ListsBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_nothing_imported_is_no_list_loaded(lists_bucket: str) -> None:
    with pytest.raises(lists.NoListLoaded, match="nothing has been imported"):
        lists.get_index()


def test_import_publishes_a_version_and_a_pointer(lists_bucket: str) -> None:
    result = importer.import_lists(SOURCES)
    assert result.status == "published" and result.previous_version is None
    version = result.version
    assert _keys(lists_bucket) == sorted(
        ["current.json", f"indexes/{version}/index.msgpack", f"indexes/{version}/manifest.json"]
    )
    pointer = store.read_pointer()
    assert pointer["version"] == version and pointer["index_key"] == f"indexes/{version}/index.msgpack"
    manifest = store.read_manifest(pointer)
    by_source = {s["source"]: s for s in manifest["sources"]}
    assert set(by_source) == {"ofac_sdn", "un_consolidated", "ofac.sanctions"}
    assert by_source["ofac_sdn"]["counts"]["entries"] == 19
    assert by_source["un_consolidated"]["published"] == "2026-02-27T00:00:09.554Z"
    files = {f["name"]: f for f in by_source["ofac_sdn"]["files"]}
    assert set(files) == {"sdn.csv", "alt.csv", "add.csv"}
    assert len(files["sdn.csv"]["sha256"]) == 64 and files["sdn.csv"]["size"] > 0 and files["sdn.csv"]["file_date"]
    index = lists.get_index()
    assert index.version == version and lists.loaded_version() == version
    assert _zawahiri(index) >= 0.85


def test_the_same_files_again_publish_nothing(lists_bucket: str) -> None:
    first = importer.import_lists(SOURCES)
    again = importer.import_lists(SOURCES)
    assert (again.status, again.version) == ("unchanged", first.version)
    assert len(_keys(lists_bucket)) == 3
    forced = importer.import_lists(SOURCES, force=True)
    assert forced.status == "published" and forced.previous_version == first.version


def test_a_truncated_csv_fails_and_the_old_index_keeps_answering(lists_bucket: str, tmp_path: Path) -> None:
    live = importer.import_lists(SOURCES)
    assert _zawahiri(lists.get_index()) >= 0.85
    copies = writable_copy(tmp_path)
    sdn = copies["ofac-sdn"] / "sdn.csv"
    data = sdn.read_bytes()
    sdn.write_bytes(data[: int(len(data) * 0.6)])  # a download cut short
    keys_before = _keys(lists_bucket)
    with pytest.raises(ListFileError, match=r"sdn\.csv") as caught:
        importer.import_lists([str(p) for p in copies.values()])
    assert str(sdn) in str(caught.value)
    assert _keys(lists_bucket) == keys_before
    assert store.read_pointer()["version"] == live.version
    # This container, and a fresh one, still answer from the live index.
    assert _zawahiri(lists.get_index()) >= 0.85
    lists.reset()
    assert lists.get_index().version == live.version


def test_a_csv_cut_at_a_row_boundary_is_refused_by_the_counts(lists_bucket: str, tmp_path: Path) -> None:
    live = importer.import_lists(SOURCES)
    copies = writable_copy(tmp_path)
    # Keep the first 5 entries in all three files, so no file refers past the cut.
    keep = {line.split(b",", 1)[0] for line in (OFAC / "sdn.csv").read_bytes().split(b"\r\n")[:5]}
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        path = copies["ofac-sdn"] / name
        lines = [line for line in path.read_bytes().split(b"\r\n") if line.split(b",", 1)[0] in keep]
        path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    arguments = [str(p) for p in copies.values()]
    with pytest.raises(importer.ImportRefused, match=r"ofac_sdn has 5 records against 19 .*looks truncated"):
        importer.import_lists(arguments)
    assert store.read_pointer()["version"] == live.version
    shrunk = importer.import_lists(arguments, allow_shrink=True)
    assert shrunk.status == "published" and store.read_pointer()["version"] == shrunk.version
    assert lists.get_index().counts["entries"] == 5 + 9


def test_an_import_missing_a_live_source_is_refused(lists_bucket: str) -> None:
    live = importer.import_lists(SOURCES)
    with pytest.raises(importer.ImportRefused, match="un_consolidated: the live index holds this source"):
        importer.import_lists([str(OFAC), str(ALL[2])])
    assert store.read_pointer()["version"] == live.version


def test_a_warm_container_picks_up_a_new_version(lists_bucket: str, tmp_path: Path) -> None:
    first = importer.import_lists(SOURCES)
    assert lists.get_index().version == first.version
    second = importer.import_lists(SOURCES, force=True)
    assert lists.get_index().version == second.version


def test_a_pointer_that_does_not_match_its_index_keeps_the_loaded_one(lists_bucket: str) -> None:
    live = importer.import_lists(SOURCES)
    assert lists.get_index().version == live.version
    pointer = store.read_pointer()
    store.write_pointer({**pointer, "version": "other", "sha256": "0" * 64})
    assert lists.get_index().version == live.version  # the bad version is not swapped in
    lists.reset()
    with pytest.raises(lists.NoListLoaded, match="cannot be read"):
        lists.get_index()


def test_an_index_file_instead_of_the_bucket(lists_bucket: str, tmp_path: Path, monkeypatch) -> None:
    from kycgate.core.settings import get_settings

    output = tmp_path / "index.msgpack"
    written = importer.import_lists(SOURCES, output=output)
    assert written.status == "written" and output.stat().st_size == written.size
    assert _keys(lists_bucket) == []  # nothing published
    monkeypatch.setenv("KYCGATE_LISTS_INDEX_PATH", str(output))
    get_settings.cache_clear()
    lists.reset()
    assert _zawahiri(lists.get_index()) >= 0.85
    monkeypatch.setenv("KYCGATE_LISTS_INDEX_PATH", str(tmp_path / "missing.msgpack"))
    get_settings.cache_clear()
    lists.reset()
    with pytest.raises(lists.NoListLoaded, match="cannot be read"):
        lists.get_index()


def test_cli_import_and_status(lists_bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lists", "status"]) == 1
    capsys.readouterr()
    assert main(["lists", "import", *SOURCES]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "published"
    assert {s["source"]: s["entries"] for s in summary["sources"]} == {
        "ofac_sdn": 19,
        "un_consolidated": 9,
        "ofac.sanctions": 0,
    }
    assert main(["lists", "status"]) == 0
    assert json.loads(capsys.readouterr().out)["pointer"]["version"] == summary["version"]
    copies = writable_copy(tmp_path)
    (copies["un-consolidated"] / "consolidated.xml").write_bytes(b"<CONSOLIDATED_LIST><INDIVIDUALS>")
    assert main(["lists", "import", *[str(p) for p in copies.values()]]) == 2
    err = capsys.readouterr().err
    assert "consolidated.xml: not well-formed XML" in err and "the live index is unchanged" in err
    assert store.read_pointer()["version"] == summary["version"]


def test_serve_imports_the_lists_at_start(lists_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kycgate.core.settings import get_settings
    from kycgate.local import import_lists_at_start

    monkeypatch.setenv("KYCGATE_LISTS", ",".join([*SOURCES, "/nonexistent/sdn.csv"]))
    get_settings.cache_clear()
    line = import_lists_at_start()
    assert "ofac_sdn (19), un_consolidated (9), ofac.sanctions (144)" in line
    assert "skipped 1 unreadable: /nonexistent/sdn.csv" in line
    assert _zawahiri(lists.get_index()) >= 0.85


def test_serve_without_readable_lists_says_so_in_one_line(lists_bucket: str, monkeypatch) -> None:
    from kycgate.core.settings import get_settings
    from kycgate.local import import_lists_at_start

    monkeypatch.setenv("KYCGATE_LISTS", "/nonexistent/a.xml,https://lists.invalid/sdn.csv")
    get_settings.cache_clear()
    line = import_lists_at_start()
    assert "\n" not in line
    assert "none of the 2 in KYCGATE_LISTS could be read; first: /nonexistent/a.xml: no such file" in line
    assert "no list loaded" in line
    with pytest.raises(lists.NoListLoaded):
        lists.get_index()
