"""Bad-input catalogue, generated from every operation's request body schema.

Whole bodies: malformed, truncated, not an object, empty, 25 MB (declared and streamed), deeply
nested, UTF-16, non-JSON media type. Per field (read off the schema, nested fields included):
wrong types, huge strings and arrays, NaN/Infinity/1e999 (raw bytes: JSON itself has no NaN) and
negative numbers where the schema sets a minimum; unicode edge cases (NUL, controls, bidi overrides,
zero-width, lone surrogates) in ids, references and names; SSRF targets in URL fields; lying,
corrupt, oversized and decompression-bomb images in image fields.

Each must be answered with the right 4xx as problem+json with a detail that names the field, and
must leave the tables and the bucket exactly as they were.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kycgate.app import create_app
from tests.reliability.harness import (
    FACES,
    FIELDS,
    IMAGE_FIELD,
    Operation,
    World,
    assert_problem,
    aws_state,
    count,
    leaf_fields,
    non_null,
    operations,
    png_bytes,
    valid_request,
)

OPERATIONS = [op for op in operations(create_app()) if op.body is not None]
RAW = "\x00raw\x00"  # placeholder replaced by raw JSON text after serialisation
ID_FIELD = re.compile(r"(^|_)(id|reference|token)$")
NAME_FIELD = re.compile(r"(^|_)name$")
URL_FIELD = re.compile(r"(^|_)url$")
MB = 1024 * 1024


@dataclass(frozen=True)
class BadInput:
    op: Operation
    name: str
    expected: frozenset[int]
    build: Callable[[dict[str, Any]], tuple[Any, dict[str, str]]]  # valid body -> (content, headers)
    field: tuple[str | int, ...] = ()
    # Values a person's name may legitimately contain (ZWNJ in Persian, RLM in Hebrew): accepted
    # or refused, but when accepted they must come back exactly as sent.
    may_accept: str | None = None

    @property
    def id(self) -> str:
        where = ".".join(str(p) for p in self.field) or "body"
        return f"{self.op.operation_id}-{where}-{self.name}"


def _json(body: Any, raw: str | None = None) -> tuple[bytes, dict[str, str]]:
    text = json.dumps(body, ensure_ascii=False)
    if raw is not None:
        text = text.replace(json.dumps(RAW), raw)
    return text.encode("utf-8", "surrogatepass"), {"Content-Type": "application/json"}


def _set(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    node: Any = copy
    for step, following in itertools.pairwise(path):
        if isinstance(step, int):
            while len(node) <= step:
                node.append([] if isinstance(following, int) else {})
        elif not isinstance(node.get(step), dict | list):
            node[step] = [] if isinstance(following, int) else {}
        node = node[step]
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return copy


def _field(path: tuple, value: Any, raw: str | None = None) -> Callable[[dict[str, Any]], tuple[Any, dict]]:
    return lambda body: _json(_set(body, path, RAW if raw is not None else value), raw)


def _whole(content: bytes | Callable[[], Iterator[bytes]], media_type: str = "application/json") -> Callable:
    return lambda body: (content() if callable(content) else content, {"Content-Type": media_type})


# ------------------------------------------------------------------------------------------ catalogue

NOT_JSON = {400, 422}


def _body_cases(op: Operation) -> Iterator[BadInput]:
    def case(name: str, expected: set[int], build: Callable) -> BadInput:
        return BadInput(op, name, frozenset(expected), build)

    yield case("malformed-json", NOT_JSON, _whole(b'{"a": '))
    yield case("truncated-json", NOT_JSON, lambda body: (_json(body)[0][:-3], {"Content-Type": "application/json"}))
    yield case("array-body", {422}, _whole(b"[]"))
    if not op.optional_body:  # a route that also takes no body answers these as a request without one
        yield case("null-body", {422}, _whole(b"null"))
        yield case("empty-body", NOT_JSON, _whole(b""))
    yield case("deep-nesting", NOT_JSON, _whole(b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
    yield case("text-plain-body", {415, 422}, lambda body: (json.dumps(body).encode(), {"Content-Type": "text/plain"}))
    yield case("25mb-body", {413}, _whole(b'{"x": "' + b"A" * (25 * MB) + b'"}'))
    # A multipart route reads the stream only as multipart (anything else is "no files", never read).
    streamed = "multipart/form-data; boundary=x" if op.multipart else "application/json"
    yield case("25mb-streamed", {413}, _whole(lambda: (b"A" * MB for _ in range(25)), streamed))


def _field_cases(op: Operation) -> Iterator[BadInput]:
    for path, schema in leaf_fields(op.body):
        name = next((p for p in reversed(path) if isinstance(p, str)), "")
        kind = non_null(schema).get("type")

        def case(label: str, expected: set[int], build: Callable, may_accept: str | None = None) -> BadInput:
            return BadInput(op, label, frozenset(expected), build, path, may_accept)  # noqa: B023

        if kind == "string":
            yield case("number-for-string", {422}, _field(path, 12345))
            yield case("object-for-string", {422}, _field(path, {"$gt": ""}))
            yield case("huge-string", {413, 422}, _field(path, "A" * 300_000 + "!"))
            yield from _text_cases(op, path, name, case)
            if URL_FIELD.search(name):
                yield from (case(f"ssrf-{label}", {422}, _field(path, url)) for label, url in SSRF_URLS.items())
            if IMAGE_FIELD.search(name):
                yield from (case(f"image-{label}", {422}, _field(path, value)) for label, value in BAD_IMAGES.items())
            if non_null(schema).get("enum"):
                yield case("not-in-enum", {422}, _field(path, "definitely-not-a-member"))
        elif kind in ("number", "integer"):
            yield case("string-for-number", {422}, _field(path, "twelve"))
            for label, raw in NON_FINITE.items():
                yield case(label, {422}, _field(path, None, raw))
            if non_null(schema).get("minimum", -1) >= 0:
                yield case("negative", {422}, _field(path, -1))
            if kind == "integer":
                yield case("fraction-for-integer", {422}, _field(path, 1.5))
        elif kind == "boolean":
            yield case("object-for-boolean", {422}, _field(path, {"value": True}))
        if path and isinstance(path[-1], int):
            yield case("huge-array", {413, 422}, _field(path[:-1], ["x"] * 50_000))


def _text_cases(op: Operation, path: tuple, name: str, case: Callable) -> Iterator[BadInput]:
    lookup = name in FIELDS  # an id that must already exist: unknown is a 404, malformed a 422
    refused = {404, 422} if lookup else {422}
    if ID_FIELD.search(name):
        for label, value in {**CONTROL_TEXT, **INVISIBLE_TEXT}.items():
            yield case(f"unicode-{label}", refused, _field(path, value))
        yield case("unicode-lone-surrogate", refused, _field(path, None, '"ab\\ud800"'))
    elif NAME_FIELD.search(name):
        for label, value in CONTROL_TEXT.items():
            yield case(f"unicode-{label}", {422}, _field(path, value))
        yield case("unicode-lone-surrogate", {422}, _field(path, None, '"ab\\ud800"'))
        for label, value in INVISIBLE_TEXT.items():
            yield case(f"unicode-{label}", {422}, _field(path, value), may_accept=value)


# JSON has no NaN or Infinity, but Python's json module (and so FastAPI) reads them: sent as raw text.
NON_FINITE = {"nan": "NaN", "infinity": "Infinity", "minus-infinity": "-Infinity", "1e999": "1e999"}
CONTROL_TEXT = {
    "nul": "Ann\x00a",
    "newline": "Ann\na",
    "escape": "Ann\x1b[31ma",
    "bidi-override": "Ann\u202eagyl",  # renders reversed: the Trojan-source trick
    "bidi-isolate": "Ann\u2066a\u2069",
}
INVISIBLE_TEXT = {
    "zero-width-space": "An\u200bna",
    "zero-width-joiner": "An\u200dna",
    "rtl-mark": "\u200fAnna",
}
SSRF_URLS = {
    "http-scheme": "http://hooks.example.com/kycgate",
    "loopback": "https://127.0.0.1/hook",
    "loopback-v6": "https://[::1]/hook",
    "localhost": "https://localhost/hook",
    "private-10": "https://10.0.0.1/hook",
    "private-192": "https://192.168.1.10/hook",
    "metadata": "https://169.254.169.254/latest/meta-data/",
    "metadata-v6": "https://[fd00:ec2::254]/latest/meta-data/",
    "decimal-ip": "https://2130706433/hook",
    "hex-ip": "https://0x7f000001/hook",
    "mapped-v6": "https://[::ffff:127.0.0.1]/hook",
    "file": "file:///etc/passwd",
    "gopher": "gopher://127.0.0.1:6379/_INFO",
    "javascript": "javascript:alert(1)",
    "credentials": "https://user:secret@127.0.0.1/hook",
    "no-host": "https:///hook",
    "not-a-url": "hooks example com",
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _bomb_png() -> bytes:
    """A valid 1x1 PNG whose header then claims 30000x30000 (CRC fixed up), as a bomb does."""
    data = bytearray(png_bytes(1, 1))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = (30000).to_bytes(4, "big") * 2
    data[ihdr + 17 : ihdr + 21] = zlib.crc32(bytes(data[ihdr : ihdr + 17])).to_bytes(4, "big")
    return bytes(data)


def _gif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 20, 30)).save(buffer, format="GIF")
    return buffer.getvalue()


_JPEG = (FACES / "obama_1.jpg").read_bytes()
BAD_IMAGES = {
    "invalid-base64": "this is not base64 at all!",
    "base64-with-junk": _b64(_JPEG)[:1000] + "$$$" + _b64(_JPEG)[1000:2000],
    "empty": "",
    "gif": _b64(_gif()),
    "gif-claiming-jpeg": "data:image/jpeg;base64," + _b64(_gif()),
    "html-claiming-png": "data:image/png;base64," + _b64(b"<html><script>alert(1)</script></html>" * 40),
    "pdf": _b64(b"%PDF-1.4\n" + b"0" * 4000),
    "jpeg-magic-then-garbage": _b64(b"\xff\xd8\xff\xe0" + b"\x00JFIF" + bytes(range(256)) * 40),
    "truncated-jpeg": _b64(_JPEG[: len(_JPEG) // 2]),
    "decompression-bomb-30000px": _b64(_bomb_png()),
    "too-wide-9000x10": _b64(png_bytes(9000, 10)),
    "too-small-200x200": _b64(png_bytes(200, 200)),
}


def _multipart(files: list[tuple[str, bytes, str]], field: str = "files") -> tuple[bytes, dict[str, str]]:
    boundary = "kycgate-bad-input-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data, mime in files
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), {
        "Content-Type": f"multipart/form-data; boundary={boundary}"
    }


def _raw(value: str) -> bytes:
    """A BAD_IMAGES value as the bytes of an uploaded file (what it decodes to, or its text)."""
    payload = value.partition(",")[2] if value.startswith("data:") else value
    try:
        return base64.b64decode(payload, validate=True)
    except ValueError:
        return value.encode()


def _upload_cases(op: Operation) -> Iterator[BadInput]:
    """Multipart uploads (field `files`): lying, corrupt, oversized and bomb files, too many files, none."""

    def case(name: str, files: list[tuple[str, bytes, str]], field: str = "files") -> BadInput:
        return BadInput(op, name, frozenset({422}), lambda body: _multipart(files, field), ("files",))

    for label, value in BAD_IMAGES.items():
        yield case(f"file-{label}", [(f"{label}.jpg", _raw(value), "image/jpeg")])
    jpeg = ("passport.jpg", _JPEG, "image/jpeg")
    yield case("file-16mb", [("big.jpg", _JPEG[:4] + b"\0" * (16 * MB), "image/jpeg")])
    yield case("files-too-many", [jpeg] * 6)
    yield case("files-in-another-field", [jpeg], field="file")
    yield case("file-second-bad", [jpeg, ("second.png", png_bytes(200, 200), "image/png")])


CATALOGUE = [
    case for op in OPERATIONS for case in (*_body_cases(op), *(_upload_cases(op) if op.multipart else _field_cases(op)))
]


# ---------------------------------------------------------------------------------------------- test


@pytest.mark.parametrize("bad", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_input(world: World, bad: BadInput) -> None:
    request = valid_request(world, bad.op)
    content, headers = bad.build(request.body)
    before = aws_state()
    response = world.request(
        request.method, request.url, request.tenant, content=content, headers=headers, params=request.params
    )
    count("bad inputs tried", bad.name.split("-")[0] if bad.name.startswith(("ssrf", "image", "unicode")) else bad.name)
    if bad.may_accept is not None and response.status_code < 300:
        assert bad.may_accept in _strings(response.json()), f"{bad.id}: accepted, but not stored as sent"
        return
    problem = assert_problem(response, set(bad.expected), bad.id)
    assert not before.delta(aws_state()), f"{bad.id}: refused with {response.status_code} but data changed"
    if bad.field and response.status_code == 422:
        named = [str(p) for p in bad.field if isinstance(p, str)][-1]
        locations = [list(map(str, e.get("loc", ()))) for e in problem.get("errors") or []]
        mentioned = named in problem["detail"] or any(named in loc for loc in locations)
        assert mentioned, f"{bad.id}: the problem does not name the field {named!r}: {problem}"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
