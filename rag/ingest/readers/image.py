"""Page scans (PNG, JPEG, TIFF; every frame of a multi-page TIFF is a page) read by OCR.

Each page is kept as a PNG for viewers, with the box of every printed line, so a citation can point at the page
and the lines it quotes. The document's text is the pages' OCR text in order, a blank line between pages.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageSequence

from rag.ingest.loading import Line, LoadError, Page, Source
from rag.ingest.ocr import ocr_image

MAX_SIDE = 3000  # pixels; a 300 DPI A4 scan is 2480 x 3508: larger pages are scaled down (OCR time grows with area)
MAX_PAGES = 200


def _pages(name: str, data: bytes) -> list[Image.Image]:
    if not data:
        raise LoadError(f"{name}: file is empty (0 bytes); expected a PNG, JPEG or TIFF image")
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for frame in ImageSequence.Iterator(image):
            if len(frames) >= MAX_PAGES:
                raise LoadError(f"{name}: more than {MAX_PAGES} pages; split the file")
            page = frame.convert("L")  # loads the frame: a truncated file fails here
            if max(page.size) > MAX_SIDE:
                scale = MAX_SIDE / max(page.size)
                page = page.resize((round(page.width * scale), round(page.height * scale)), Image.LANCZOS)
            frames.append(page)
    except LoadError:
        raise
    except Image.DecompressionBombError as exc:
        raise LoadError(f"{name}: image too large to read safely ({exc})") from None
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's errors for foreign or truncated data
        raise LoadError(f"{name}: not a readable PNG, JPEG or TIFF image ({exc})") from None
    return frames


def read(name: str, data: bytes, progress: Callable[[str, int, int], None] | None = None) -> Source:
    frames = _pages(name, data)
    texts: list[str] = []
    pages: list[Page] = []
    offset = 0
    for number, frame in enumerate(frames, start=1):
        if progress:
            progress("ocr", number, len(frames))
        text, lines = ocr_image(frame)
        png = io.BytesIO()
        frame.save(png, format="PNG", optimize=True)
        pages.append(Page(number=number, png=png.getvalue(),
                          lines=tuple(Line(ln.start + offset, ln.end + offset, ln.box) for ln in lines)))
        texts.append(text)
        offset += len(text) + 2  # the blank line between pages
    text = "\n\n".join(texts)
    if not text.strip():
        raise LoadError(f"{name}: no text found on {'the page' if len(frames) == 1 else f'any of {len(frames)} pages'}")
    return Source(doc_id=Path(name).name, text=text, sha256=hashlib.sha256(data).hexdigest(), path=name,
                  kind="image", pages=tuple(pages))
