"""The lexical (BM25) leg's engines. Rows enter SQLite FTS5 inside the store's transaction (a document's
postings commit with it), and right after move to one tantivy index (`tantivy_index.py`), which answers in
milliseconds at a million rows where FTS5's OR queries take hundreds (eval/bench_lexical.py, README "Scale").
The lexical leg searches both and merges them by score; between writes FTS5 is empty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class LexicalIndex(Protocol):
    def add(self, rows: Iterable[tuple[int, Sequence[str]]]) -> None: ...

    def delete(self, rowids: Iterable[int]) -> None: ...

    def commit(self) -> None: ...

    def search(self, terms: Sequence[str], analyzer: str, k: int, allowed: Sequence[int] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score), best first; only committed writes are seen."""
        ...
