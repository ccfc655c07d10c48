"""ID-document reading: per-field accuracy and time per document, RapidOCR against tesseract.

Reads a set of specimen documents drawn by tests/specimens.py (a fixed seed: the same set on every
machine): each of the four kinds (TD3 passport, TD1 card front+back, TD2 card, Taiwan ID card) ``--count``
times, in every variant (clean; turned 3-8 degrees, a quarter, half; blurred; JPEG q30-45). Each engine
reads the whole set through ``read_document``; printed per engine: MRZ fields right (against the
lines printed), the reported fields right (against the drawn values), documents with every field
right, and wall and CPU time per document, with the tesseract run as the baseline of the ratios.

    .venv/bin/python bench/idv.py [--count 5] [--seed 2026] [--engines rapidocr,tesseract]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kycgate.compliance.documents.ocr import get_engine  # noqa: E402
from kycgate.compliance.documents.reading import read_document  # noqa: E402
from tests import specimens  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and its children (pytesseract runs tesseract in one)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _same(read: str | None, truth: str) -> bool:
    return (read or "").casefold() == truth.casefold()


class Tally:
    def __init__(self) -> None:
        self.right: collections.Counter[str] = collections.Counter()
        self.total: collections.Counter[str] = collections.Counter()
        self.documents = 0
        self.documents_right = 0
        self.mrz_documents = 0
        self.mrz_documents_right = 0
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.fallbacks = 0

    def add(self, field: str, ok: bool) -> None:
        self.total[field] += 1
        self.right[field] += ok

    def share(self, prefix: str) -> tuple[int, int]:
        keys = [k for k in self.total if k.startswith(prefix)]
        return sum(self.right[k] for k in keys), sum(self.total[k] for k in keys)


def run(engine: str, documents: list[specimens.Specimen]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = collections.defaultdict(Tally)
    for specimen in documents:
        started, cpu = time.perf_counter(), _cpu()
        reading = read_document(specimen.front, specimen.back, specimen.id_type, specimen.country, engine=engine)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        group = "clean" if specimen.variant == "clean" else "degraded"
        for key in (group, f"{group}:{specimen.kind}", f"variant:{specimen.variant}"):
            tally = tallies[key]
            tally.documents += 1
            tally.wall.append(wall)
            tally.cpu.append(cpu)
            every = True
            if specimen.mrz_lines:
                tally.mrz_documents += 1
                fields = reading.mrz.result.fields if reading.mrz else {}
                mrz_ok = reading.mrz is not None and reading.mrz.result.lines == specimen.mrz_lines
                tally.mrz_documents_right += mrz_ok
                tally.fallbacks += bool(reading.mrz and reading.mrz.located)
                for name, value in specimen.mrz_fields.items():
                    ok = fields.get(name) == value
                    tally.add(f"mrz.{name}", ok)
                    every &= ok
            for name, value in specimen.truth.items():
                ok = _same(reading.value(name), value)
                tally.add(f"field.{name}", ok)
                every &= ok
            tally.documents_right += every
    return tallies


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}% ({right}/{total})" if total else "-"


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{1000 * statistics.median(ordered):.0f} / {1000 * p90:.0f} / {1000 * ordered[-1]:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5, help="documents of each kind (each in every variant)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--engines", default="rapidocr,tesseract")
    args = parser.parse_args()
    engines = args.engines.split(",")

    started = time.perf_counter()
    documents = specimens.specimen_set(args.count, seed=args.seed)
    print(
        f"{len(documents)} specimen documents ({args.count} of each of {len(specimens.KINDS)} kinds x "
        f"{len(specimens.VARIANTS)} variants, seed {args.seed}) drawn in {time.perf_counter() - started:.1f} s; "
        f"{os.cpu_count()} CPUs"
    )
    results: dict[str, dict[str, Tally]] = {}
    for engine in engines:
        started = time.perf_counter()
        get_engine(engine)
        load = time.perf_counter() - started
        warm = specimens.make("td3_passport", "clean", seed=-1)
        read_document(warm.front, warm.back, warm.id_type, warm.country, engine=engine)  # first-inference cost
        started = time.perf_counter()
        results[engine] = run(engine, documents)
        print(f"\n## {engine}: loaded in {load:.2f} s, read the set in {time.perf_counter() - started:.0f} s")
        for group in ("clean", "degraded"):
            tally = results[engine][group]
            mrz_right, mrz_total = tally.share("mrz.")
            fields_right, fields_total = tally.share("field.")
            print(
                f"{group:9} MRZ fields {_pct(mrz_right, mrz_total)}; MRZs all right "
                f"{_pct(tally.mrz_documents_right, tally.mrz_documents)}; reported fields "
                f"{_pct(fields_right, fields_total)}; documents all right "
                f"{_pct(tally.documents_right, tally.documents)}; "
                f"ms per document median/p90/max {_ms(tally.wall)} (CPU {_ms(tally.cpu)}); "
                f"MRZ cut out and re-read {tally.fallbacks}x"
            )
        for kind in specimens.KINDS:
            for group in ("clean", "degraded"):
                tally = results[engine][f"{group}:{kind}"]
                fields_right, fields_total = tally.share("field.")
                mrz_right, mrz_total = tally.share("mrz.")
                print(
                    f"  {kind:13} {group:9} fields {_pct(fields_right, fields_total):22} "
                    f"MRZ {_pct(mrz_right, mrz_total):22} ms {_ms(tally.wall)}"
                )
        for variant in specimens.VARIANTS:
            tally = results[engine][f"variant:{variant}"]
            fields_right, fields_total = tally.share("field.")
            mrz_right, mrz_total = tally.share("mrz.")
            print(
                f"  variant {variant:12} fields {_pct(fields_right, fields_total):22} "
                f"MRZ {_pct(mrz_right, mrz_total):22} ms {_ms(tally.wall)}"
            )
        per_field = results[engine]["degraded"]
        wrong = {
            k: per_field.total[k] - per_field.right[k]
            for k in per_field.total
            if per_field.right[k] < per_field.total[k]
        }
        print(f"  degraded, fields not right: {dict(sorted(wrong.items())) or 'none'}")
    if "tesseract" in results and len(results) > 1:
        base = results["tesseract"]
        print("\n## ratios to tesseract (time: median wall per document; lower is faster)")
        for engine in results:
            if engine == "tesseract":
                continue
            for group in ("clean", "degraded"):
                mine, theirs = results[engine][group], base[group]
                print(
                    f"{engine} {group:9} time x{statistics.median(mine.wall) / statistics.median(theirs.wall):.2f}; "
                    f"fields right {mine.share('field.')[0]} vs {theirs.share('field.')[0]}; "
                    f"MRZ fields right {mine.share('mrz.')[0]} vs {theirs.share('mrz.')[0]}"
                )


if __name__ == "__main__":
    main()
