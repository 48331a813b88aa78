"""Lexical (BM25) engines behind one small seam, persisted in a directory of their own.

Texts go in raw; the engine runs one of our analyzers (rag.text.analyzers: character bigrams or jieba words) and
indexes the resulting tokens, so every engine sees exactly the terms SQLite FTS5 saw. eval/bench_lexical.py
chose the engine: see README, "Scale benchmarks"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class LexicalIndex(Protocol):
    def add(self, rowids: Sequence[int], texts: Sequence[str]) -> None: ...

    def delete(self, rowids: Sequence[int]) -> None: ...

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score), best first; only committed writes are seen."""
        ...

    def commit(self) -> None: ...
