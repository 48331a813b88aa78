"""BM25 with tantivy (Rust, Lucene's design: immutable segments, deletes as tombstones, background merges) over
our analyzers' tokens, fed as whitespace-separated text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import tantivy

from rag.text import analyzers

_HEAP_BYTES = 128 * 1024 * 1024  # the writer's buffer before it flushes a segment


class TantivyIndex:
    def __init__(self, folder: Path, analyzer: str = "bigram", threads: int = 1):
        self.tokenize = analyzers.get(analyzer)  # raises on an unknown analyzer name
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("rowid", stored=True, indexed=True, fast=True)
        builder.add_text_field("terms", stored=False, tokenizer_name="whitespace")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(self.folder), reuse=True)
        self.threads = threads
        self._writer: tantivy.IndexWriter | None = None

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:  # opened lazily: it takes the directory's write lock
            self._writer = self.index.writer(_HEAP_BYTES, self.threads)
        return self._writer

    def add(self, rowids: Sequence[int], texts: Sequence[str]) -> None:
        if len(rowids) != len(texts):
            raise ValueError(f"{len(rowids)} row ids for {len(texts)} texts; give one id per text")
        for rowid, text in zip(rowids, texts):
            self.writer.add_document(tantivy.Document(rowid=int(rowid), terms=" ".join(self.tokenize(text))))

    def delete(self, rowids: Sequence[int]) -> None:
        for rowid in rowids:
            self.writer.delete_documents_by_term("rowid", int(rowid))

    def commit(self) -> None:
        if self._writer is not None:
            self.writer.commit()
            self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        terms = list(dict.fromkeys(self.tokenize(query)))
        if not terms or k <= 0:
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "terms", t)) for t in terms])
        searcher = self.index.searcher()
        hits = searcher.search(q, k).hits
        return [(int(searcher.doc(address)["rowid"][0]), float(score)) for score, address in hits]
