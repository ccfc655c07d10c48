"""Reading identity documents: the MRZ (ICAO 9303 TD1/TD2/TD3) and the visual zone, by OCR.

``read_document`` (in ``reading``) is the entry point; ``mrz`` and ``taiwan`` are the pure rules (check
digits, OCR-confusion repair, the Taiwan ID checksum and ROC dates) and import nothing heavy. The OCR
engine and OpenCV load on the first read, once per process (``ocr.get_engine``).
"""
