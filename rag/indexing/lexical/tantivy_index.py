"""BM25 with tantivy (Rust, Lucene's design: immutable segments, deletes as tombstones, background merges) over
our analyzers' tokens: one text field per analyzer, fed the tokens SQLite FTS5 already holds for the row
(whitespace-joined), so nothing is analysed twice and both engines see exactly the same terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import tantivy

from rag.indexing.rows import RowSet
from rag.text.analyzers import ANALYZERS

_HEAP_BYTES = 128 * 1024 * 1024  # the writer's buffer before it flushes a segment
IDS_PER_RANGE = 2_500  # a range query costs about what a term set of this many row ids does (search)
# A filter of more than FIRST_PASS_ROWS scattered rows first tries the unfiltered query's best hits, when that is
# at most FIRST_PASS_HITS of them (TantivyIndex.search)
FIRST_PASS_ROWS, FIRST_PASS_HITS = 10_000, 2_500


class TantivyIndex:
    def __init__(self, folder: Path, threads: int = 1):
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("rowid", stored=True, indexed=True, fast=True)
        for name in ANALYZERS:  # frequencies, no positions: BM25 needs no more
            builder.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(self.folder), reuse=True)
        self.threads = threads
        self._writer: tantivy.IndexWriter | None = None

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:  # opened lazily: it takes the directory's write lock
            self._writer = self.index.writer(_HEAP_BYTES, self.threads)
            # A writer killed inside a commit leaves files meta.json never listed; the next commit would pick
            # the same names and fail (found by eval/crash_trial.py). Drop them first.
            self._writer.garbage_collect_files()
        return self._writer

    def add(self, rows: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Index rows given as (row id, one token string per analyzer in ANALYZERS order); a row id already in
        the index is replaced, so adding again after a crash leaves one copy."""
        for rowid, terms in rows:
            if len(terms) != len(ANALYZERS):
                raise ValueError(f"row {rowid} has {len(terms)} token strings; give one per analyzer "
                                 f"({', '.join(ANALYZERS)})")
            self.writer.delete_documents_by_term("rowid", int(rowid))
            self.writer.add_document(tantivy.Document(rowid=int(rowid), **dict(zip(ANALYZERS, terms))))

    def delete(self, rowids: Iterable[int]) -> None:
        for rowid in rowids:
            self.writer.delete_documents_by_term("rowid", int(rowid))

    def drop_after(self, rowid: int) -> int:
        """Delete (until the next commit) the committed rows above this row id; how many there were. A crash
        between a write's commit here and the store's leaves rows the store never had (`writes.py`)."""
        q = tantivy.Query.range_query(self.schema, "rowid", tantivy.FieldType.Integer, int(rowid) + 1, 2**63 - 1)
        found = self.index.searcher().search(q, 1, count=True).count
        if found:
            self.writer.delete_documents_by_query(q)
        return found

    def rollback(self) -> None:
        """Drop the writes made since the last commit."""
        if self._writer is not None:
            self._writer.rollback()

    def commit(self) -> None:
        """Make the writes durable (tantivy fsyncs its files and swaps meta.json) and visible to this object."""
        if self._writer is not None:
            self.writer.commit()
            self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def reload(self) -> None:
        """See what another process (or another object on the directory) committed since."""
        self.index.reload()

    def statistics(self, analyzer: str, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """The committed document count and each term's document frequency in one analyzer's field: what the
        fresh rows' BM25 counts with its own (`fresh.py`)."""
        searcher = self.index.searcher()
        return searcher.num_docs, {t: searcher.doc_freq(analyzer, t) for t in terms}

    @property
    def size(self) -> int:
        return self.index.searcher().num_docs

    def holds(self, rowids: Sequence[int]) -> set[int]:
        """Which of these rows the index holds (committed)."""
        if not len(rowids):
            return set()
        q = tantivy.Query.term_set_query(self.schema, "rowid", [int(i) for i in rowids])
        searcher = self.index.searcher()
        return {_row(searcher, a) for _, a in searcher.search(q, len(rowids)).hits}

    def _ranges_query(self, starts: np.ndarray, ends: np.ndarray) -> tantivy.Query:
        """Rows by id as ranges, one a run of consecutive ids (`rows.runs`: exclusive ends)."""
        ranges = [tantivy.Query.range_query(self.schema, "rowid", tantivy.FieldType.Integer, int(a), int(b), True, False)
                  for a, b in zip(starts, ends)]
        return ranges[0] if len(ranges) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, r) for r in ranges])

    def search(self, terms: Sequence[str], analyzer: str, k: int, allowed: RowSet | Sequence[int] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score) for any of the terms in one analyzer's field, best first; with
        `allowed`, only those rows (a pre-filter: the k best of them, not fewer)."""
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer '{analyzer}'; choose one of {', '.join(ANALYZERS)}")
        if not terms or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, analyzer, t)) for t in dict.fromkeys(terms)])
        searcher = self.index.searcher()
        if allowed is None:
            return self._hits(searcher, q, k)
        allowed = allowed if isinstance(allowed, RowSet) else RowSet(allowed)
        rows, (starts, ends) = allowed.ids, allowed.runs()
        # A few long runs (a date range or a collection of an archive written in order) are matched as ranges,
        # other rows as a set of terms. On the 1M archive, 100k ids in one run: a range 7 ms, a term set 122 ms;
        # each further range costs ~3 ms, as ~2,500 ids of a term set.
        scattered = len(starts) * IDS_PER_RANGE >= len(rows)
        wide = 2 * k * searcher.num_docs // len(rows) + 1
        if scattered and len(rows) > FIRST_PASS_ROWS and wide <= FIRST_PASS_HITS:
            # The query leads: BM25 scores do not depend on the filter, so the first k allowed rows among its
            # `wide` best, in score order, are the k best allowed rows, if there are k of them (or the query
            # matched fewer than `wide` rows in all). A term set of 50k ids cost ~60 ms a leg at 1M; reading a
            # hit's row id ~8 us, so the hits are read a quarter at a time until k are allowed (about k/share).
            hits = searcher.search(q, wide).hits
            kept: list[tuple[int, float]] = []
            step = max(k, wide // 4)
            for start in range(0, len(hits), step):
                batch = hits[start:start + step]
                found = np.array([_row(searcher, address) for _, address in batch], dtype=np.int64)
                at = np.minimum(np.searchsorted(rows, found), len(rows) - 1)
                kept += [(int(row), float(score)) for row, (score, _), ok in zip(found, batch, rows[at] == found) if ok]
                if len(kept) >= k:
                    return kept[:k]
            if len(hits) < wide:
                return kept
        # scores nothing: BM25 stays comparable with FTS5's
        chosen = tantivy.Query.term_set_query(self.schema, "rowid", rows.tolist()) if scattered \
            else self._ranges_query(starts, ends)
        only = tantivy.Query.const_score_query(chosen, 0.0)
        return self._hits(searcher, tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, only)]), k)

    @staticmethod
    def _hits(searcher, query: tantivy.Query, k: int) -> list[tuple[int, float]]:
        return [(_row(searcher, address), float(score)) for score, address in searcher.search(query, k).hits]


def _row(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> int:
    """A hit's row id, read from its stored document (~8 us at 1M: tantivy-py reads no fast field)."""
    return int(searcher.doc(address).get_first("rowid"))
