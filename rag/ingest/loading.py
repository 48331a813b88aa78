"""Reading source files: which formats we take and the errors that name what is wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import DEFAULT_COLLECTION, DocumentMeta

# Extension -> the kind of content it promises, and the reader module (rag.ingest.readers.KIND) that reads it.
KINDS = {
    ".txt": "text", ".md": "text",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html", ".htm": "html",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image",
}
SUPPORTED_SUFFIXES = tuple(KINDS)
MAX_BYTES = 20 * 1024 * 1024


class LoadError(ValueError):
    """A source file that cannot be indexed; the message names the file and the reason."""


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the page image, origin top left


@dataclass(frozen=True)
class Line:
    """A printed line of a page and the characters of `Source.text` it holds."""
    start: int
    end: int
    box: Box


@dataclass(frozen=True)
class Page:
    """One page of a paged source (PDF, scan): its image, for viewers, and where its text came from."""
    number: int  # 1-based
    png: bytes = field(repr=False)
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Source:
    doc_id: str  # the file name: citations point at it
    text: str  # decoded text; every offset in the index counts characters of this string
    sha256: str
    path: str
    encoding: str | None = None  # what a text file was decoded from ("utf-8", "gb18030", ...)
    kind: str = "text"  # reader that produced it: text, pdf, docx, html, image
    pages: tuple[Page, ...] = ()  # empty for text formats
    collection: str = DEFAULT_COLLECTION
    meta: DocumentMeta = DocumentMeta()


def check(name: str, data: bytes) -> None:
    """The quick checks, before anything slow: size, emptiness, an extension that lies, a PDF that cannot open.

    The API runs them before it queues an upload, so a bad file is a 4xx at once rather than a failed job.
    """
    # Imported here: the readers build the Source, Page and Line defined above.
    from rag.ingest.readers.factory import reader_for

    if len(data) > MAX_BYTES:
        raise LoadError(f"{name}: file is {len(data)} bytes, over the limit of {MAX_BYTES}")
    if not data:
        raise LoadError(f"{name}: file is empty (0 bytes)")
    reader = reader_for(name, data)
    if hasattr(reader, "check"):
        reader.check(name, data)


def decode(name: str, data: bytes, progress: Callable[[str, int, int], None] | None = None) -> Source:
    """Validate and decode an uploaded or read file; slow readers report (stage, n, of) to `progress`."""
    from rag.ingest.readers.factory import reader_for

    check(name, data)
    source = reader_for(name, data).read(name, data, progress)
    if not source.text.strip():
        raise LoadError(f"{name}: file is empty (no text in it)")
    if "\x00" in source.text:
        raise LoadError(f"{name}: contains NUL characters; is it a binary file?")
    return source


def read(path: Path) -> Source:
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if not path.is_file():
        raise LoadError(f"{path}: not a file")
    return dataclasses.replace(decode(path.name, path.read_bytes()), path=str(path))


def expand(paths: list[Path]) -> list[Path]:
    """Files named directly, plus the supported files inside named directories (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
            if not found:
                raise LoadError(f"{path}: no {'/'.join(SUPPORTED_SUFFIXES)} files in this directory")
            files.extend(found)
        elif not path.exists():
            raise LoadError(f"{path}: no such file or directory")
        else:
            files.append(path)
    names: dict[str, Path] = {}
    for f in files:
        if f.name in names and names[f.name] != f:
            raise LoadError(f"{f}: same file name as {names[f.name]}; document ids are file names")
        names[f.name] = f
    return list(dict.fromkeys(files))
