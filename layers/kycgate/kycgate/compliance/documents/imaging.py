"""Image work for document reading, with OpenCV: decoding, turning, finding and cutting out the MRZ.

The MRZ is found the way PassportEye (after Hans Boone's method) finds it: dark text on a light
background is brought out by a black-hat, its vertical strokes by a horizontal gradient, and closing
with a wide kernel melts each MRZ line and then the lines into one solid block, whose minimum-area
rectangle gives the position and the skew. The 180 degree ambiguity of a rectangle is left to the
reader (it tries the crop both ways up).
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["MrzBox", "crop_box", "decode", "find_mrz_boxes", "fit", "rotate", "upright_angle"]

ImageArray = npt.NDArray[np.uint8]

# Pages are read at this longest side: an MRZ character of a passport photographed whole is then
# about 25 px high, what the recognizer's 48 px input wants within a factor of two.
WORK_SIDE: Final = 1600
# Whole sides are OCR'd at this longest side: detection costs ~2.5x more at WORK_SIDE for the same
# recognised text (the recognizer scales every line to 48 px high anyway).
PAGE_SIDE: Final = 1280
# The MRZ search runs on a copy this wide (its kernels are fixed in pixels, as PassportEye's).
_LOCATE_SIDE: Final = 640


class MrzBox(NamedTuple):
    center: tuple[float, float]  # in the image's coordinates
    length: float  # along the lines
    thickness: float  # across them
    angle: float  # degrees to turn the image by (counter-clockwise) to bring the lines horizontal


def decode(data: bytes) -> ImageArray:
    """BGR pixels with the EXIF orientation applied, longest side at most WORK_SIDE."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("the image could not be decoded")
    return fit(image, WORK_SIDE)


def fit(image: ImageArray, side: int) -> ImageArray:
    """``image`` scaled down so that its longest side is at most ``side``."""
    scale = side / max(image.shape[:2])
    if scale >= 1.0:
        return image
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def rotate(image: ImageArray, angle: float) -> ImageArray:
    """``image`` turned counter-clockwise by ``angle`` degrees on a canvas that holds all of it."""
    angle = angle % 360
    quarter = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    if round(angle, 6) == 0:
        return image
    if round(angle, 6) in quarter:
        return cv2.rotate(image, quarter[round(angle)])
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(
        image, matrix, (new_width, new_height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def find_mrz_boxes(image: ImageArray, limit: int = 3) -> list[MrzBox]:
    """Blocks of text that look like an MRZ (long, thin, dense), largest first, in ``image`` coordinates."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = _LOCATE_SIDE / max(gray.shape[:2])
    small = cv2.resize(gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    boxes = []
    # Two passes: lines seen horizontally first, then the image turned a quarter for upright MRZs
    # (the gradient and kernels are directional).
    for quarter in (0, 90):
        work = small if quarter == 0 else cv2.rotate(small, cv2.ROTATE_90_CLOCKWISE)
        for box in _blocks(work):
            boxes.append(box if quarter == 0 else _unturn(box, work.shape))
    boxes = [
        MrzBox((x / scale, y / scale), length / scale, thick / scale, angle) for (x, y), length, thick, angle in boxes
    ]
    # The MRZ is the longest block of text on a document.
    boxes.sort(key=lambda b: b.length, reverse=True)
    return _distinct(boxes)[:limit]


def upright_angle(box: MrzBox, shape: tuple[int, ...]) -> float:
    """The box's angle, or the other way up when the levelled box is in the image's upper half: an MRZ
    is printed at the bottom of its side (the reader still checks by reading)."""
    height, width = shape[:2]
    x, y = box.center[0] - width / 2, box.center[1] - height / 2
    turned_y = -x * math.sin(math.radians(box.angle)) + y * math.cos(math.radians(box.angle))
    return box.angle % 360 if turned_y >= 0 else (box.angle + 180) % 360


def _blocks(gray: ImageArray) -> list[MrzBox]:
    rect_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (13, 5))
    square_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (21, 21))
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    blackhat = cv2.morphologyEx(blurred, cv2.MORPH_BLACKHAT, rect_kernel)
    gradient = np.absolute(cv2.Sobel(blackhat, ddepth=cv2.CV_32F, dx=1, dy=0, ksize=-1))
    span = float(gradient.max() - gradient.min()) or 1.0
    gradient = (255 * (gradient - gradient.min()) / span).astype(np.uint8)
    gradient = cv2.morphologyEx(gradient, cv2.MORPH_CLOSE, rect_kernel)
    _, binary = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, square_kernel)
    binary = cv2.erode(binary, None, iterations=4)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height, width = gray.shape[:2]
    found = []
    for contour in contours:
        (cx, cy), (w, h), _ = rect = cv2.minAreaRect(contour)
        length, thickness = max(w, h), min(w, h)
        # An MRZ runs across most of the document: at least a third of the longer image side here
        # (a document photographed with some background), and is 2-3 lines thick (TD1's 3 x 30 is
        # the stubbiest at about 5:1 once the lines have merged).
        # A single line of text (a title) is 30-60 times as long as it is thick; merged MRZ lines 5-20.
        if thickness < 4 or length < max(width, height) / 3 or not 3.5 <= length / thickness <= 25:
            continue
        found.append(MrzBox((cx, cy), length, thickness, _lines_angle(cv2.boxPoints(rect))))
    return found


def _lines_angle(points: npt.NDArray[np.float32]) -> float:
    """Degrees (counter-clockwise) that bring the rectangle's long side horizontal, in (-90, 90]."""
    edges = [(points[(i + 1) % 4] - points[i]) for i in range(2)]
    dx, dy = max(edges, key=lambda e: float(np.hypot(*e)))
    angle = math.degrees(math.atan2(float(dy), float(dx)))  # image y points down: clockwise positive
    angle = (angle + 90) % 180 - 90
    return angle if angle != -90 else 90.0


def _unturn(box: MrzBox, turned_shape: tuple[int, ...]) -> MrzBox:
    """A box found in the image turned 90 degrees clockwise, in the original image's coordinates."""
    (x, y), length, thickness, angle = box
    original_height = turned_shape[1]
    # Turning clockwise maps (x, y) of the original to (H - 1 - y, x), H the original's height;
    # a direction (dx, dy) to (-dy, dx), so a line at angle b there is at b - 90 here.
    original = (y, original_height - 1 - x)
    unturned = angle % 180 - 90
    return MrzBox(original, length, thickness, unturned if unturned != -90 else 90.0)


def _distinct(boxes: list[MrzBox]) -> list[MrzBox]:
    """Drops boxes whose center lies inside a larger one already kept (both passes find a level MRZ)."""
    kept: list[MrzBox] = []
    for box in boxes:
        if all(math.dist(box.center, other.center) > other.thickness for other in kept):
            kept.append(box)
    return kept


def crop_box(image: ImageArray, box: MrzBox, *, pad_along: float = 0.06, pad_across: float = 0.45) -> ImageArray:
    """The box cut out level (lines horizontal, either way up), with a margin: the closing and erosion
    that found it leave the block a little shorter and thinner than the text."""
    length = box.length * (1 + 2 * pad_along)
    thickness = box.thickness * (1 + 2 * pad_across)
    matrix = cv2.getRotationMatrix2D(box.center, box.angle, 1.0)
    matrix[0, 2] += length / 2 - box.center[0]
    matrix[1, 2] += thickness / 2 - box.center[1]
    return cv2.warpAffine(
        image, matrix, (round(length), round(thickness)), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
