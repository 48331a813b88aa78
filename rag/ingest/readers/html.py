"""Web pages through trafilatura: the main text without menus, footers and ads, the title kept.

trafilatura's XML output keeps headings apart from paragraphs; they become Markdown heading lines
(`# 标题`) for `rag.ingest.layout`. The <title> leads unless the first heading already
says it. trafilatura also decodes the
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
    levels = _levels([int((b.get("rend") or "h1").lstrip("h") or 1) for b in blocks if b.tag == "head"])
    lines = []
    first_head = next((_text(b) for b in blocks if b.tag == "head"), "")
    if title and not (first_head and (title in first_head or first_head in title)):
        lines.append(f"# {title}")
    for block in blocks:
        if block.tag == "head":
            lines.append(f"{'#' * levels.pop(0)} {_text(block)}")
        elif block.tag == "list":
            lines.extend(_text(item) for item in block.iter("item"))
        elif block.tag == "table":
            lines.extend("\t".join(_text(cell) for cell in row.iter("cell")) for row in block.iter("row"))
        else:
            lines.append(_text(block))
    return source(name, data, "\n".join(line for line in lines if line.strip()), "html")


def _levels(found: list[int]) -> list[int]:
    """Markdown levels for the page's headings: the top level present is 1 (it starts articles).

    A page's one heading above the rest (`<h1>` 第三版 over an `<h2>` per story) is the page's
    title, and the level under it starts articles too.
    """
    if not found:
        return []
    top = min(found)
    under = [level for level in found if level > top]
    if found.count(top) == 1 and found[0] == top and under:
        second = min(under)
        return [1 if level == top else min(level - second + 1, 6) for level in found]
    return [min(level - top + 1, 6) for level in found]


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
