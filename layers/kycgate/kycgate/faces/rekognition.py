"""Face matching with Amazon Rekognition ``CompareFaces``, through kycgate's shared boto3 client."""

from __future__ import annotations

import os
from typing import Any, Final

from botocore.exceptions import ClientError

from kycgate.core import aws
from kycgate.faces.base import FaceComparison, FaceDeclineCode, FaceTemplate

__all__ = ["DEFAULT_SIMILARITY_THRESHOLD", "RekognitionMatcher"]

BACKEND: Final = "rekognition"
DEFAULT_SIMILARITY_THRESHOLD: Final = 80.0
# CompareFaces takes at most 5 MiB of image bytes (botocore rejects more before
# sending), while the API accepts images up to 15 MB.
MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
_SHRUNK_LONGEST_SIDE: Final = 2048


def _fit(image: bytes) -> bytes:
    """``image`` re-encoded as a JPEG small enough for CompareFaces, when it is not already."""
    if len(image) <= MAX_IMAGE_BYTES:
        return image
    # Pillow, not OpenCV: with Rekognition the function ships without the sface layer.
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            decoded = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("image could not be decoded") from exc
    longest = min(max(decoded.size), _SHRUNK_LONGEST_SIDE)
    while True:
        resized = decoded.copy()
        resized.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG", quality=90)
        if buffer.tell() <= MAX_IMAGE_BYTES:
            return buffer.getvalue()
        longest = int(longest * 0.75)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _threshold_from_env() -> float:
    raw = os.environ.get("KYCGATE_REKOGNITION_SIMILARITY_THRESHOLD", "").strip()
    if not raw:
        return DEFAULT_SIMILARITY_THRESHOLD
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"KYCGATE_REKOGNITION_SIMILARITY_THRESHOLD must be a number, got {raw!r}") from None


class RekognitionMatcher:
    """CompareFaces backend; similarity is Rekognition's Similarity / 100.

    CompareFaces reports similarity only for faces at or above SimilarityThreshold,
    so there is no figure to put a review band on: ``in_review_band`` is always
    False and a non-matching face has similarity 0.
    """

    name = BACKEND
    supports_templates = False

    def __init__(self, *, client: Any = None, similarity_threshold: float | None = None) -> None:
        self.similarity_threshold = similarity_threshold if similarity_threshold is not None else _threshold_from_env()
        if not 0.0 <= self.similarity_threshold <= 100.0:
            raise ValueError(f"Rekognition similarity threshold must be 0..100, got {self.similarity_threshold}")
        self._client = client

    @property
    def client(self) -> Any:
        # kycgate's shared module-level client: created on first use, with the retry policy and
        # timeouts every AWS call in kycgate has, so core.web maps an unreachable Rekognition to 503.
        return self._client if self._client is not None else aws.client("rekognition")

    def compare_template(self, reference: FaceTemplate, probe: bytes) -> FaceComparison:
        raise NotImplementedError("Rekognition keeps no templates; compare against the reference image")

    def compare(self, reference: bytes, probe: bytes) -> FaceComparison:
        client = self.client
        source, target = _fit(reference), _fit(probe)
        try:
            response = client.compare_faces(
                SourceImage={"Bytes": source},
                TargetImage={"Bytes": target},
                SimilarityThreshold=self.similarity_threshold,
                QualityFilter="AUTO",
            )
        except ClientError as error:
            code = _error_code(error)
            if code == "InvalidParameterException":
                return self._face_missing(client, source)
            if code in ("InvalidImageFormatException", "ImageTooLargeException"):
                raise ValueError(f"Rekognition could not use the image ({code})") from error
            raise

        matches = response.get("FaceMatches", [])
        faces_in_probe = len(matches) + len(response.get("UnmatchedFaces", []))
        similarity = max((float(match["Similarity"]) for match in matches), default=0.0) / 100.0
        similarity = min(1.0, max(0.0, similarity))

        decline: FaceDeclineCode | None = None
        if faces_in_probe == 0:
            decline = FaceDeclineCode.NO_FACE
        elif faces_in_probe > 1:
            decline = FaceDeclineCode.MULTIPLE_FACES
        elif not matches or similarity < self.similarity_threshold / 100.0:
            decline = FaceDeclineCode.FACE_MISMATCH
        return FaceComparison(
            similarity=similarity,
            matched=decline is None,
            in_review_band=False,
            # CompareFaces uses the largest source face and does not say how many there were.
            faces_in_reference=1,
            faces_in_probe=faces_in_probe,
            decline_code=decline,
            probe_template=None,
        )

    def _face_missing(self, client: Any, source: bytes) -> FaceComparison:
        """Tell which image lacked a face after CompareFaces' InvalidParameterException.

        The service raises that one error when either image has no face (its own
        documentation says so, and AWS suggests DetectFaces to tell them apart).
        Blaming the document for a selfie pointed at the ceiling would send the
        customer down the wrong path, so the reference is checked: a face there
        means the probe was the empty one.
        """
        try:
            faces_in_reference = len(client.detect_faces(Image={"Bytes": source}).get("FaceDetails", []))
        except ClientError as error:
            if _error_code(error) != "InvalidParameterException":
                raise
            faces_in_reference = 0
        return FaceComparison(
            similarity=0.0,
            matched=False,
            in_review_band=False,
            faces_in_reference=faces_in_reference,
            faces_in_probe=0,
            decline_code=(FaceDeclineCode.NO_FACE if faces_in_reference else FaceDeclineCode.NO_FACE_ON_REFERENCE),
            probe_template=None,
        )
