"""Page images to text in reading order, with the box of every printed line.

RapidOCR (PaddleOCR's models in ONNX, shipped inside the `rapidocr-onnxruntime` wheel, so it runs offline)
finds and reads the text lines; it returns them roughly top to bottom, which on a newspaper page interleaves
the columns. We put them back in reading order with a recursive XY-cut over the line boxes:

1. a set of boxes with an empty vertical strip (a gutter) between them is split into columns, read left to right;
2. otherwise it is cut into horizontal bands at empty horizontal strips, and neighbouring bands are merged back
   while together they still have a gutter, so that a column is not cut into single lines that would then be
   read across the page; a headline spanning several columns has no gutter and stays a band of its own, read
   before the columns under it;
3. a band with neither is a row of boxes, read left to right.

(RAGFlow orders its OCR boxes by clustering their x0 into columns with k-means; XY-cut also handles headlines
spanning some of the columns, which newspapers print on every page.)

Headlines are found by size: a line printed more than `HEADLINE_RATIO` times the page's median line height is
emitted as a Markdown heading (`# ...`), which `rag.ingest.layout` takes as a headline that starts an article.
"""

from __future__ import annotations

import io
import statistics
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

from rag.ingest.loading import Box, Line

HEADLINE_RATIO = 1.4
SECTION_GAP = 1.2  # blank height, in body line heights, that separates two stories across the page
MIN_SCORE = 0.5  # recognitions less sure than this are mostly specks and rules read as text


@dataclass(frozen=True)
class TextBox:
    """One line of text as the recogniser read it, with its axis-aligned box in page pixels."""
    text: str
    box: Box

    def __post_init__(self):
        x0, y0, x1, y1 = self.box
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"text box {self.box} has no area")

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


_engine = None
_engine_lock = threading.Lock()


def _engine_call(image: np.ndarray, **kwargs):
    global _engine
    with _engine_lock:  # one model in memory; onnxruntime already uses every core for one page
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR  # loads the models: only when a page needs it

            _engine = RapidOCR()
        # Scans are upright: the angle classifier only costs time.
        return _engine(np.ascontiguousarray(image), use_cls=False, **kwargs)[0] or []


def _blank_runs(ink: np.ndarray, min_width: int) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in `ink` at least `min_width` long."""
    runs, start = [], None
    for x, blank in enumerate([*ink, False]):
        if blank and start is None:
            start = x
        elif not blank and start is not None:
            if x - start >= min_width:
                runs.append((start, x))
            start = None
    return runs


def _split_at_gutters(image: np.ndarray, box: TextBox) -> list[TextBox]:
    """Narrow the box to its ink, and cut it at gutters.

    The detector pads its boxes, so that two columns' lines printed at the same height can touch, and it sometimes
    joins them into one box. The ink tells: a blank stretch wider than the line is tall is a gutter, not a space
    between words; each piece is read again (recognition only)."""
    x0, y0, x1, y1 = (int(round(v)) for v in box.box)
    x0, y0 = max(x0, 0), max(y0, 0)
    gray = image[y0:y1, x0:x1].mean(axis=2)
    ink = np.flatnonzero((gray <= 160).any(axis=0)) if gray.size else np.array([])
    if ink.size == 0:
        return [box]
    blank = np.ones(gray.shape[1], dtype=bool)
    blank[ink] = False
    lo, hi = int(ink[0]), int(ink[-1]) + 1
    cuts = _blank_runs(blank[lo:hi], max(int(box.height), 8))
    if not cuts:
        return [TextBox(box.text, (float(x0 + lo), box.box[1], float(x0 + hi), box.box[3]))]
    edges = [lo, *[lo + x for run in cuts for x in run], hi]
    pieces = []
    for a, b in zip(edges[::2], edges[1::2]):
        read = _engine_call(image[y0:y1, max(x0 + a - 4, 0):x0 + b + 4], use_det=False)
        if read and read[0][0].strip() and float(read[0][1]) >= MIN_SCORE:
            pieces.append(TextBox(read[0][0].strip(), (float(x0 + a), box.box[1], float(x0 + b), box.box[3])))
    return pieces


def _recognise(image: np.ndarray) -> list[TextBox]:
    boxes = []
    for points, text, score in _engine_call(image):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if text.strip() and float(score) >= MIN_SCORE and max(xs) > min(xs) and max(ys) > min(ys):
            box = TextBox(text.strip(), (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))))
            boxes.extend(_split_at_gutters(image, box))
    return boxes


def _gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Middles of the empty stretches at least `min_gap` wide between the union of the intervals."""
    cuts, reach = [], None
    for lo, hi in sorted(intervals):
        if reach is not None and lo - reach >= min_gap:
            cuts.append((reach + lo) / 2)
        reach = hi if reach is None else max(reach, hi)
    return cuts


def _columns(boxes: list[TextBox], gutter: float) -> list[list[TextBox]]:
    cuts = _gaps([(b.box[0], b.box[2]) for b in boxes], gutter)
    if not cuts:
        return [boxes]
    edges = [-np.inf, *cuts, np.inf]
    return [[b for b in boxes if lo <= (b.box[0] + b.box[2]) / 2 < hi] for lo, hi in zip(edges, edges[1:])]


def _bands(boxes: list[TextBox]) -> list[list[TextBox]]:
    cuts = _gaps([(b.box[1], b.box[3]) for b in boxes], 0.0)
    edges = [-np.inf, *cuts, np.inf]
    return [band for lo, hi in zip(edges, edges[1:])
            if (band := [b for b in boxes if lo <= (b.box[1] + b.box[3]) / 2 < hi])]


def _rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes whose vertical middles fall inside each other's extent are one row, read left to right."""
    rows: list[list[TextBox]] = []
    for b in sorted(boxes, key=lambda b: (b.box[1] + b.box[3]) / 2):
        mid = (b.box[1] + b.box[3]) / 2
        if rows and rows[-1][-1].box[1] <= mid <= rows[-1][-1].box[3]:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [sorted(r, key=lambda b: b.box[0]) for r in rows]


def reading_order(boxes: list[TextBox], gutter: float | None = None) -> list[list[TextBox]]:
    """The page's rows (boxes on one printed line of one column) in reading order."""
    if not boxes:
        return []
    if gutter is None:  # a gutter is wider than the space between two words of one line
        gutter = 0.8 * statistics.median(b.height for b in boxes)
    # A blank strip across the whole width, taller than a line, ends one story and starts the next: cut there
    # before looking for columns, or a gutter running down both stories would read one column of each
    # before the other column of the first.
    breaks = _gaps([(b.box[1], b.box[3]) for b in boxes], SECTION_GAP * gutter / 0.8)
    if breaks:
        edges = [-np.inf, *breaks, np.inf]
        blocks = [[b for b in boxes if lo <= (b.box[1] + b.box[3]) / 2 < hi] for lo, hi in zip(edges, edges[1:])]
        return [row for block in blocks for row in reading_order(block, gutter)]
    columns = _columns(boxes, gutter)
    if len(columns) > 1:
        return [row for col in columns for row in reading_order(col, gutter)]
    bands = _bands(boxes)
    if len(bands) == 1:
        return _rows(boxes)
    merged: list[list[TextBox]] = [bands[0]]
    for band in bands[1:]:
        if len(_columns(merged[-1] + band, gutter)) > 1:
            merged[-1] = merged[-1] + band
        else:
            merged.append(band)
    # Each block is smaller than `boxes`: a merged block has a gutter, which `boxes` as a whole has not.
    return [row for block in merged for row in reading_order(block, gutter)]


def lay_out(boxes: list[TextBox]) -> tuple[str, tuple[Line, ...]]:
    """Text of the page in reading order, one printed line a text line, headlines as `# ...` lines."""
    if not boxes:
        return "", ()
    body_height = statistics.median(b.height for b in boxes)
    parts: list[str] = []
    lines: list[Line] = []
    pos = 0
    for row in reading_order(boxes):
        if parts:
            parts.append("\n")
            pos += 1
        if max(b.height for b in row) > HEADLINE_RATIO * body_height:
            parts.append("# ")
            pos += 2
        for i, b in enumerate(row):
            if i:
                parts.append(" ")
                pos += 1
            parts.append(b.text)
            lines.append(Line(start=pos, end=pos + len(b.text), box=b.box))
            pos += len(b.text)
    return "".join(parts), tuple(lines)


def ocr_image(image: Image.Image) -> tuple[str, tuple[Line, ...]]:
    return lay_out(_recognise(np.asarray(image.convert("RGB"))))


def ocr_page(png: bytes) -> tuple[str, tuple[Line, ...]]:
    """OCR one page image (PNG or any format Pillow reads): its text, '\\n' between lines, and the line boxes
    with offsets into that text. Raises ValueError when the bytes are not an image."""
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except Exception as exc:  # Pillow raises several types for truncated or foreign data
        raise ValueError(f"not a readable image ({exc})") from None
    return ocr_image(image)

