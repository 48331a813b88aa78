"""Documents of known text in every format we read, written from the seed articles: test data we make ourselves.

A `Story` is a headline and its paragraphs. The PDF is a newspaper-like page of 2-3 columns with the
headlines in larger type; `order="row"` writes its text row by row across the columns (as some layout
programs and OCR'd PDFs do), so that a reader that follows the content stream gets the order wrong.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.layout import PAGE_TEXT_SOURCE, split_articles

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei (make browser)
_PAGE_W, _PAGE_H, _MARGIN, _GUTTER = 595.0, 842.0, 40.0, 16.0  # A4 in points
_BODY, _HEAD = 10.0, 15.0  # type sizes in points


@dataclass(frozen=True)
class Story:
    title: str  # "" when no headline is printed (photo news, 本报讯 items)
    paragraphs: tuple[str, ...]

    def __post_init__(self):
        if not any(p.strip() for p in self.paragraphs):
            raise ValueError(f"story {self.title!r} has no text")


def stories(seed: Path) -> list[Story]:
    """The articles of one seed page, as `rag.ingest.layout` splits them."""
    return [Story(a.title if a.title_source == "headline" else "", tuple(p for p in a.text.split("\n") if p.strip()))
            for a in split_articles(seed.name, seed.read_text(encoding="utf-8")) if a.title_source != PAGE_TEXT_SOURCE]


def pdf(stories_: list[Story], columns: int = 3, order: str = "column") -> bytes:
    """A PDF with a text layer: the stories flowing down `columns` columns per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if order not in ("column", "row") or not 1 <= columns <= 4:
        raise ValueError(f"order must be column or row and columns 1-4, got {order!r} and {columns}")
    if "zh" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("zh", str(FONT), subfontIndex=0))
    width = (_PAGE_W - 2 * _MARGIN - (columns - 1) * _GUTTER) / columns
    pages: list[list[tuple[float, float, float, str]]] = [[]]  # per page: (x, y, size, text)
    col, y = 0, _PAGE_H - _MARGIN

    def put(text: str, size: float) -> None:
        nonlocal col, y
        if y - size < _MARGIN:
            col, y = col + 1, _PAGE_H - _MARGIN
            if col == columns:
                pages.append([])
                col = 0
        y -= size * 1.4
        pages[-1].append((_MARGIN + col * (width + _GUTTER), y, size, text))

    for story in stories_:
        for line in _wrap(story.title, width, _HEAD, pdfmetrics):
            put(line, _HEAD)
        for para in story.paragraphs:
            for line in _wrap("\u3000\u3000" + para, width, _BODY, pdfmetrics):
                put(line, _BODY)
        y -= _BODY  # a gap between stories
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(_PAGE_W, _PAGE_H))
    for ops in pages:
        for x, y_, size, text in sorted(ops, key=lambda op: (-op[1], op[0])) if order == "row" else ops:
            c.setFont("zh", size)
            c.drawString(x, y_, text)
        c.showPage()
    c.save()
    return out.getvalue()


def _wrap(text: str, width: float, size: float, metrics) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and metrics.stringWidth(line + ch, "zh", size) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line else lines


def docx(stories_: list[Story]) -> bytes:
    """A Word document: each headline in style Heading 1, then its paragraphs."""
    import docx as python_docx

    document = python_docx.Document()
    for story in stories_:
        if story.title:
            document.add_heading(story.title, level=1)
        for para in story.paragraphs:
            document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def html(stories_: list[Story], title: str, encoding: str = "utf-8") -> bytes:
    """A news site's page: navigation, `title` as <title> and <h1>, the stories as <h2> + <p>, a footer."""
    from html import escape

    body = "\n".join((f"<h2>{escape(s.title)}</h2>\n" if s.title else "") +
                     "\n".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) for s in stories_)
    page = (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="{encoding}"><title>{escape(title)} - 文明网'
            f'</title></head>\n<body><nav><a href="/">首页</a> <a href="/news">新闻</a> <a href="/about">关于我们</a>'
            f'</nav>\n<main><article><h1>{escape(title)}</h1>\n{body}\n</article></main>\n'
            '<footer>版权所有 文明网 京ICP备00000000号 联系我们</footer></body></html>\n')
    return page.encode(encoding)
