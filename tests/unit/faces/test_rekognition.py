"""The Rekognition matcher, tested at the botocore boundary with Stubber.

moto's CompareFaces returns one canned answer whatever the images, so nothing
here is decided by moto: every response is written out below.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import cv2
import numpy as np
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from kycgate.core import aws
from kycgate.faces import FaceDeclineCode, FaceMatcher, FaceTemplate, get_matcher, rekognition
from kycgate.faces.rekognition import MAX_IMAGE_BYTES, RekognitionMatcher

REFERENCE = b"\xff\xd8\xff reference document photo"
PROBE = b"\x89PNG\r\n\x1a\n live selfie"


def face(confidence: float = 99.9, left: float = 0.3) -> dict[str, Any]:
    return {
        "BoundingBox": {"Width": 0.3, "Height": 0.4, "Left": left, "Top": 0.2},
        "Confidence": confidence,
    }


def compare_response(matches: list[float], unmatched: int) -> dict[str, Any]:
    return {
        "SourceImageFace": {"BoundingBox": face()["BoundingBox"], "Confidence": 99.9},
        "FaceMatches": [{"Similarity": similarity, "Face": face()} for similarity in matches],
        "UnmatchedFaces": [face(left=0.6) for _ in range(unmatched)],
    }


def expected_request(threshold: float = 80.0, reference: Any = REFERENCE, probe: Any = PROBE) -> dict[str, Any]:
    return {
        "SourceImage": {"Bytes": reference},
        "TargetImage": {"Bytes": probe},
        "SimilarityThreshold": threshold,
        "QualityFilter": "AUTO",
    }


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "rekognition", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def matcher(client: Any, monkeypatch: pytest.MonkeyPatch) -> RekognitionMatcher:
    monkeypatch.delenv("KYCGATE_REKOGNITION_SIMILARITY_THRESHOLD", raising=False)
    return RekognitionMatcher(client=client)


def test_match(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_response("compare_faces", compare_response([97.25], 0), expected_request())

    result = matcher.compare(REFERENCE, PROBE)

    assert result.matched
    assert result.similarity == pytest.approx(0.9725)
    assert result.decline_code is None
    assert not result.in_review_band
    assert result.faces_in_reference == 1
    assert result.faces_in_probe == 1
    assert result.probe_template is None


def test_mismatch_reports_only_unmatched_faces(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_response("compare_faces", compare_response([], 1), expected_request())

    result = matcher.compare(REFERENCE, PROBE)

    assert not result.matched
    assert result.decline_code is FaceDeclineCode.FACE_MISMATCH
    assert result.similarity == 0.0
    assert result.faces_in_probe == 1
    assert not result.in_review_band


@pytest.mark.parametrize(("matches", "unmatched"), [([99.0], 1), ([], 2), ([91.0, 88.0], 0)])
def test_multiple_faces_in_probe(
    matcher: RekognitionMatcher, stubber: Stubber, matches: list[float], unmatched: int
) -> None:
    stubber.add_response("compare_faces", compare_response(matches, unmatched), expected_request())

    result = matcher.compare(REFERENCE, PROBE)

    assert not result.matched
    assert result.decline_code is FaceDeclineCode.MULTIPLE_FACES
    assert result.faces_in_probe == 2
    assert result.similarity == pytest.approx(max(matches, default=0.0) / 100)


def test_no_face_in_probe_returned_as_empty_lists(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_response("compare_faces", compare_response([], 0), expected_request())

    result = matcher.compare(REFERENCE, PROBE)

    assert result.decline_code is FaceDeclineCode.NO_FACE
    assert result.faces_in_probe == 0
    assert not result.matched


def test_no_face_in_source_is_a_decline_not_an_error(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_client_error(
        "compare_faces",
        "InvalidParameterException",
        "Request has invalid parameters",
        400,
        expected_request(),
    )
    stubber.add_response("detect_faces", {"FaceDetails": []}, {"Image": {"Bytes": REFERENCE}})

    result = matcher.compare(REFERENCE, PROBE)

    assert result.decline_code is FaceDeclineCode.NO_FACE_ON_REFERENCE
    assert result.faces_in_reference == 0
    assert not result.matched
    assert result.similarity == 0.0


def test_invalid_parameter_with_a_face_on_the_reference_blames_the_probe(
    matcher: RekognitionMatcher, stubber: Stubber
) -> None:
    # CompareFaces raises the same InvalidParameterException when the *target* has no face.
    stubber.add_client_error(
        "compare_faces",
        "InvalidParameterException",
        "Request has invalid parameters",
        400,
        expected_request(),
    )
    stubber.add_response("detect_faces", {"FaceDetails": [face()]}, {"Image": {"Bytes": REFERENCE}})

    result = matcher.compare(REFERENCE, PROBE)

    assert result.decline_code is FaceDeclineCode.NO_FACE
    assert result.faces_in_reference == 1
    assert result.faces_in_probe == 0


def test_detect_faces_rejecting_the_reference_too_means_no_face_on_it(
    matcher: RekognitionMatcher, stubber: Stubber
) -> None:
    stubber.add_client_error("compare_faces", "InvalidParameterException", http_status_code=400)
    stubber.add_client_error("detect_faces", "InvalidParameterException", http_status_code=400)

    assert matcher.compare(REFERENCE, PROBE).decline_code is FaceDeclineCode.NO_FACE_ON_REFERENCE


def test_threshold_comes_from_the_environment(client: Any, stubber: Stubber, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYCGATE_REKOGNITION_SIMILARITY_THRESHOLD", "92.5")
    stubber.add_response("compare_faces", compare_response([95.0], 0), expected_request(threshold=92.5))

    result = RekognitionMatcher(client=client).compare(REFERENCE, PROBE)

    assert result.matched


@pytest.mark.parametrize("value", ["eighty", "101", "-1"])
def test_bad_threshold_is_rejected(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KYCGATE_REKOGNITION_SIMILARITY_THRESHOLD", value)
    with pytest.raises(ValueError):
        RekognitionMatcher(client=object())


def test_bad_image_format_is_a_value_error(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_client_error("compare_faces", "InvalidImageFormatException", http_status_code=400)

    with pytest.raises(ValueError, match="InvalidImageFormatException"):
        matcher.compare(REFERENCE, PROBE)


def test_service_failures_propagate(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    stubber.add_client_error("compare_faces", "ThrottlingException", http_status_code=400)

    with pytest.raises(ClientError):
        matcher.compare(REFERENCE, PROBE)


def test_images_over_the_5_mib_byte_limit_are_shrunk(matcher: RekognitionMatcher, stubber: Stubber) -> None:
    # Noise compresses badly, so this PNG is well over the limit botocore enforces before sending.
    noise = np.random.default_rng(7).integers(0, 256, size=(1600, 1600, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".png", noise)
    assert ok
    big = encoded.tobytes()
    assert len(big) > MAX_IMAGE_BYTES

    shrunk = rekognition._fit(big)
    assert len(shrunk) <= MAX_IMAGE_BYTES
    assert cv2.imdecode(np.frombuffer(shrunk, dtype=np.uint8), cv2.IMREAD_COLOR) is not None
    assert rekognition._fit(PROBE) is PROBE

    # Stubber runs botocore's parameter validation, so an oversized blob would fail here.
    stubber.add_response("compare_faces", compare_response([99.0], 0), expected_request(probe=ANY))
    assert matcher.compare(REFERENCE, big).matched


def test_templates_are_not_supported(matcher: RekognitionMatcher) -> None:
    assert not matcher.supports_templates
    with pytest.raises(NotImplementedError):
        matcher.compare_template(FaceTemplate(backend="sface", vector=b"\x00" * 512), PROBE)


def test_client_is_the_shared_lazy_module_level_one(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = object()
    made: list[str] = []

    def fake_client(service: str) -> Any:
        made.append(service)
        return shared

    monkeypatch.setattr(aws, "client", fake_client)

    matcher = RekognitionMatcher()
    assert made == []

    assert matcher.client is shared
    assert made == ["rekognition"]


def test_shared_client_is_created_once_per_process() -> None:
    aws.reset_clients()
    try:
        first, second = RekognitionMatcher(), RekognitionMatcher()
        assert first.client is second.client
        assert first.client.meta.service_model.service_name == "rekognition"
    finally:
        aws.reset_clients()


def test_get_matcher_builds_rekognition_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYCGATE_FACE_MATCHER", "rekognition")

    matcher = get_matcher()

    assert isinstance(matcher, RekognitionMatcher)
    assert isinstance(matcher, FaceMatcher)
    assert matcher.name == "rekognition"
    assert get_matcher("rekognition") is matcher
