"""Where list files come from: paths (a file or a folder of them) and URLs, read into RawFiles and
grouped into the sources they make up.

Files are recognised by name: sdn.csv, alt.csv and add.csv (any case: the official URLs end in
SDN.CSV) make the OFAC SDN source together; a .xml file is the UN consolidated list; a .json file
is an address list. URLs must be https (plain http only to a loopback host, for local servers);
redirects are followed, the body is capped at MAX_DOWNLOAD_BYTES, and a body shorter than its
Content-Length fails as truncated.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from kycgate.compliance.lists import addresses, ofac, un
from kycgate.compliance.lists.model import ListFileError, ParsedSource, RawFile

MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
_USER_AGENT = "kycgate-lists/1 (+sanctions list import)"


class SourceProblem(NamedTuple):
    origin: str
    problem: str


def is_url(argument: str) -> bool:
    return argument.lower().startswith(("http://", "https://"))


def _kind(name: str) -> str | None:
    lowered = name.lower()
    if lowered in ofac.FILES:
        return "ofac"
    if lowered.endswith(".xml"):
        return "un"
    if lowered.endswith(".json"):
        return "addresses"
    return None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def read_path(path: Path) -> list[RawFile]:
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and _kind(p.name))
        if not found:
            raise ListFileError(str(path), "the folder holds no list file (sdn.csv/alt.csv/add.csv, a .xml, a .json)")
        return [f for p in found for f in read_path(p)]
    if not path.is_file():
        raise ListFileError(str(path), "no such file or folder")
    if _kind(path.name) is None:
        raise ListFileError(
            str(path), "not a list file kycgate reads (sdn.csv, alt.csv, add.csv, the UN .xml, a .json address list)"
        )
    try:
        data = path.read_bytes()
        modified = _iso(path.stat().st_mtime)
    except OSError as exc:
        raise ListFileError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    return [RawFile(path.name.lower(), str(path), data, modified)]


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    name = PurePosixPath(unquote(parts.path)).name
    if parts.scheme == "http":
        host = (parts.hostname or "").strip("[]")
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ListFileError(url, "list URLs must be https (plain http only to a loopback host)")
    if _kind(name) is None:
        raise ListFileError(url, "the URL does not name a list file (…/sdn.csv, …/consolidated.xml, …/list.json)")
    return name.lower()


def fetch(url: str, timeout: float) -> RawFile:
    import urllib3

    name = _check_url(url)
    http = urllib3.PoolManager(
        headers={"User-Agent": _USER_AGENT},
        timeout=urllib3.Timeout(connect=min(10.0, timeout), read=timeout),
        # A host that cannot be reached fails at once (an offline `kycgate serve` starts without
        # waiting); a busy server answering 502-504 gets two more tries.
        retries=urllib3.Retry(
            total=3, connect=0, read=1, status=2, redirect=5, backoff_factor=1.0, status_forcelist=(502, 503, 504)
        ),
    )
    try:
        response = http.request("GET", url, preload_content=False)
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ListFileError(url, f"cannot be fetched ({str(reason).split('): ')[-1][:200]})") from exc
    try:
        if response.status != 200:
            raise ListFileError(url, f"answered HTTP {response.status}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_DOWNLOAD_BYTES:
            raise ListFileError(url, f"is {declared} bytes, more than {MAX_DOWNLOAD_BYTES}")
        chunks, size = [], 0
        for chunk in response.stream(1024 * 1024):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise ListFileError(url, f"is more than {MAX_DOWNLOAD_BYTES} bytes")
            chunks.append(chunk)
        data = b"".join(chunks)
    except urllib3.exceptions.HTTPError as exc:  # a connection cut mid-body (ProtocolError) included
        raise ListFileError(url, f"the download broke off: {exc}") from exc
    finally:
        response.release_conn()
    if declared and declared.isdigit() and len(data) != int(declared) and not response.headers.get("Content-Encoding"):
        raise ListFileError(url, f"sent {len(data)} of {declared} bytes: the download is truncated")
    modified = None
    if response.headers.get("Last-Modified"):
        try:
            modified = parsedate_to_datetime(response.headers["Last-Modified"]).astimezone(UTC).isoformat()
        except (TypeError, ValueError):
            modified = None
    return RawFile(name, url, data, modified)


def read(argument: str, timeout: float) -> list[RawFile]:
    if is_url(argument):
        return [fetch(argument, timeout)]
    return read_path(Path(os.path.expanduser(argument)))


def parse(files: Sequence[RawFile]) -> list[ParsedSource]:
    """Group files into sources and parse each; ListFileError names the first file that fails."""
    ofac_files: dict[str, RawFile] = {}
    parsed: list[ParsedSource] = []
    for raw in files:
        kind = _kind(raw.name)
        if kind == "ofac":
            if raw.name in ofac_files:
                raise ListFileError(raw.origin, f"{raw.name} is given twice ({ofac_files[raw.name].origin})")
            ofac_files[raw.name] = raw
    if ofac_files:
        parsed.append(ofac.parse(ofac_files))
    for raw in files:
        kind = _kind(raw.name)
        if kind == "un":
            parsed.append(un.parse(raw))
        elif kind == "addresses":
            parsed.append(addresses.parse(raw))
    seen: dict[str, str] = {}
    for source in parsed:
        if source.source in seen:
            raise ListFileError(source.files[0].origin, f"a second {source.source} list (first: {seen[source.source]})")
        seen[source.source] = source.files[0].origin
    return parsed


def read_sources(
    arguments: Sequence[str], timeout: float, *, skip_unreadable: bool = False
) -> tuple[list[ParsedSource], list[SourceProblem]]:
    """Read and parse every argument. With ``skip_unreadable`` a source that fails is left out and
    reported (``kycgate serve``); otherwise the first failure raises."""
    if not arguments:
        raise ListFileError("lists import", "no path or URL given")
    problems: list[SourceProblem] = []
    files: list[RawFile] = []
    for argument in arguments:
        try:
            files.extend(read(argument, timeout))
        except ListFileError as exc:
            if not skip_unreadable:
                raise
            problems.append(SourceProblem(exc.origin, exc.problem))
    if not skip_unreadable:
        return parse(files), problems
    sources: list[ParsedSource] = []
    groups: list[list[RawFile]] = [[f for f in files if _kind(f.name) == "ofac"]]
    groups += [[f] for f in files if _kind(f.name) != "ofac"]
    for group in groups:
        if not group:
            continue
        try:
            sources.extend(parse(group))
        except ListFileError as exc:
            problems.append(SourceProblem(exc.origin, exc.problem))
    return sources, problems
