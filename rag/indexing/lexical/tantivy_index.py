"""BM25 with tantivy (Rust, Lucene's design: immutable segments, deletes as tombstones, background merges) over
our analyzers' tokens: one text field per analyzer, fed the tokens SQLite FTS5 already holds for the row
(whitespace-joined), so nothing is analysed twice and both engines see exactly the same terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from rag.text.analyzers import ANALYZERS

_HEAP_BYTES = 128 * 1024 * 1024  # the writer's buffer before it flushes a segment


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

    @property
    def size(self) -> int:
        return self.index.searcher().num_docs

    def holds(self, rowids: Sequence[int]) -> set[int]:
        """Which of these rows the index holds (committed)."""
        if not len(rowids):
            return set()
        q = tantivy.Query.term_set_query(self.schema, "rowid", [int(i) for i in rowids])
        searcher = self.index.searcher()
        return {int(searcher.doc(a)["rowid"][0]) for _, a in searcher.search(q, len(rowids)).hits}

    def search(self, terms: Sequence[str], analyzer: str, k: int, allowed: Sequence[int] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, BM25 score) for any of the terms in one analyzer's field, best first; with
        `allowed`, only those rows (a pre-filter: the k best of them, not fewer)."""
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer '{analyzer}'; choose one of {', '.join(ANALYZERS)}")
        if not terms or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, analyzer, t)) for t in dict.fromkeys(terms)])
        if allowed is not None:
            only = tantivy.Query.const_score_query(  # scores nothing: BM25 stays comparable with FTS5's
                tantivy.Query.term_set_query(self.schema, "rowid", [int(i) for i in allowed]), 0.0)
            q = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, only)])
        searcher = self.index.searcher()
        return [(int(searcher.doc(address)["rowid"][0]), float(score)) for score, address in searcher.search(q, k).hits]
