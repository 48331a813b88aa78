"""Which reader reads a file: sniffed from its first bytes, checked against its extension.

Every reader module `rag.ingest.readers.KIND` exposes `read(name, data, progress=None) -> Source` (build it
with `source()` below), and may expose `check(name, data)`: quick validation run before an upload is
queued. The module itself is the `Reader`. Modules are imported only when a file of their kind arrives,
so a missing optional reader (the OCR one for scans) fails that file with a clear error.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from rag.ingest.loading import KINDS, LoadError, Page, Source

Progress = Callable[[str, int, int], None]

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_DESCRIBE = {"text": "plain text", "pdf": "a PDF", "docx": "a Word (.docx) document", "html": "an HTML page",
             "image": "an image (PNG/JPEG/TIFF)", "zip": "a ZIP archive that is not a Word document"}


class Reader(Protocol):
    def read(self, name: str, data: bytes, progress: Progress | None = None) -> Source: ...


def sniff(data: bytes) -> str:
    """The kind of content, from magic bytes; anything unrecognised is taken for text."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a few bytes of junk; PDF readers accept that too
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<") and b"<html" in start):
        return "html"
    return "text"


def reader_for(name: str, data: bytes) -> Reader:
    """The reader for this file, or a LoadError when its extension is unknown or lies about its content."""
    suffix = Path(name).suffix.lower()
    promised = KINDS.get(suffix)
    if promised is None:
        raise LoadError(f"{name}: unsupported file type '{suffix or '(none)'}'; supported: {', '.join(KINDS)}")
    found = sniff(data)
    # Markdown and plain text may legitimately hold HTML markup; only the other way round is a lie.
    if found != promised and not (promised == "text" and found == "html"):
        raise LoadError(f"{name}: the extension '{suffix}' says {_DESCRIBE[promised]} "
                        f"but the content is {_DESCRIBE[found]}; rename the file or upload the right one")
    module = f"rag.ingest.readers.{promised}"
    try:
        return importlib.import_module(module)  # type: ignore[return-value]  # a module with read() is a Reader
    except ImportError as exc:  # the reader module, or a package it needs (the OCR engine)
        raise LoadError(f"{name}: reading {_DESCRIBE[promised]} needs {exc.name or module}, "
                        "which is not installed") from None


def source(name: str, data: bytes, text: str, kind: str, encoding: str | None = None,
           pages: tuple[Page, ...] = ()) -> Source:
    """The Source a reader returns; `decode` sets the path."""
    return Source(doc_id=Path(name).name, text=text, sha256=hashlib.sha256(data).hexdigest(), path=name,
                  encoding=encoding, kind=kind, pages=pages)
