"""OCR engines behind one interface: lines of text with a confidence and a box, in image coordinates.

``rapidocr`` (the default): PaddleOCR's PP-OCRv6 detection and recognition models (Chinese, English and
the Latin scripts in one model) and its text-direction classifier, all shipped inside the ``rapidocr``
wheel, run by onnxruntime. ``tesseract``: Debian's tesseract-ocr through pytesseract, with the ``eng``
and ``chi_tra`` models of Debian's packages, kept to compare against (bench/idv.py). Picked with
``KYCGATE_OCR_ENGINE``; each loads on first use, once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]

__all__ = ["OcrEngine", "OcrLine", "get_engine"]

Point = tuple[float, float]
MRZ_CHARACTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


class OcrLine(NamedTuple):
    text: str
    confidence: float  # the engine's own score, 0..1
    box: tuple[Point, Point, Point, Point]  # corners, clockwise from the top left of the text

    @property
    def center(self) -> Point:
        return sum(p[0] for p in self.box) / 4, sum(p[1] for p in self.box) / 4

    @property
    def height(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return (((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5 + ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5) / 2

    @property
    def width(self) -> float:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.box
        return (((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 + ((x2 - x3) ** 2 + (y2 - y3) ** 2) ** 0.5) / 2


class OcrEngine(Protocol):
    name: str

    def read(
        self, image: ImageArray, *, mrz: bool = False, upright: bool = False, languages: Sequence[str] = ("en",)
    ) -> list[OcrLine]:
        """Every text line of a BGR ``image``. ``mrz``: the image is an upright MRZ (only its alphabet);
        ``upright``: the page is known to be the right way up (no line is turned); ``languages``: "en",
        "zh-Hant" (engines that read them all at once may ignore it)."""
        ...


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        threads = int(os.environ.get("KYCGATE_OCR_THREADS", "0")) or os.cpu_count() or 1
        # Its logger writes coloured lines to stderr on every load; only errors may reach Lambda's logs.
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        # The call sets per-call options on the shared object: one call at a time.
        self._lock = threading.Lock()

    def read(
        self, image: ImageArray, *, mrz: bool = False, upright: bool = False, languages: Sequence[str] = ("en",)
    ) -> list[OcrLine]:
        with self._lock:
            # The direction classifier turns upside-down lines: not needed on a page known upright, and
            # it takes some upside-down MRZ lines for upright ones.
            result = self._ocr(image, use_cls=not (mrz or upright))
        if result.boxes is None or result.txts is None:
            return []
        return [
            OcrLine(text, float(score), tuple((float(x), float(y)) for x, y in box))  # type: ignore[arg-type]
            for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]


class TesseractEngine:
    name = "tesseract"
    _LANGUAGES: Final = {"en": "eng", "zh-Hant": "chi_tra"}

    def __init__(self) -> None:
        import pytesseract

        self._tesseract = pytesseract
        pytesseract.get_tesseract_version()  # fails now, with its own message, when tesseract is missing

    def read(
        self, image: ImageArray, *, mrz: bool = False, upright: bool = False, languages: Sequence[str] = ("en",)
    ) -> list[OcrLine]:
        if mrz:
            lang, config = "eng", f"--psm 6 -c tessedit_char_whitelist={MRZ_CHARACTERS}"
        else:
            lang = "+".join(dict.fromkeys(self._LANGUAGES[code] for code in languages))
            config = "--psm 11" if "chi_tra" not in lang else "--psm 6"
        data = self._tesseract.image_to_data(image, lang=lang, config=config, output_type=self._tesseract.Output.DICT)
        lines: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if word.strip() and float(data["conf"][i]) >= 0:
                lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
        out = []
        for words in lines.values():
            x0 = min(data["left"][i] for i in words)
            y0 = min(data["top"][i] for i in words)
            x1 = max(data["left"][i] + data["width"][i] for i in words)
            y1 = max(data["top"][i] + data["height"][i] for i in words)
            # Chinese has no spaces between words; tesseract's word split is not the text's.
            joiner = "" if "chi_tra" in lang else " "
            text = joiner.join(data["text"][i] for i in words)
            confidence = min(float(data["conf"][i]) for i in words) / 100
            out.append(OcrLine(text, confidence, ((x0, y0), (x1, y0), (x1, y1), (x0, y1))))
        return out


_ENGINES: Final = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine}
_loaded: dict[str, OcrEngine] = {}
_lock = threading.Lock()


def get_engine(name: str | None = None) -> OcrEngine:
    """The process's engine ``name`` (default: ``KYCGATE_OCR_ENGINE``, else rapidocr), loaded once."""
    name = name or os.environ.get("KYCGATE_OCR_ENGINE", "").strip() or "rapidocr"
    if name not in _ENGINES:
        raise ValueError(f"KYCGATE_OCR_ENGINE must be one of {sorted(_ENGINES)}, got {name!r}")
    engine = _loaded.get(name)
    if engine is None:
        with _lock:
            engine = _loaded.get(name)
            if engine is None:
                engine = _loaded[name] = _ENGINES[name]()
    return engine
