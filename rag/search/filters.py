"""What a search may look at: a collection (or several) and the newspaper metadata of its documents.

Every backend applies a `Filters` inside its index (pre-filtering), never by over-fetching and dropping: the
embedded backend turns it into the set of allowed chunk rows, the Milvus backend into a boolean expression."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rag.types import DEFAULT_COLLECTION
# A collection name travels in URLs, form fields and Milvus partition names: keep it to a safe alphabet.
COLLECTION_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def check_collection(name: str) -> str:
    if not COLLECTION_NAME.fullmatch(name or ""):
        raise ValueError(f"collection name '{name}' is not allowed: use 1-64 letters, digits, '_' or '-'")
    return name


@dataclass(frozen=True)
class Filters:
    collections: tuple[str, ...] = (DEFAULT_COLLECTION,)
    doc_ids: tuple[str, ...] | None = None  # None: any document
    date_from: date | None = None  # publication date, inclusive
    date_to: date | None = None
    papers: tuple[str, ...] = ()  # empty: any
    pages: tuple[int, ...] = ()  # 版次
    sections: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.collections:
            raise ValueError("a search needs at least one collection")
        for name in self.collections:
            check_collection(name)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        if any(p < 1 for p in self.pages):
            raise ValueError(f"page numbers start at 1, got {list(self.pages)}")

    @property
    def by_metadata(self) -> bool:
        """Whether anything beyond the collection and document ids narrows the search."""
        return bool(self.date_from or self.date_to or self.papers or self.pages or self.sections or self.authors)
