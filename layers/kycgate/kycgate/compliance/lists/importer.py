"""`kycgate lists import` and `refresh_lists`: read the lists, compile one index, publish it.

An import is a whole snapshot: every source the live index holds must be given again. It is
refused, and the live index stays, when a file is bad or truncated (the parsers' checks), when a
source's entries fall by more than ``lists_max_shrink`` (10 %) against the live index or a source
is missing (a file cut at a row boundary passes every structural check but this one), unless
``allow_shrink``. When every file's SHA-256 equals the live index's, nothing is published
(``force`` publishes anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from kycgate.compliance.lists import build, sources
from kycgate.compliance.lists.model import ListFileError, ParsedSource
from kycgate.compliance.lists.sources import SourceProblem
from kycgate.compliance.screening import index as index_codec
from kycgate.core.settings import get_settings


class ImportRefused(ListFileError):
    """The lists read well but publishing them would lose entries (see the module doc)."""


class NothingReadable(ListFileError):
    """No source given could be read (``problems`` says why, one per source)."""

    def __init__(self, problems: Sequence[SourceProblem]) -> None:
        super().__init__(
            "lists import", "no list could be read: " + "; ".join(f"{p.origin}: {p.problem}" for p in problems)
        )
        self.problems = tuple(problems)


class ImportResult(NamedTuple):
    status: str  # published | unchanged | written (to a file)
    version: str
    previous_version: str | None
    manifest: dict[str, Any]
    size: int
    problems: tuple[SourceProblem, ...]  # sources skipped (skip_unreadable only)

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "version": self.version,
            "previous_version": self.previous_version,
            "bytes": self.size,
            "sources": [
                {"source": s["source"], "published": s["published"], **s["counts"]} for s in self.manifest["sources"]
            ],
            "skipped": [{"origin": p.origin, "problem": p.problem} for p in self.problems],
        }


def manifest_of(doc: dict[str, Any], previous_version: str | None = None) -> dict[str, Any]:
    return {
        "format": doc["format"],
        "format_version": doc["format_version"],
        "version": doc["version"],
        "built_at": doc["built_at"],
        "previous_version": previous_version,
        "counts": doc["counts"],
        "sources": doc["sources"],
    }


def _size(source: dict[str, Any]) -> int:
    counts = source["counts"]
    return int(counts["entries"] or counts["addresses"])


def check_shrink(new: Sequence[dict[str, Any]], live: Sequence[dict[str, Any]], max_shrink: float) -> None:
    """Refuse an import that loses more than ``max_shrink`` of a live source, or a whole source."""
    given = {s["source"]: s for s in new}
    for old in live:
        name = old["source"]
        if name not in given:
            raise ImportRefused(
                name, "the live index holds this source and the import does not: give it again, or --allow-shrink"
            )
        before, after = _size(old), _size(given[name])
        if before and after < before * (1 - max_shrink):
            origin = given[name]["files"][0]["origin"] if given[name]["files"] else name
            raise ImportRefused(
                origin,
                f"{name} has {after} records against {before} in the live index (down {1 - after / before:.0%}, "
                f"more than the {max_shrink:.0%} allowed): the file looks truncated; --allow-shrink if the list "
                "really shrank",
            )


def _unchanged(new: Sequence[dict[str, Any]], live: Sequence[dict[str, Any]]) -> bool:
    def digests(manifest_sources: Sequence[dict[str, Any]]) -> set[tuple[str, str, str]]:
        return {(s["source"], f["name"], f["sha256"]) for s in manifest_sources for f in s["files"]}

    return digests(new) == digests(live)


def compile_index(parsed: Sequence[ParsedSource], built_at: str | None = None) -> tuple[dict[str, Any], bytes]:
    doc = build.build(parsed, built_at or datetime.now(UTC).isoformat(timespec="seconds"))
    return doc, index_codec.encode(doc)


def import_lists(
    arguments: Sequence[str],
    *,
    output: Path | None = None,
    allow_shrink: bool = False,
    force: bool = False,
    skip_unreadable: bool = False,
) -> ImportResult:
    """Read, compile and publish (or write to ``output``). Raises ListFileError (ImportRefused)."""
    from kycgate.compliance.lists import store

    settings = get_settings()
    parsed, problems = sources.read_sources(
        arguments, settings.lists_fetch_timeout_seconds, skip_unreadable=skip_unreadable
    )
    if not parsed:
        raise NothingReadable(problems)
    doc, data = compile_index(parsed)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(output)  # atomic on one file system: a reader never sees half an index
        return ImportResult("written", doc["version"], None, manifest_of(doc), len(data), tuple(problems))

    pointer = store.read_pointer()
    live_sources: list[dict[str, Any]] = []
    if pointer is not None:
        live_sources = store.read_manifest(pointer)["sources"]
        if not force and _unchanged(doc["sources"], live_sources):
            manifest = manifest_of(doc, pointer["version"])
            return ImportResult("unchanged", pointer["version"], pointer["version"], manifest, 0, tuple(problems))
        if not allow_shrink:
            check_shrink(doc["sources"], live_sources, settings.lists_max_shrink)
    previous = pointer["version"] if pointer else None
    manifest = manifest_of(doc, previous)
    version = doc["version"]
    store.put_version(version, data, manifest)
    store.write_pointer(
        {
            "version": version,
            "index_key": store.index_key(version),
            "manifest_key": store.manifest_key(version),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "previous_version": previous,
        }
    )
    from kycgate.compliance.lists import loader

    loader.reset()  # this process serves the new index from its next lookup
    return ImportResult("published", version, previous, manifest, len(data), tuple(problems))
