"""Word documents (.docx) through python-docx: paragraphs and tables in document order.

Headings become Markdown heading lines (`# 标题`), which `rag.ingest.layout` takes as article
headlines: the top heading level present starts a new article, deeper ones are sections of it.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from rag.ingest.loading import LoadError, Source
from rag.ingest.readers.factory import Progress, source

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a "zip bomb" unpacks to gigabytes; real documents to a few MB of XML
# Word's built-in heading styles, in English and as a Chinese Word names them; Title counts as level 1.
_HEADING = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE = {"title", "标题"}


def read(name: str, data: bytes, progress: Progress | None = None) -> Source:
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise LoadError(f"{name}: unpacks to {unpacked} bytes, over the limit of {MAX_UNPACKED_BYTES}")
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as exc:
        raise LoadError(f"{name}: not a readable Word document ({type(exc).__name__}: {exc})") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                level = heading_level(block.style.name if block.style is not None else "")
                lines.append(f"{'#' * level} {text}" if level else text)
        elif isinstance(block, Table):
            lines.extend(_rows(block))
    return source(name, data, "\n".join(lines), "docx")


def heading_level(style: str) -> int:
    """1-6 for a heading style (Heading 2, 标题 2, Title), 0 for body text."""
    style = style.strip()
    if style.lower() in _TITLE:
        return 1
    match = _HEADING.match(style)
    return min(int(match.group(1)), 6) if match else 0


def _rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        seen, texts = set(), []
        for cell in row.cells:
            if cell._tc in seen:  # a merged cell repeats in row.cells; keep it once
                continue
            seen.add(cell._tc)
            if text := " ".join(cell.text.split()):
                texts.append(text)
        if texts:
            rows.append("\t".join(texts))
    return rows
