"""The SQLite store of an index: documents, articles, chunks, an FTS5 table (where indexes written before the
lexicon, rag.indexing.lexical, kept their rows' tokens; their first write moves them), the embedding cache
(vectors keyed by model and text hash, so re-indexing unchanged text embeds nothing; a chunk's sentence vectors
are one row under `sentence_key(model)` and the chunk's hash, in fp16; the model is a small number from the
`models` table), and the bookkeeping of
the vector segments: which segment holds each chunk (NULL: not sealed yet), the sealed segments, and the
tombstones of deleted chunks still inside a sealed segment.

The database runs in WAL mode with full synchronous commits: a committed write is durable, readers are not
blocked by the writer, and each write is one transaction that a reader sees whole or not at all."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from rag.checksums import text_hash
from rag.indexing.lexical.fresh import LexiconStats
from rag.ingest.chunking import sentences
from rag.ingest.loading import Box, Source
from rag.text import analyzers
from rag.search.filters import Filters
from rag.types import DEFAULT_COLLECTION, Article, Chunk, DocumentMeta

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, chars INTEGER NOT NULL,
    articles INTEGER NOT NULL, chunks INTEGER NOT NULL, added_at TEXT NOT NULL DEFAULT (datetime('now'))) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (doc_id TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS formats (doc_id TEXT PRIMARY KEY, format TEXT NOT NULL, encoding TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, title TEXT NOT NULL,
    title_source TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS articles_doc ON articles(doc_id, ordinal);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, article_id TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    ordinal INTEGER NOT NULL, embed_hash BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
-- a delete asks whether any chunk still uses a vector: without it, a scan of every chunk per removed chunk
CREATE INDEX IF NOT EXISTS chunks_embed ON chunks(embed_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(bigram, jieba, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL, number INTEGER NOT NULL, png BLOB NOT NULL, PRIMARY KEY (doc_id, number));
CREATE TABLE IF NOT EXISTS page_lines (
    doc_id TEXT NOT NULL, page INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL, y1 REAL NOT NULL);
CREATE INDEX IF NOT EXISTS page_lines_doc ON page_lines(doc_id, start);
CREATE TABLE IF NOT EXISTS embeddings (
    model INTEGER NOT NULL, text_hash BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash));
CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY, file TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL,
    info TEXT NOT NULL, sha256 TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE IF NOT EXISTS tombstones (rowid INTEGER PRIMARY KEY, segment INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_deletes (rowid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sentence_pending (text_hash BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL DEFAULT (datetime('now')));
INSERT OR IGNORE INTO collections (name, description) VALUES ('default', '');
"""
# Added after the first release: an older index gains the columns on open (its documents: default collection,
# no newspaper metadata).
MIGRATIONS = [("chunks", "segment", "ALTER TABLE chunks ADD COLUMN segment INTEGER"),
              ("documents", "collection", "ALTER TABLE documents ADD COLUMN collection TEXT NOT NULL DEFAULT 'default'"),
              ("documents", "paper", "ALTER TABLE documents ADD COLUMN paper TEXT"),
              ("documents", "date", "ALTER TABLE documents ADD COLUMN date TEXT"),  # ISO yyyy-mm-dd
              ("documents", "page", "ALTER TABLE documents ADD COLUMN page INTEGER"),
              ("documents", "page_name", "ALTER TABLE documents ADD COLUMN page_name TEXT"),
              ("documents", "section", "ALTER TABLE documents ADD COLUMN section TEXT"),
              ("documents", "authors", "ALTER TABLE documents ADD COLUMN authors TEXT NOT NULL DEFAULT '[]'")]
META_COLUMNS = ("paper", "date", "page", "page_name", "section")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _batches(ids: list[int], size: int = 900) -> Iterator[tuple[list[int], str]]:
    """Row ids in batches under SQLite's limit on bound variables (`rag eval` reads every chunk), each with its
    `?,?,...` placeholders."""
    for i in range(0, len(ids), size):
        batch = ids[i: i + size]
        yield batch, ",".join("?" * len(batch))


# A text's hash as stored: 16 bytes, or 64 hex digits in the rows of an index from before (rag.checksums)
Hash = bytes | str


def embed_text(chunk: Chunk) -> str:
    """What the embedder sees: the article title gives the passage its context."""
    return f"{chunk.title}\n{chunk.text}"


def sentence_texts(chunk: Chunk) -> list[str]:
    """What the sentence leg embeds: each sentence of the chunk under its article title (a chunk too short to
    have one is embedded whole)."""
    return [f"{chunk.title}\n{chunk.text[a:b]}" for a, b in sentences(chunk.text) if b - a >= 4] or [embed_text(chunk)]


def lexical_terms(chunk: Chunk) -> tuple[str, ...]:
    """The chunk's title and text through each analyzer (ANALYZERS order), as the whitespace-joined token
    strings the lexicon indexes."""
    text = f"{chunk.title}\n{chunk.text}"
    return tuple(" ".join(analyze(text)) for analyze in analyzers.ANALYZERS.values())


# Sentence vectors are kept in half precision: they are most of what an add writes (a 5,000-character page: 87
# sentences, 134 KB in fp32), and fp16 moves their cosines by under 1e-3. Chunk vectors, which the segments are
# built from, stay fp32. Indexes written before keep fp32 rows under the older key, still read.
HALF = "#sentences-f16"
OLDER_SENTENCES = "#sentences"


def sentence_key(model: str) -> str:
    """The `model` a chunk's sentence vectors are cached under: kept beside its chunk vector, pruned with it."""
    return f"{model}{HALF}"


def _keys(model: str) -> tuple[str, ...]:
    """The keys a vector of `model` may be stored under, newest first."""
    return (model, model.removesuffix(HALF) + OLDER_SENTENCES) if model.endswith(HALF) else (model,)


def _dtype(key: str) -> type:
    """How vectors under this key are stored."""
    return np.float16 if key.endswith(HALF) else np.float32


def _decode(key: str, blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=_dtype(key)).astype(np.float32, copy=False)


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    path: str
    sha256: str
    chars: int
    articles: int
    chunks: int
    added_at: str
    format: str = "text"  # text, markdown, pdf, docx, html, image
    encoding: str | None = None  # what a text file was read in
    collection: str = DEFAULT_COLLECTION
    meta: DocumentMeta = DocumentMeta()


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    description: str
    created_at: str
    documents: int
    chunks: int


class Store:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        # A reader opens read-write but sets query_only: a read-only URI cannot attach to a WAL database whose
        # shared-memory file the last writer removed.
        self.db = sqlite3.connect(f"file:{path}", uri=True, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # one connection shared by the server's threads
        self._released: set[Hash] = set()  # embedding hashes of removed chunks, pruned at the end of a write
        if readonly:
            self.db.execute("PRAGMA query_only=ON")
        else:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            # a new index stores models by number (`_model`); one from before keeps their names
            numbered = "" if self._has("documents") else "INSERT INTO meta VALUES ('models', 'numbered');"
            self.db.executescript(SCHEMA + numbered)
            for table, column, sql in MIGRATIONS:
                if column not in {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}:
                    self.db.execute(sql)
            self.db.execute("CREATE INDEX IF NOT EXISTS chunks_segment ON chunks(segment)")
            # pruning finds a hash under each of its model's keys: an index on the hash alone cost every add
            # ~15 more pages written (of ~105 on the seeds)
            self.db.execute("DROP INDEX IF EXISTS embeddings_hash")
            self.db.execute("CREATE INDEX IF NOT EXISTS documents_collection ON documents(collection, date)")
        # An index built before formats were kept opens read-only without the table: its documents are text.
        self._documents_sql = "SELECT * FROM documents" if not self._has("formats") else (
            "SELECT d.*, coalesce(f.format, 'text') AS format, f.encoding FROM documents d LEFT JOIN formats f USING (doc_id)")
        # Likewise an index from before collections: all its documents are in the default collection.
        self._collections = self._has("collections")
        # A build written before page storage existed has no page tables: its documents have no pages.
        self._paged = self._has("pages")
        # ... and one from before deferred sentence vectors has none pending.
        self._deferring = self._has("sentence_pending")
        self._numbered = self._has("meta") and self.get_meta("models") == "numbered"

    def _has(self, table: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone() is not None

    def _model(self, name: str, create: bool = False) -> int | str | None:
        """What the embeddings table stores for a model: its number, which a write creates (`create`) and a read
        without one finds no vectors for (None). It is in every row and in every key of the table's index, which an
        add writes into at random places: with the names (up to 43 characters) and hex hashes there, an add on the
        seeds wrote 0.26x the index; with numbers and 16-byte hashes, 0.23x. An index from before keeps the names."""
        if not self._numbered:
            return name
        row = self._rows("SELECT id FROM models WHERE name = ?", (name,))
        if row or not create:
            return row[0]["id"] if row else None
        return self.db.execute("INSERT INTO models (name) VALUES (?)", (name,)).lastrowid

    def close(self) -> None:
        self.db.close()

    # -- reads ----------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """Several reads that see one state of the index: a writer's commits in between are not seen (WAL
        keeps the read transaction's snapshot). The server's other threads wait for the shared connection."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                yield self
            finally:
                self.db.execute("COMMIT")

    def documents(self, collections: Sequence[str] | None = None) -> list[DocumentInfo]:
        if collections is None:
            return [_document(r) for r in self._rows(f"{self._documents_sql} ORDER BY doc_id")]
        marks = ",".join("?" * len(collections))
        return [_document(r) for r in self._rows(f"{self._documents_sql} WHERE collection IN ({marks}) ORDER BY doc_id",
                                                 list(collections))]

    def document(self, doc_id: str) -> DocumentInfo | None:
        rows = self._rows(f"{self._documents_sql} WHERE doc_id = ?", (doc_id,))
        return _document(rows[0]) if rows else None

    def collections(self) -> list[CollectionInfo]:
        if not self._collections:
            (r,) = self._rows("SELECT count(*) AS n, coalesce(sum(chunks), 0) AS chunks FROM documents")
            return [CollectionInfo(DEFAULT_COLLECTION, "", "", r["n"], r["chunks"])]
        return [CollectionInfo(**dict(r)) for r in self._rows(
            "SELECT c.name, c.description, c.created_at, count(d.doc_id) AS documents, "
            "coalesce(sum(d.chunks), 0) AS chunks FROM collections c LEFT JOIN documents d ON d.collection = c.name "
            "GROUP BY c.name ORDER BY c.name")]

    def collection(self, name: str) -> CollectionInfo | None:
        return next((c for c in self.collections() if c.name == name), None)

    def collection_names(self) -> list[str]:
        """The collections' names alone: what every request checks, where collections() counts a million rows."""
        if not self._collections:
            return [DEFAULT_COLLECTION]
        return [r["name"] for r in self._rows("SELECT name FROM collections ORDER BY name")]

    def _where(self, filters: Filters) -> tuple[str, list] | None:
        """SQL over `documents` selecting the documents a search may look at; None when that is all of them."""
        if not self._collections:  # an index from before collections (read-only): one collection, no metadata
            if DEFAULT_COLLECTION not in filters.collections or filters.by_metadata:
                return "SELECT doc_id FROM documents WHERE 0", []
            filters = replace(filters, collections=(DEFAULT_COLLECTION,))
        # every document is in a collection that exists (the write path checks): the small collections table
        # answers what DISTINCT over a million rows' documents would
        present = set(self.collection_names())
        clauses: list[str] = []
        params: list = []
        if not present <= set(filters.collections):
            clauses.append(f"collection IN ({','.join('?' * len(filters.collections))})")
            params.extend(filters.collections)
        if filters.doc_ids is not None:
            clauses.append(f"doc_id IN ({','.join('?' * len(filters.doc_ids))})")
            params.extend(filters.doc_ids)
        if filters.date_from:
            clauses.append("date >= ?")
            params.append(filters.date_from.isoformat())
        if filters.date_to:
            clauses.append("date <= ?")
            params.append(filters.date_to.isoformat())
        for column, values in (("paper", filters.papers), ("page", filters.pages), ("section", filters.sections)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if filters.authors:
            clauses.append(f"EXISTS (SELECT 1 FROM json_each(authors) WHERE value IN "
                           f"({','.join('?' * len(filters.authors))}))")
            params.extend(filters.authors)
        if not clauses:
            return None
        return "SELECT doc_id FROM documents WHERE " + " AND ".join(clauses), params

    def source_text(self, doc_id: str) -> str | None:
        rows = self._rows("SELECT text FROM sources WHERE doc_id = ?", (doc_id,))
        return rows[0]["text"] if rows else None

    def articles(self, doc_id: str) -> list[dict]:
        return [dict(r) for r in self._rows(
            "SELECT article_id, ordinal, title, title_source, start, end FROM articles "
            "WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def page_count(self, doc_id: str) -> int:
        if not self._paged:
            return 0
        return self._rows("SELECT count(*) AS n FROM pages WHERE doc_id = ?", (doc_id,))[0]["n"]

    def page_image(self, doc_id: str, number: int) -> bytes | None:
        if not self._paged:
            return None
        rows = self._rows("SELECT png FROM pages WHERE doc_id = ? AND number = ?", (doc_id, number))
        return rows[0]["png"] if rows else None

    def locate(self, doc_id: str, start: int, end: int) -> list[tuple[int, Box]]:
        """(page, box) of every printed line holding characters of [start, end), in text order."""
        if not self._paged:
            return []
        rows = self._rows("SELECT page, x0, y0, x1, y1 FROM page_lines WHERE doc_id = ? AND start < ? AND end > ? "
                          "ORDER BY start", (doc_id, end, start))
        return [(r["page"], (r["x0"], r["y0"], r["x1"], r["y1"])) for r in rows]

    def counts(self) -> dict[str, int]:
        return {t: self._rows(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in ("documents", "articles", "chunks")}

    def chunks_by_id(self, ids: Iterable[int]) -> dict[int, Chunk]:
        ids = [int(i) for i in ids]
        out: dict[int, Chunk] = {}
        for batch, marks in _batches(ids):
            rows = self._rows(f"SELECT * FROM chunks WHERE id IN ({marks})", batch)
            out.update({r["id"]: _chunk(r) for r in rows})
        return out

    def chunk_rows(self, doc_ids: Sequence[str] | None = None) -> list[int]:
        if doc_ids is None:
            return [r["id"] for r in self._rows("SELECT id FROM chunks")]
        marks = ",".join("?" * len(doc_ids))
        return [r["id"] for r in self._rows(f"SELECT id FROM chunks WHERE doc_id IN ({marks})", list(doc_ids))]

    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        """Row ids of the chunks a search with these filters may look at, ascending; None when that is every
        chunk. Read as plain tuples: a year of a million-chunk archive is 100k rows."""
        where = self._where(filters)
        if where is None:
            return None
        with self._lock:
            cursor = self.db.cursor()
            cursor.row_factory = None
            rows = cursor.execute(f"SELECT id FROM chunks WHERE doc_id IN ({where[0]})", where[1]).fetchall()
        return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))

    def lexical_search(self, terms: Sequence[str], analyzer: str, k: int, filters: Filters | None = None
                       ) -> list[tuple[int, float]]:
        """BM25 over one analyzer's FTS5 column (rows not moved to the lexicon yet): [(row id, score)], best
        first, score higher is better."""
        analyzers.get(analyzer)  # raises on an unknown name: it is spliced into the query
        terms = list(dict.fromkeys(terms))
        if not terms:
            return []
        match = f"{analyzer} : (" + " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")"
        weights = ", ".join("1.0" if name == analyzer else "0.0" for name in analyzers.ANALYZERS)
        sql = f"SELECT rowid, bm25(chunks_fts, {weights}) AS s FROM chunks_fts WHERE chunks_fts MATCH ?"
        params: list = [match]
        where = self._where(filters) if filters is not None else None
        if where is not None:
            # The match drives and the filter checks its rows: FTS5 holds only rows not yet moved to the lexicon
            # (none between writes). Given `rowid IN (...)`, SQLite probed FTS5 once per admitted row instead:
            # 2.3 s for a year of a million-chunk archive.
            sql = (f"WITH m AS MATERIALIZED ({sql}) SELECT m.rowid, m.s FROM m JOIN chunks c ON c.id = m.rowid "
                   f"WHERE c.doc_id IN ({where[0]})")
            params.extend(where[1])
        sql += " ORDER BY s LIMIT ?"
        params.append(k)
        return [(r["rowid"], -r["s"]) for r in self._rows(sql, params)]

    def lexical_rows(self, limit: int) -> list[tuple[int, tuple[str, ...]]]:
        """FTS5 rows as (row id, token strings in ANALYZERS order), lowest ids first: what the lexicon is fed,
        so that no text is analysed twice."""
        rows = self._rows(f"SELECT rowid, {', '.join(analyzers.ANALYZERS)} FROM chunks_fts ORDER BY rowid LIMIT ?",
                          (limit,))
        return [(r["rowid"], tuple(r[a] for a in analyzers.ANALYZERS)) for r in rows]

    def pending_sentences(self, limit: int) -> list[tuple[Hash, Chunk]]:
        """Chunk hashes written without their sentence vectors, each with one chunk of that text."""
        if not self._deferring:
            return []
        rows = self._rows("SELECT p.text_hash AS h, c.* FROM sentence_pending p JOIN chunks c ON c.id = "
                          "(SELECT min(id) FROM chunks WHERE embed_hash = p.text_hash) LIMIT ?", (limit,))
        return [(r["h"], _chunk(r)) for r in rows]

    def lexicon_upto(self) -> int:
        """The highest row id the lexicon's last commit covers; the rows above it are fresh (searched from
        memory, `lexical.fresh`). An index from before fresh rows has all its rows in the lexicon or FTS5."""
        value = self.get_meta("lexicon_upto")
        return int(value) if value is not None else self.last_chunk_id()

    def lexicon_stats(self) -> LexiconStats:
        value = self.get_meta("lexicon_stats")
        return LexiconStats(**json.loads(value)) if value else LexiconStats()

    def chunks_after(self, rowid: int) -> dict[int, Chunk]:
        """The chunks with a row id above this one (the fresh rows of the lexicon: at most its batch)."""
        return {r["id"]: _chunk(r) for r in self._rows("SELECT * FROM chunks WHERE id > ? ORDER BY id", (rowid,))}

    def pending_lexical_deletes(self) -> list[int]:
        """Removed rows the lexicon may still hold (cleared once it has dropped them)."""
        return [r["rowid"] for r in self._rows("SELECT rowid FROM lexical_deletes ORDER BY rowid")]

    def cached_vectors(self, model: str, hashes: Sequence[Hash]) -> dict[Hash, np.ndarray]:
        out: dict[Hash, np.ndarray] = {}
        for key in _keys(model):
            todo = [h for h in hashes if h not in out]
            stored = self._model(key)
            for i in range(0, len(todo) if stored is not None else 0, 500):
                batch = todo[i : i + 500]
                rows = self._rows(f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN "
                                  f"({','.join('?' * len(batch))})", [stored, *batch])
                out.update({r["text_hash"]: _decode(key, r["vector"]) for r in rows})
        return out

    def all_vectors(self, model: str) -> dict[Hash, np.ndarray]:
        """Every cached vector of `model` (its newest key), by hash: what another index of the model can reuse."""
        stored = self._model(model)
        if stored is None:
            return {}
        rows = self._rows("SELECT text_hash, vector FROM embeddings WHERE model = ?", (stored,))
        return {r["text_hash"]: _decode(model, r["vector"]) for r in rows}

    # -- writes (by the one writer, inside a transaction) --------------------------------------------
    def transaction(self):
        return _Transaction(self)

    def put_vectors(self, model: str, vectors: dict[Hash, np.ndarray]) -> None:
        if vectors:
            stored = self._model(model, create=True)
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                                [(stored, h, v.astype(_dtype(model)).tobytes()) for h, v in vectors.items()])

    def add_document(self, source: Source, articles: list[Article], chunks: list[Chunk]) -> list[int]:
        """Insert a document with its articles and chunks; returns the chunks' row ids (FAISS ids). Their tokens
        go to the lexicon, not here (rag.indexing.lexical.writes)."""
        self.db.execute("INSERT INTO documents (doc_id, path, sha256, chars, articles, chunks, collection) "
                        "VALUES (?,?,?,?,?,?,?)", (source.doc_id, source.path, source.sha256, len(source.text),
                                                   len(articles), len(chunks), source.collection))
        self.set_document_meta(source.doc_id, source.meta)
        self.db.execute("INSERT INTO sources VALUES (?, ?)", (source.doc_id, source.text))
        markdown = source.kind == "text" and source.doc_id.lower().endswith(".md")
        self.db.execute("INSERT INTO formats VALUES (?, ?, ?)",
                        (source.doc_id, "markdown" if markdown else source.kind, source.encoding))
        self.db.executemany("INSERT INTO articles VALUES (?,?,?,?,?,?,?)", [
            (a.article_id, a.doc_id, a.ordinal, a.title, a.title_source, a.start, a.end) for a in articles])
        ids = []
        # Row ids are never reused: a sealed segment may still hold the vector of a deleted row (a tombstone),
        # and SQLite would hand the highest deleted id to the next insert.
        last = self.last_chunk_id()
        for c in chunks:
            last += 1
            self.db.execute(
                "INSERT INTO chunks (id, chunk_id, doc_id, article_id, title, text, start, end, ordinal, embed_hash) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (last, c.chunk_id, c.doc_id, c.article_id, c.title, c.text, c.start, c.end, c.ordinal,
                 text_hash(embed_text(c))))
            ids.append(last)
        self.set_meta("last_chunk_id", str(last))
        self._add_pages(source)
        return ids

    def last_chunk_id(self) -> int:
        """The highest chunk row id ever committed (deleted ones too)."""
        return max(int(self.get_meta("last_chunk_id") or 0),
                   self.db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0])

    def _add_pages(self, source: Source) -> None:
        self.db.executemany("INSERT INTO pages VALUES (?, ?, ?)",
                            [(source.doc_id, p.number, p.png) for p in source.pages])
        self.db.executemany("INSERT INTO page_lines VALUES (?,?,?,?,?,?,?,?)", [
            (source.doc_id, p.number, ln.start, ln.end, *ln.box) for p in source.pages for ln in p.lines])

    def set_document_meta(self, doc_id: str, meta: DocumentMeta) -> None:
        self.db.execute(f"UPDATE documents SET {', '.join(c + ' = ?' for c in META_COLUMNS)}, authors = ? "
                        "WHERE doc_id = ?", [*(getattr(meta, c) for c in META_COLUMNS),
                                             json.dumps(list(meta.authors), ensure_ascii=False), doc_id])

    def add_collection(self, name: str, description: str) -> None:
        self.db.execute("INSERT INTO collections (name, description) VALUES (?, ?)", (name, description))

    def drop_collection(self, name: str) -> None:
        self.db.execute("DELETE FROM collections WHERE name = ?", (name,))

    def remove_document(self, doc_id: str) -> list[int]:
        """Delete a document's rows; its chunks inside sealed segments become tombstones, and the cached vectors
        no other chunk uses are dropped."""
        rows = self.db.execute("SELECT id, segment, embed_hash FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        ids = [r["id"] for r in rows]
        self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
        # rows above the lexicon's last commit are not in it (a commit a crash cut short is redone whole)
        upto = self.lexicon_upto()
        self.db.executemany("INSERT OR IGNORE INTO lexical_deletes VALUES (?)", [(i,) for i in ids if i <= upto])
        self.db.executemany("INSERT OR IGNORE INTO tombstones VALUES (?, ?)",
                            [(r["id"], r["segment"]) for r in rows if r["segment"] is not None])
        for table in ("chunks", "articles", "sources", "formats", "documents", "pages", "page_lines"):
            self.db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
        self._released.update(r["embed_hash"] for r in rows)
        return ids

    def prune_embeddings(self, model: str) -> None:
        """Drop the cached vectors (`model`'s and its sentence vectors) of removed chunks that no chunk uses any
        more (after any re-add, so that a replaced document keeps the vectors of its unchanged text)."""
        unused = [h for h in self._released
                  if not self.db.execute("SELECT 1 FROM chunks WHERE embed_hash = ? LIMIT 1", (h,)).fetchone()]
        keys = [stored for key in (model, *_keys(sentence_key(model))) if (stored := self._model(key)) is not None]
        self.db.executemany("DELETE FROM embeddings WHERE model = ? AND text_hash = ?",
                            [(key, h) for key in keys for h in unused])
        self.db.executemany("DELETE FROM sentence_pending WHERE text_hash = ?", [(h,) for h in unused])
        self._released.clear()

    # -- segments ---------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        # an upsert changes the row in place; OR REPLACE deleted and re-inserted it, writing the key's index too
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    def generation(self) -> int:
        """A number every committed write raises: readers compare it to know their view is stale."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> None:
        """Raise the generation and stamp the time, in the write's own transaction (a second one would write
        the same pages again)."""
        self.db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        self.set_meta("updated_at", now())

    def fresh_ids(self) -> np.ndarray:
        """Row ids of the chunks not yet sealed into a segment."""
        rows = self._rows("SELECT id FROM chunks WHERE segment IS NULL ORDER BY id")
        return np.array([r["id"] for r in rows], dtype=np.int64)

    def vectors_of(self, model: str, ids: Sequence[int]) -> np.ndarray:
        """The vectors of these chunk rows, in their order."""
        ids = [int(i) for i in ids]
        out = self.vectors_by_row(model, ids)
        return np.stack([out[i] for i in ids]) if ids else np.zeros((0, 0), dtype=np.float32)

    def vectors_by_row(self, model: str, ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The cached vectors of these chunk rows (flat arrays), for those that have one under `model`."""
        out: dict[int, np.ndarray] = {}
        ids = [int(i) for i in ids]
        for key in _keys(model):
            if (stored := self._model(key)) is None:
                continue
            for batch, marks in _batches([i for i in ids if i not in out]):
                # CROSS JOIN fixes the loop order (chunks by id, then their vector): given the choice, SQLite
                # walked every vector of the model and probed chunks by hash, 114 s for 137 rows of a 1M archive
                rows = self._rows(f"SELECT c.id, e.vector FROM chunks c CROSS JOIN embeddings e ON e.text_hash = "
                                  f"c.embed_hash AND e.model = ? WHERE c.id IN ({marks})", [stored, *batch])
                out.update({r["id"]: _decode(key, r["vector"]) for r in rows})
        return out

    def segment_rows(self) -> list[dict]:
        return [dict(r) for r in self._rows("SELECT * FROM segments ORDER BY id")]

    def segment_order(self, ids: Sequence[int]) -> np.ndarray:
        """These chunk rows in the order a sealed segment stores them: by collection, then paper, then
        publication date (undated first), then row id. A collection, a paper or a paper's date range is then a
        run of neighbouring rows (a date range across n papers, n runs), which a filtered search scores exactly
        without walking the graph (rag.indexing.vectors)."""
        ids = [int(i) for i in ids]
        if not self._collections:  # an index from before collections: no metadata to order by
            return np.array(sorted(ids), dtype=np.int64)
        keys = []
        for batch, marks in _batches(ids):
            keys += [(r["collection"], r["paper"] or "", r["date"] or "", r["id"]) for r in self._rows(
                f"SELECT c.id, d.collection, d.paper, d.date FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
                f"WHERE c.id IN ({marks})", batch)]
        if len(keys) != len(ids):
            raise ValueError(f"{len(ids) - len(keys)} of the {len(ids)} rows to order are not chunks of a document")
        return np.array([key[-1] for key in sorted(keys)], dtype=np.int64)

    def segment_chunk_ids(self, segment: int) -> np.ndarray:
        rows = self._rows("SELECT id FROM chunks WHERE segment = ? ORDER BY id", (segment,))
        return np.array([r["id"] for r in rows], dtype=np.int64)

    def tombstones(self) -> dict[int, np.ndarray]:
        """Deleted row ids still inside each sealed segment."""
        out: dict[int, list[int]] = {}
        for r in self._rows("SELECT rowid, segment FROM tombstones"):
            out.setdefault(r["segment"], []).append(r["rowid"])
        return {seg: np.array(ids, dtype=np.int64) for seg, ids in out.items()}

    def add_segment(self, segment: int, file: str, kind: str, info: str, sha256: str, ids: Sequence[int]) -> None:
        self.db.execute("INSERT INTO segments (id, file, kind, count, info, sha256) VALUES (?,?,?,?,?,?)",
                        (segment, file, kind, len(ids), info, sha256))
        self.db.executemany("UPDATE chunks SET segment = ? WHERE id = ?", [(segment, int(i)) for i in ids])

    def set_segment_info(self, segment: int, info: str) -> None:
        self.db.execute("UPDATE segments SET info = ? WHERE id = ?", (info, segment))

    def defer_sentences(self, hashes: Iterable[Hash]) -> None:
        """Record chunk hashes whose sentence vectors are embedded after the write (`Index.fill_sentences`)."""
        self.db.executemany("INSERT OR IGNORE INTO sentence_pending VALUES (?)", [(h,) for h in hashes])

    def put_sentences(self, model: str, vectors: dict[Hash, np.ndarray]) -> None:
        """Store deferred sentence vectors, for the hashes a chunk still uses, and clear them from pending."""
        live = [(h, v) for h, v in vectors.items()
                if self.db.execute("SELECT 1 FROM chunks WHERE embed_hash = ? LIMIT 1", (h,)).fetchone()]
        self.put_vectors(sentence_key(model), dict(live))
        self.db.executemany("DELETE FROM sentence_pending WHERE text_hash = ?", [(h,) for h in vectors])

    def unindex_lexical(self, ids: Sequence[int]) -> None:
        """Drop rows from FTS5 once the lexicon holds them."""
        self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(int(i),) for i in ids])

    def optimize_lexical(self) -> None:
        """Merge FTS5's segments, dropping the postings of deleted rows."""
        self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")

    def set_lexicon_upto(self, rowid: int, stats: LexiconStats) -> None:
        self.set_meta("lexicon_upto", str(rowid))
        self.set_meta("lexicon_stats", json.dumps({"rows": stats.rows, "tokens": dict(stats.tokens or {})}))

    def clear_lexical_deletes(self, ids: Sequence[int]) -> None:
        self.db.executemany("DELETE FROM lexical_deletes WHERE rowid = ?", [(int(i),) for i in ids])

    def move_tombstones(self, old: Sequence[int], new: int, ids: np.ndarray) -> None:
        """Tombstones of the `old` segments whose rows the `new` one holds (rows deleted while it was built)
        become the new segment's."""
        for seg in old:
            dead = np.array([r["rowid"] for r in self._rows("SELECT rowid FROM tombstones WHERE segment = ?", (seg,))],
                            dtype=np.int64)
            moved = dead[np.isin(dead, ids)]
            self.db.executemany("UPDATE tombstones SET segment = ? WHERE rowid = ?", [(new, int(i)) for i in moved])

    def drop_segments(self, segments: Sequence[int]) -> None:
        for seg in segments:
            self.db.execute("DELETE FROM segments WHERE id = ?", (seg,))
            self.db.execute("DELETE FROM tombstones WHERE segment = ?", (seg,))


class _Transaction:
    def __init__(self, store: Store):
        self.store = store

    def __enter__(self):
        self.store.db.execute("BEGIN")
        return self.store

    def __exit__(self, exc_type, *_):
        self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def _document(r: sqlite3.Row) -> DocumentInfo:
    row = dict(r)
    meta = DocumentMeta(**{c: row.pop(c, None) for c in META_COLUMNS},
                        authors=tuple(json.loads(row.pop("authors", None) or "[]")))
    return DocumentInfo(**row, meta=meta)


def _chunk(r: sqlite3.Row) -> Chunk:
    return Chunk(chunk_id=r["chunk_id"], doc_id=r["doc_id"], article_id=r["article_id"], title=r["title"],
                 text=r["text"], start=r["start"], end=r["end"], ordinal=r["ordinal"])
