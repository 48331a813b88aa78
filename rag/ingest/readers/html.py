"""Web pages through trafilatura: the main text without menus, footers and ads, the title kept.

trafilatura's XML output keeps headings apart from paragraphs; they become Markdown heading lines
(`# 标题`) for `rag.ingest.layout`, with the page title as the top one. trafilatura also decodes the
bytes itself (meta charset, then detection), so GBK pages need nothing from us.
"""

from __future__ import annotations

import trafilatura
from lxml import etree

from rag.ingest.loading import LoadError, Source
from rag.ingest.readers.factory import Progress, source


def read(name: str, data: bytes, progress: Progress | None = None) -> Source:
    xml = trafilatura.extract(data, output_format="xml", with_metadata=True, include_comments=False,
                              include_tables=True)
    if not xml:
        raise LoadError(f"{name}: no main text found in this HTML page")
    doc = etree.fromstring(xml)
    title = " ".join((doc.get("title") or "").split())
    blocks = list(doc.find("main"))
    heads = [b for b in blocks if b.tag == "head"]
    # The title leads unless the page's first heading already says it; then page headings keep their levels.
    shift = 0
    lines = []
    if title and not (heads and _text(heads[0]) == title):
        lines.append(f"# {title}")
        shift = 1
    for block in blocks:
        if block.tag == "head":
            level = int((block.get("rend") or "h1").lstrip("h") or 1) + shift
            lines.append(f"{'#' * min(level, 6)} {_text(block)}")
        elif block.tag == "list":
            lines.extend(_text(item) for item in block.iter("item"))
        elif block.tag == "table":
            lines.extend("\t".join(_text(cell) for cell in row.iter("cell")) for row in block.iter("row"))
        else:
            lines.append(_text(block))
    return source(name, data, "\n".join(line for line in lines if line.strip()), "html")


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
