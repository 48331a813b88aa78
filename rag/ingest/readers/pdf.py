"""PDF text layers through PDFium (pypdfium2): text, line boxes and a rendered image per page.

pypdfium2 was chosen over pypdf by `eval/pdf_reading_order.py` (README, Document formats); it also
renders the page images that citations highlight. A page with no text layer (a scan inside a PDF)
goes to OCR, `rag.ingest.ocr.ocr_page(png) -> (text, lines)`.
"""

from __future__ import annotations

import io
import statistics
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.ingest.loading import Box, Line, LoadError, Page, Source
from rag.ingest.readers.factory import Progress, source

OcrPage = Callable[[bytes], tuple[str, Sequence[Line]]]

DPI = 100  # page images: enough to read a highlighted crop, ~1 MP for A4
MAX_PAGES = 500
MAX_PAGE_PIXELS = 16_000_000  # a broadsheet page at DPI is ~7 MP; a "PDF bomb" page of 200 x 200 in is 400 MP
_PAGE_SEPARATOR = "\n\n"
HEADLINE_RATIO = 1.25  # type this much larger than the page's body text is a headline
# PDFium is not thread-safe, and the API checks uploads while its job worker reads: one call at a time.
# A job holds the lock for one page at a time, so a check waits at most that long.
_PDFIUM = threading.RLock()


def check(name: str, data: bytes) -> None:
    """Opens the PDF and checks its page count and page sizes, without reading or rendering a page."""
    with _PDFIUM:
        _open(name, data).close()


def read(name: str, data: bytes, progress: Progress | None = None, ocr_page: OcrPage | None = None) -> Source:
    with _PDFIUM:
        document = _open(name, data)
    try:
        return _read(name, data, document, progress, ocr_page)
    finally:
        with _PDFIUM:
            document.close()


def _open(name: str, data: bytes) -> pdfium.PdfDocument:
    # PDFium quietly rebuilds a cut-off file from what is left; a missing end marker tells the user why pages are gone.
    if b"%%EOF" not in data[-2048:]:
        raise LoadError(f"{name}: the PDF ends before its end-of-file marker (%%EOF); it is truncated or damaged")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError(f"{name}: the PDF is encrypted with a password; upload an unprotected copy") from None
        raise LoadError(f"{name}: not a readable PDF ({exc})") from None
    try:
        count = len(document)
        if count == 0:
            raise LoadError(f"{name}: the PDF has no pages")
        if count > MAX_PAGES:
            raise LoadError(f"{name}: the PDF has {count} pages, over the limit of {MAX_PAGES}; split it")
        for number in range(1, count + 1):
            width, height = document.get_page_size(number - 1)
            if width * height * (DPI / 72) ** 2 > MAX_PAGE_PIXELS:
                raise LoadError(f"{name}: page {number} is {width / 72:.0f} x {height / 72:.0f} inches, too large "
                                f"to render (over {MAX_PAGE_PIXELS} pixels at {DPI} dpi)")
    except LoadError:
        document.close()
        raise
    return document


def _read(name: str, data: bytes, document: pdfium.PdfDocument, progress: Progress | None,
          ocr_page: OcrPage | None) -> Source:
    count = len(document)
    scale = DPI / 72
    text, pages = "", []
    for number in range(1, count + 1):
        if progress:
            progress("reading", number, count)
        with _PDFIUM:
            page = document[number - 1]
            try:
                png = _png(page, scale)
                page_text, lines = _text_layer(page, scale)
            finally:
                page.close()
        if not _readable(page_text):
            if ocr_page is None:
                from rag.ingest.ocr import ocr_page  # imported on the first page without text: the OCR engine is heavy
            if progress:
                progress("ocr", number, count)
            page_text, lines = ocr_page(png)
        if text:
            text += _PAGE_SEPARATOR
        pages.append(Page(number, png, tuple(Line(ln.start + len(text), ln.end + len(text), ln.box) for ln in lines)))
        text += page_text
    return source(name, data, text, "pdf", pages=tuple(pages))


def _png(page: pdfium.PdfPage, scale: float) -> bytes:
    out = io.BytesIO()
    bitmap = page.render(scale=scale)
    try:
        bitmap.to_pil().save(out, format="PNG")
    finally:
        bitmap.close()
    return out.getvalue()


def _readable(text: str) -> bool:
    """Is there a text layer worth reading? Fonts without a Unicode map come out as private-use codes or U+FFFD;
    such a page is read like a scan."""
    chars = [ch for ch in text if not ch.isspace() and ch != "#"]
    unmapped = sum(1 for ch in chars if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    return bool(chars) and unmapped <= len(chars) / 2


def _text_layer(page: pdfium.PdfPage, scale: float) -> tuple[str, list[Line]]:
    """The page's printed lines in reading order, each with its box in pixels of the page image.

    Lines in type clearly larger than the body text are headlines: each is written as a Markdown heading
    (`# ...`, one line even where it wraps), which `rag.ingest.layout` takes as an article's headline.
    """
    ordered = xy_cut(_segments(page, scale))
    if not ordered:
        return "", []
    body = statistics.median(s.size for s in ordered for _ in s.chars)
    text, lines = "", []
    previous: Segment | None = None
    for segment in ordered:
        piece = "".join(ch for ch, _ in segment.chars).rstrip()
        headline = segment.size >= HEADLINE_RATIO * body
        if headline and previous is not None and _same_headline(previous, segment):
            last = lines[-1]
            box = (min(last.box[0], segment.box[0]), min(last.box[1], segment.box[1]),
                   max(last.box[2], segment.box[2]), max(last.box[3], segment.box[3]))
            piece = piece.strip()
            if text[-1:].isascii() and text[-1:].isalnum() and piece[:1].isascii() and piece[:1].isalnum():
                text += " "  # a wrapped Latin headline keeps its word space; Chinese joins as printed
            text += piece
            lines[-1] = Line(last.start, len(text), box)
        else:
            if text:
                text += "\n"
            if headline:
                text += "# "
                piece = piece.strip()
            lines.append(Line(len(text), len(text) + len(piece), segment.box))
            text += piece
        previous = segment if headline else None
    return text, lines


def _same_headline(before: Segment, after: Segment) -> bool:
    """Does `after` go on the headline `before`: same type, on the next line of the column or further along this one?"""
    if abs(before.size - after.size) >= 0.05 * before.size:
        return False
    # Em boxes of tightly set headline lines may overlap a little.
    next_line = after.box[1] > before.box[1] + 0.5 * before.size and \
        -0.3 * before.size <= after.box[1] - before.box[3] < before.size and \
        after.box[0] < before.box[2] and before.box[0] < after.box[2]
    same_line = abs(after.box[1] - before.box[1]) < 0.2 * before.size and \
        -0.5 * before.size <= after.box[0] - before.box[2] <= 1.2 * before.size
    return next_line or same_line


@dataclass
class Segment:
    """A run of characters printed on one baseline with no gap wider than a character: a column's line."""
    chars: list[tuple[str, Box | None]]  # None: no ink (space, or no box)
    box: Box
    size: float


def _segments(page: pdfium.PdfPage, scale: float) -> list[Segment]:
    textpage = page.get_textpage()
    try:
        return _segments_of(textpage, page.get_height(), scale)
    finally:
        textpage.close()


def _segments_of(textpage: pdfium.PdfTextPage, height: float, scale: float) -> list[Segment]:
    segments: list[Segment] = []
    current: Segment | None = None
    n, i = textpage.count_chars(), 0
    while i < n:
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        left, bottom, right, top = textpage.get_charbox(i, loose=True)  # the em box: punctuation sits on the line
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * scale
        i += 1
        if 0xD800 <= code < 0xDC00 and i < n:  # a character outside the BMP comes as a surrogate pair
            code = 0x10000 + ((code - 0xD800) << 10) + (pdfium_c.FPDFText_GetUnicode(textpage.raw, i) - 0xDC00)
            i += 1
        if code in (0x0A, 0x0D):  # PDFium's own line break; segments are found from the boxes
            current = None
            continue
        if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code < 0xE000:
            continue  # no Unicode value
        ch = chr(code)
        box = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
        if ch.isspace() or right <= left or top <= bottom:
            if current is not None:
                current.chars.append((ch, None))
            continue
        if current is None or not _continues(current, box, size):
            current = Segment([], box, size)
            segments.append(current)
        current.chars.append((ch, box))
        b = current.box
        current.box = (min(b[0], box[0]), min(b[1], box[1]), max(b[2], box[2]), max(b[3], box[3]))
        current.size = max(current.size, size)
    return segments


def _continues(segment: Segment, box: Box, size: float) -> bool:
    """Does a character at `box` go on the line `segment`: same type size and baseline band, just to its right?"""
    last = next(b for _, b in reversed(segment.chars) if b is not None)
    middle = (box[1] + box[3]) / 2
    gap = box[0] - last[2]
    small = min(size, segment.size)  # a headline's wide spacing must not bridge the gutter to body text
    return max(size, segment.size) <= 1.25 * small and \
        segment.box[1] - 0.2 * small <= middle <= segment.box[3] + 0.2 * small and -0.5 * small <= gap <= 1.2 * small


def xy_cut(segments: list[Segment]) -> list[Segment]:
    """Reading order by recursive XY-cut: split at a clear band down the page (columns) or across it (rows).

    A gutter at least most of a character wide splits first, so text flowing down the columns is read
    column by column even where the gaps between stories happen to line up across the page; a story
    or headline spanning the columns interrupts the gutter, and then the band across it splits first.
    Top before bottom, left before right.
    """
    if len(segments) <= 1:
        return segments
    em = statistics.median(s.size for s in segments)
    down, across = _widest_band(segments, 0), _widest_band(segments, 1)
    band = down if down and (down[0] >= 0.8 * em or not across) else across
    if band is None:  # no clear band: rows of vertically overlapping segments, each left to right
        rows: list[list[Segment]] = []
        for segment in sorted(segments, key=lambda s: s.box[1]):
            if rows and segment.box[1] < (rows[-1][0].box[1] + rows[-1][0].box[3]) / 2:
                rows[-1].append(segment)
            else:
                rows.append([segment])
        return [segment for row in rows for segment in sorted(row, key=lambda s: s.box[0])]
    _, axis, cut = band
    first = [s for s in segments if s.box[axis + 2] <= cut]
    rest = [s for s in segments if s.box[axis + 2] > cut]
    return xy_cut(first) + xy_cut(rest)


def _widest_band(segments: list[Segment], axis: int) -> tuple[float, int, float] | None:
    """(width, axis, middle) of the widest gap no segment crosses; axis 0 is a band down the page."""
    spans = sorted((s.box[axis], s.box[axis + 2]) for s in segments)
    best, reach = None, spans[0][1]
    for start, end in spans[1:]:
        if start - reach > 0 and (best is None or start - reach > best[0]):
            best = (start - reach, axis, (reach + start) / 2)
        reach = max(reach, end)
    return best

