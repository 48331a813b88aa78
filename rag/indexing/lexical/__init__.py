"""The lexical (BM25) leg's engine: one tantivy index (`tantivy_index.py`), which answers in milliseconds at a
million rows where SQLite FTS5's OR queries take hundreds (eval/bench_lexical.py, README "Scale"). A document's
rows commit here in batches: until then they are fresh rows, tokenized by each reader and searched from memory
(`fresh.py`, `writes.flush`). Indexes written
before it kept rows in the store's FTS5 table; the first write moves them, and until then the lexical leg
searches both and merges them by score."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class LexicalIndex(Protocol):
    def add(self, rows: Iterable[tuple[int, Sequence[str]]]) -> None: ...

    def delete(self, rowids: Iterable[int]) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def drop_after(self, rowid: int) -> int: ...

    def statistics(self, analyzer: str, terms: Sequence[str]) -> tuple[int, dict[str, int]]: ...

    def search(self, terms: Sequence[str], analyzer: str, k: int, allowed: Sequence[int] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score), best first; only committed writes are seen."""
        ...
