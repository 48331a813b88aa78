"""The lexicon's growing part: rows written since its last commit, tokenized by each reader and searched from
memory with tantivy's BM25, as Lucene's near-real-time reader searches its RAM buffer and Milvus its growing
segments. A write stores only the chunk (its text is the durable copy of its tokens); the lexicon takes the
fresh rows in one commit once there are enough of them (`writes.flush`), which is what makes a small write
cheap on disk: a tantivy commit costs ~0.1 MB of files and blocks whatever it holds.

Scores are tantivy's (k1 1.2, b 0.75, idf over the lexicon's document frequencies plus the fresh rows'), so the
two merge by score; the average length is the mean over the rows the store has counted (`Store.lexicon_stats`)
and the fresh ones. On the seeds, every row scored this way is within 3.5 % of tantivy's own score (its lengths
are quantised) and the top 10 agree at 0.989."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rag.indexing.rows import RowSet
from rag.text.analyzers import ANALYZERS

K1, B = 1.2, 0.75  # tantivy's BM25 constants


@dataclass(frozen=True)
class LexiconStats:
    """Rows and tokens per analyzer the lexicon was given by the commits the store has counted."""

    rows: int = 0
    tokens: Mapping[str, int] | None = None


class FreshRows:
    """Fresh rows as (row id, token strings in ANALYZERS order), indexed in memory."""

    def __init__(self, rows: Mapping[int, Sequence[str]], stats: LexiconStats = LexiconStats()):
        self.terms = dict(rows)
        self.stats = stats
        self._postings: dict[str, dict[str, list[tuple[int, int]]]] = {a: {} for a in ANALYZERS}
        self._lengths: dict[str, dict[int, int]] = {a: {} for a in ANALYZERS}
        for row, strings in self.terms.items():
            if len(strings) != len(ANALYZERS):
                raise ValueError(f"row {row} has {len(strings)} token strings; give one per analyzer "
                                 f"({', '.join(ANALYZERS)})")
            for analyzer, string in zip(ANALYZERS, strings):
                counts = Counter(string.split())
                self._lengths[analyzer][row] = sum(counts.values())
                for term, tf in counts.items():
                    self._postings[analyzer].setdefault(term, []).append((row, tf))

    def __len__(self) -> int:
        return len(self.terms)

    def holds(self, rowids: Sequence[int]) -> set[int]:
        return {int(r) for r in rowids if int(r) in self.terms}

    def search(self, terms: Sequence[str], analyzer: str, k: int, allowed: RowSet | Sequence[int] | None = None,
               base: Callable[[str, Sequence[str]], tuple[int, dict[str, int]]] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score) of the fresh rows for any of the terms, best first; `base(analyzer,
        terms)` gives the lexicon's document count and document frequencies, which the scores count too."""
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer '{analyzer}'; choose one of {', '.join(ANALYZERS)}")
        postings, lengths = self._postings[analyzer], self._lengths[analyzer]
        terms = [t for t in dict.fromkeys(terms) if t in postings]
        if not terms or k <= 0:
            return []
        docs, freq = base(analyzer, terms) if base else (0, {})
        n = docs + len(self.terms)
        counted = (self.stats.tokens or {}).get(analyzer, 0)
        rows = self.stats.rows if counted else 0
        avg = (counted + sum(lengths.values())) / (rows + len(lengths))
        keep = None if allowed is None else self._admitted(allowed)
        scores: dict[int, float] = {}
        for term in terms:
            found = postings[term]
            df = freq.get(term, 0) + len(found)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for row, tf in found:
                if keep is None or row in keep:
                    norm = K1 * (1 - B + B * lengths[row] / avg)
                    scores[row] = scores.get(row, 0.0) + idf * (K1 + 1) * tf / (tf + norm)
        return sorted(scores.items(), key=lambda p: p[1], reverse=True)[:k]

    def _admitted(self, allowed: RowSet | Sequence[int]) -> set[int]:
        """The fresh rows among the allowed ones."""
        allowed = allowed if isinstance(allowed, RowSet) else RowSet(allowed)
        mine = np.fromiter(self.terms, dtype=np.int64, count=len(self.terms))
        return set(mine[np.isin(mine, allowed.ids)].tolist())
