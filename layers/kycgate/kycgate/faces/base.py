"""The face-matching contract shared by every backend.

Kept free of heavy imports (no cv2, numpy or boto3) so that code which only
handles results, such as services and schemas, never pays for a model load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

__all__ = ["FaceComparison", "FaceDeclineCode", "FaceMatcher", "FaceTemplate"]


class FaceDeclineCode(StrEnum):
    NO_FACE = "no_face_detected"
    MULTIPLE_FACES = "multiple_faces_detected"
    NO_FACE_ON_REFERENCE = "no_face_on_document"
    FACE_MISMATCH = "face_mismatch"


@dataclass(frozen=True)
class FaceTemplate:
    """An enrolled reference face.

    Stored as bytes so that a later comparison only has to encode the new
    photo. A template is only meaningful to the backend that produced it.
    """

    backend: str
    # float32 little-endian. Biometric data: kept out of repr so a logged result never carries it.
    vector: bytes = field(repr=False)


@dataclass(frozen=True)
class FaceComparison:
    """Outcome of one reference/probe comparison.

    When several things are wrong at once the reference is judged first
    (``NO_FACE_ON_REFERENCE``), because no selfie retake can fix a document
    without a face; then the probe (``NO_FACE``, ``MULTIPLE_FACES``).
    """

    similarity: float  # 0..1
    matched: bool
    in_review_band: bool
    faces_in_reference: int
    faces_in_probe: int
    decline_code: FaceDeclineCode | None  # None when matched or in the review band
    probe_template: FaceTemplate | None  # set only when the probe holds exactly one face


@runtime_checkable
class FaceMatcher(Protocol):
    name: str
    supports_templates: bool

    def compare(self, reference: bytes, probe: bytes) -> FaceComparison:
        """Compare the largest face of ``reference`` with the single face a selfie ``probe`` must hold.

        Never raises for missing or extra faces (that is a decline code); may raise
        ``ValueError`` for bytes that do not decode as an image.
        """
        ...

    def compare_template(self, reference: FaceTemplate, probe: bytes) -> FaceComparison:
        """As ``compare`` against an enrolled template; ``NotImplementedError`` if unsupported."""
        ...
