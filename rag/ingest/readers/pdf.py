"""PDF text layers through PDFium (pypdfium2): text, line boxes and a rendered image per page.

pypdfium2 was chosen over pypdf by `eval/pdf_reading_order.py` (README, Document formats); it also
renders the page images that citations highlight. A page with no text layer (a scan inside a PDF)
goes to the OCR hook, `ocr_page(png) -> (text, lines)`, from `rag.ingest.ocr` when that is installed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.ingest.loading import Box, Line, LoadError, Page, Source
from rag.ingest.readers.factory import Progress, source

OcrPage = Callable[[bytes], tuple[str, Sequence[Line]]]

DPI = 100  # page images: enough to read a highlighted crop, ~1 MP for A4
MAX_PAGES = 500
MAX_PAGE_PIXELS = 16_000_000  # a broadsheet page at DPI is ~7 MP; a "PDF bomb" page of 200 x 200 in is 400 MP
_PAGE_SEPARATOR = "\n\n"


def read(name: str, data: bytes, progress: Progress | None = None, ocr_page: OcrPage | None = None) -> Source:
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
        return _read(name, data, document, progress, ocr_page)
    finally:
        document.close()


def _read(name: str, data: bytes, document: pdfium.PdfDocument, progress: Progress | None,
          ocr_page: OcrPage | None) -> Source:
    count = len(document)
    if count == 0:
        raise LoadError(f"{name}: the PDF has no pages")
    if count > MAX_PAGES:
        raise LoadError(f"{name}: the PDF has {count} pages, over the limit of {MAX_PAGES}; split it")
    scale = DPI / 72
    text, pages = "", []
    for number in range(1, count + 1):
        page = document[number - 1]
        width, height = page.get_size()
        if width * scale * height * scale > MAX_PAGE_PIXELS:
            raise LoadError(f"{name}: page {number} is {width / 72:.0f} x {height / 72:.0f} inches, too large to "
                            f"render (over {MAX_PAGE_PIXELS} pixels at {DPI} dpi)")
        if progress:
            progress("reading", number, count)
        png = _png(page, scale)
        page_text, lines = _text_layer(page, scale)
        if not page_text.strip():
            ocr_page = ocr_page or _ocr_hook()
            if ocr_page is None:
                raise LoadError(f"{name}: page {number} has no text layer and OCR is not available")
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
    page.render(scale=scale).to_pil().save(out, format="PNG")
    return out.getvalue()


def _text_layer(page: pdfium.PdfPage, scale: float) -> tuple[str, list[Line]]:
    """The page's characters in PDFium's order, one line per printed line, with each line's box in pixels."""
    textpage = page.get_textpage()
    height = page.get_height()
    chars: list[str] = []
    boxes: list[Box | None] = []
    n = textpage.count_chars()
    i = 0
    while i < n:
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        box = textpage.get_charbox(i)
        i += 1
        if 0xD800 <= code < 0xDC00 and i < n:  # a character outside the BMP comes as a surrogate pair
            code = 0x10000 + ((code - 0xD800) << 10) + (pdfium_c.FPDFText_GetUnicode(textpage.raw, i) - 0xDC00)
            i += 1
        if code in (0, 0xFFFE, 0xFFFF) or code == 0x0D or 0xD800 <= code < 0xE000:
            continue  # no Unicode value, or the \r of PDFium's \r\n line break
        ch = chr(code)
        chars.append(ch)
        left, bottom, right, top = box
        boxes.append((left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
                     if not ch.isspace() and right > left and top > bottom else None)
    text = "".join(chars)
    lines, start = [], 0
    for end in [k for k, ch in enumerate(text) if ch == "\n"] + [len(text)]:
        inked = [b for b in boxes[start:end] if b is not None]
        if inked:
            lines.append(Line(start, end, (min(b[0] for b in inked), min(b[1] for b in inked),
                                           max(b[2] for b in inked), max(b[3] for b in inked))))
        start = end + 1
    return text, lines


def _ocr_hook() -> OcrPage | None:
    try:
        from rag.ingest.ocr import ocr_page  # the OCR helper's module; absent or without its models: no OCR
    except ImportError:
        return None
    return ocr_page
