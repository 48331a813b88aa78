"""The index on disk and its write path.

    index/
      store.sqlite3        documents, chunks, the embedding cache, segment bookkeeping (WAL mode)
      segments/seg-*.faiss sealed vector segments, immutable once written
      lexical/             BM25 postings (tantivy) of every chunk
      manifest.json        the build manifest, stamped after every write
      models/              the rebuilt embedding model

A write (add or remove documents) is one SQLite transaction per document in the store: what it costs on disk
is the document's rows and vectors, not a copy of the index. A reader sees a document whole or not at all, a
committed write is durable (WAL, synchronous=FULL), and readers are never blocked by the writer. New chunks
are searched exactly from memory until there are enough of them to seal into a segment file; deleted chunks
of sealed segments are tombstones that searches exclude at once and merges drop (`merging.py`). A written
chunk's tokens are fresh rows, searched from memory, until a batch of them commits to the tantivy lexicon
(`lexical.fresh`, `lexical.writes.flush`). One writer at a time (an advisory file lock). An index in the older layout
(`current -> builds/<id>/`) is taken over on the first write.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rag import __version__
from rag.embedders import Embedder
from rag.indexing import merging
from rag.indexing.ann import AnnPolicy
from rag.indexing.lexical import writes
from rag.indexing.lexical.fresh import FreshRows, LexiconStats
from rag.indexing.lexical.tantivy_index import TantivyIndex
from rag.indexing.merging import MergePolicy
from rag.indexing.segments import Segments, describe
from rag.indexing.store import (
    CollectionInfo,
    DocumentInfo,
    Hash,
    Store,
    embed_text,
    lexical_terms,
    now,
    sentence_key,
    sentence_texts,
    text_hash,
)
from rag.indexing.vectors import Allowed, VectorIndex
from rag.ingest.chunking import ChunkerConfig, chunk_article
from rag.ingest.layout import split_articles
from rag.ingest.loading import Source
from rag.search.filters import Filters, check_collection
from rag.types import DEFAULT_COLLECTION, Chunk, DocumentMeta

STORE_FILE, MANIFEST_FILE, LEXICAL_DIR = "store.sqlite3", "manifest.json", "lexical"
FILTER_CACHE_ROWS = 4_000_000  # row ids a snapshot keeps for the filters it was asked (32 MB)


class IndexStateError(RuntimeError):
    """A problem with the index on disk (missing, built with another model, locked)."""


class NoIndex(IndexStateError):
    pass


@dataclass(frozen=True)
class AddResult:
    doc_id: str
    status: str  # "added", "replaced", "unchanged", or "updated" (same text, new metadata)
    articles: int
    chunks: int


@dataclass
class Snapshot:
    """What searches run against: the store (read connection), one immutable view of the segments, and the
    lexicon (None in an index written before it existed)."""

    path: Path
    manifest: dict
    store: Store
    vectors: Segments
    generation: int
    lexicon: TantivyIndex | None = None
    fresh: FreshRows = field(default_factory=lambda: FreshRows({}))
    _allowed: dict[Filters, Allowed | None] = field(default_factory=dict, repr=False)
    _allowed_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    def allowed_rows(self, filters: Filters) -> Allowed | None:
        """The rows the filters admit (`Store.allowed_rows`), kept while this snapshot lives with what the legs
        derive from them (rows.RowSet), as Lucene caches a filter's bits per segment: reading a year of the 1M
        archive takes ~105 ms, so a widget held to one collection or a date range asked again would pay it on
        every search. A write makes a new snapshot."""
        with self._allowed_lock:
            if filters in self._allowed:
                return self._allowed[filters]
        rows = self.store.allowed_rows(filters)
        rows = Allowed(rows) if rows is not None else None
        with self._allowed_lock:
            self._allowed[filters] = rows
            held = sum(len(r) for r in self._allowed.values() if r is not None)
            while held > FILTER_CACHE_ROWS and len(self._allowed) > 1:  # the oldest filters go first
                oldest = self._allowed.pop(next(iter(self._allowed)))
                held -= len(oldest) if oldest is not None else 0
        return rows

    def lexical(self, terms: list[str], analyzer: str, k: int, filters: Filters | None = None,
                allowed: Allowed | Sequence[int] | None = None) -> list[tuple[int, float]]:
        """One analyzer's BM25 leg over the lexicon, its fresh rows and the rows in FTS5 (those of an index from
        before the lexicon, until its first write): the k best (row id, score). `allowed` must be the rows
        `filters` admit (the lexicon and the fresh rows take row ids, FTS5 filters)."""
        found = dict(self.store.lexical_search(terms, analyzer, k, filters))
        legs = [self.lexicon.search(terms, analyzer, k, allowed)] if self.lexicon is not None else []
        if len(self.fresh):
            legs.append(self.fresh.search(terms, analyzer, k, allowed,
                                          self.lexicon.statistics if self.lexicon is not None else None))
        for leg in legs:
            for row, score in leg:
                found[row] = max(score, found.get(row, score))  # a crash mid-move or mid-flush leaves a row in two
        return sorted(found.items(), key=lambda p: p[1], reverse=True)[:k]

    def close(self) -> None:
        self.store.close()


def _versions() -> dict:
    """Versions of what shaped the index, read from package metadata (importing torch to ask would take
    seconds on every write)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"rag": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package, name in (("faiss-cpu", "faiss"), ("jieba", "jieba"), ("sentence-transformers", "sentence_transformers"),
                          ("torch", "torch"), ("onnxruntime", "onnxruntime"), ("openvino", "openvino"),
                          ("tantivy", "tantivy")):
        try:
            out[name] = version(package)
        except PackageNotFoundError:
            pass
    return out


class Index:
    def __init__(self, root: Path, embedder: Embedder, chunker: ChunkerConfig = ChunkerConfig(),
                 policy: AnnPolicy = AnnPolicy(), merge_policy: MergePolicy = MergePolicy()):
        self.root = Path(root)
        self.embedder = embedder
        self.chunker = chunker
        self.policy = policy
        self.merge_policy = merge_policy

    # -- reading ----------------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    def exists(self) -> bool:
        return self.store_path.exists() or (self.root / "current" / MANIFEST_FILE).exists()

    def open(self) -> Snapshot:
        if not self.store_path.exists():
            if (self.root / "current" / MANIFEST_FILE).exists():
                with self._lock():
                    self._adopt_old_layout()
            else:
                raise NoIndex(f"no index at {self.root}; build one with `rag index PATH`")
        store = Store(self.store_path, readonly=True)
        self._check_model(store)
        return self._view(store, None, None)

    def refresh(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot itself while nothing was written since; else a new one sharing what did not change."""
        if snapshot.store.generation() == snapshot.generation:
            return snapshot
        return self._view(snapshot.store, snapshot.vectors, snapshot.lexicon, snapshot.fresh)

    def _view(self, store: Store, previous: Segments | None, lexicon: TantivyIndex | None,
              fresh: FreshRows | None = None) -> Snapshot:
        for _ in range(4):
            try:
                return self._read(store, previous, lexicon, fresh)
            except (FileNotFoundError, RuntimeError):  # a merge removed a segment file the state read still lists
                time.sleep(0.05)
        return self._read(store, previous, lexicon, fresh)

    def _read(self, store: Store, previous: Segments | None, lexicon: TantivyIndex | None,
              fresh: FreshRows | None) -> Snapshot:
        with store.reading():  # one state: a write committed meanwhile is not half seen
            generation = store.generation()
            segments = Segments.load(self.root, store, self.embedder.name, self.embedder.dim, previous)
            rows = fresh_rows(store, fresh)
            manifest = self._manifest(store, segments.describe(), generation)
        # The lexicon after the store: a flush commits it before moving the store's mark, so the rows it holds
        # beyond that mark are also fresh rows (counted once by `lexical`), never in neither.
        if lexicon is not None:
            lexicon.reload()
        elif (self.root / LEXICAL_DIR / "meta.json").exists():
            lexicon = TantivyIndex(self.root / LEXICAL_DIR)
        return Snapshot(self.root, manifest, store, segments, generation, lexicon, rows)

    def _check_model(self, store: Store) -> None:
        built = store.get_meta("model")
        if built is not None and built != self.embedder.name:
            raise IndexStateError(f"the index at {self.root} was built with model '{built}' but the configured "
                                  f"model is '{self.embedder.name}'; rebuild it with `rag index --rebuild PATH`")

    def _manifest(self, store: Store, vectors: dict, generation: int) -> dict:
        counts = store.counts()
        return {
            "build_id": f"g{generation}",
            "generation": generation,
            "created_at": store.get_meta("created_at") or "",
            "updated_at": store.get_meta("updated_at") or "",
            "model": {"name": self.embedder.name, "dim": self.embedder.dim,
                      "query_prefix": getattr(self.embedder, "query_prefix", ""),
                      "passage_prefix": getattr(self.embedder, "passage_prefix", "")},
            "chunker": json.loads(store.get_meta("chunker") or json.dumps(self.chunker.as_dict())),
            "analyzers": ["bigram", "jieba"],
            "lexical": {"engine": "tantivy", "committed_upto": store.lexicon_upto(),
                        "batch": self.merge_policy.lexicon_batch},
            "vector_index": vectors,
            "merge_policy": asdict(self.merge_policy),
            "counts": {**counts, "vectors": vectors["fresh"] + sum(s["vectors"] - s["tombstones"]
                                                                   for s in vectors["sealed"])},
            "versions": _versions(),
            "checksums": {f"segments/{r['file']}": r["sha256"] for r in store.segment_rows()},
        }

    # -- writing ----------------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexStateError(f"another process is writing the index at {self.root}; try again when it is done")
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def _write(self, fresh: bool = False) -> Iterator[tuple[Store, TantivyIndex]]:
        with self._lock():
            self._adopt_old_layout()
            if fresh:
                self._clear()
            with self._writable() as (store, lexicon):
                self._check_model(store)
                if store.get_meta("model") is None:
                    with store.transaction():
                        store.set_meta("model", self.embedder.name)
                        store.set_meta("chunker", json.dumps(self.chunker.as_dict()))
                        store.set_meta("created_at", now())
                if store.get_meta("lexicon_upto") is None:  # an index from before fresh rows: all are in it
                    with store.transaction():
                        store.set_lexicon_upto(store.last_chunk_id(), LexiconStats())
                merging.sweep(self.root, store, lexicon)
                yield store, lexicon
                writes.forget_deleted(store, lexicon)
                writes.flush(store, lexicon, self.merge_policy.lexicon_batch)
                merging.seal(self.root, store, self.embedder.name, self.embedder.dim, self.policy, self.merge_policy)
                self._stamp(store)

    @contextmanager
    def _writable(self) -> Iterator[tuple[Store, TantivyIndex]]:
        store = Store(self.store_path)
        lexicon = TantivyIndex(self.root / LEXICAL_DIR)  # its writer (and the directory's lock) opens on first use
        try:
            yield store, lexicon
        finally:
            lexicon.close()
            store.close()

    def _clear(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.store_path}{suffix}").unlink(missing_ok=True)
        merging_dir = self.root / "segments"
        if merging_dir.exists():
            for path in merging_dir.iterdir():
                path.unlink()
        shutil.rmtree(self.root / LEXICAL_DIR, ignore_errors=True)

    def _adopt_old_layout(self) -> None:
        """An index written before segments (`current -> builds/<id>/store.sqlite3`): its store becomes the
        index's store; its chunks start fresh and are sealed on the next write."""
        old = self.root / "current"
        if self.store_path.exists() or not (old / STORE_FILE).exists():
            return
        src = sqlite3.connect(old.resolve() / STORE_FILE)
        tmp = self.root / (STORE_FILE + ".adopting")
        dst = sqlite3.connect(tmp)
        src.backup(dst)
        src.close()
        dst.close()
        store = Store(tmp)
        manifest = json.loads((old / MANIFEST_FILE).read_text())
        with store.transaction():
            store.set_meta("model", manifest["model"]["name"])
            store.set_meta("chunker", json.dumps(manifest["chunker"]))
            store.set_meta("created_at", manifest.get("created_at", now()))
        store.close()
        os.replace(tmp, self.store_path)

    def _stamp(self, store: Store) -> None:
        # described from the store's rows: loading a large segment to count it would cost seconds a write
        manifest = self._manifest(store, describe(store), store.generation())
        tmp = self.root / (MANIFEST_FILE + ".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / MANIFEST_FILE)

    def merge(self, guard: Callable[[], AbstractContextManager] = nullcontext,
              loaded: Mapping[int, VectorIndex] | None = None) -> int | None:
        """Rewrite segments heavy with tombstones, or too many small ones, and tune again segments an older
        policy tuned (those in `loaded`, a reader's segments, in place); run in the background after writes.
        The write lock (and `guard()`, the caller's own writer lock, if any) is held only to choose and to
        record: the build in between lets writes go on."""
        with merging.merge_lock(self.root) as mine:
            if not mine:
                return None  # another merge runs
            with guard(), self._lock(), self._writable() as (store, lexicon):
                merging.sweep(self.root, store, lexicon)
                job = merging.plan_merge(store, self.embedder.name, self.merge_policy)
                stale = merging.untuned(store)
            built = merging.build(self.root, job, self.embedder.dim, self.policy) if job else None
            tuned = merging.tune_again(self.root, stale, self.policy, loaded)
            if job is None and not tuned:
                return None
            with guard(), self._lock(), self._writable() as (store, _):
                merged = merging.commit(self.root, store, job, built) if job else None
                retuned = merging.record_tuning(store, tuned)
                if merged is not None or retuned:
                    self._stamp(store)
                return merged

    def seal(self) -> int | None:
        """Seal the fresh chunks now, however few, and commit the fresh rows to the lexicon
        (eval/build_archive.py, after loading an archive)."""
        with self._lock():
            with self._writable() as (store, lexicon):
                merging.sweep(self.root, store, lexicon)
                writes.flush(store, lexicon, self.merge_policy.lexicon_batch, force=True)
                sealed = merging.seal(self.root, store, self.embedder.name, self.embedder.dim, self.policy,
                                      self.merge_policy, force=True)
                self._stamp(store)
                return sealed

    # -- the operations -----------------------------------------------------------------------------
    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False, sentences: bool = True) -> list[AddResult]:
        """Index sources; a source whose doc id is already indexed with other content replaces it. Each
        document is committed on its own: once its result is reported it is durable and searchable. With
        `sentences=False` the chunks' sentence vectors (most of an add's encoder time) are left to
        `fill_sentences`; until then the sentence leg sits out of searches that meet those chunks."""
        results: list[AddResult] = []
        with self._write(fresh=rebuild) as (store, lexicon):
            check_collections(store, sources)
            for source in sources:
                known = store.document(source.doc_id)
                if known is not None and known.sha256 == source.sha256:
                    status = "unchanged"
                    if known.meta != source.meta:  # the same page with corrected metadata: no re-embedding
                        with store.transaction():
                            store.set_document_meta(source.doc_id, source.meta)
                            store.bump_generation()
                        status = "updated"
                    results.append(AddResult(source.doc_id, status, known.articles, known.chunks))
                    if progress:
                        progress(1)
                    continue
                articles = split_articles(source.doc_id, source.text)
                chunks = [c for a in articles for c in chunk_article(a, self.chunker)]
                texts = [embed_text(c) for c in chunks]
                hashes = [text_hash(t) for t in texts]
                vectors = self._embed(store, texts, hashes)
                per_sentence = self._embed_sentences(store, chunks, hashes) if sentences else {}
                with store.transaction():
                    store.put_vectors(self.embedder.name, dict(zip(hashes, vectors)))
                    store.put_vectors(sentence_key(self.embedder.name), per_sentence)
                    if not sentences:
                        have = store.cached_vectors(sentence_key(self.embedder.name), hashes)
                        store.defer_sentences(h for h in hashes if h not in have)
                    if known is not None:
                        store.remove_document(source.doc_id)
                    store.add_document(source, articles, chunks)  # its tokens: fresh rows until a flush
                    store.prune_embeddings(self.embedder.name)
                    store.bump_generation()
                results.append(AddResult(source.doc_id, "replaced" if known else "added", len(articles), len(chunks)))
                if progress:
                    progress(1)
        return results

    def _embed(self, store: Store, texts: list[str], hashes: list[Hash]) -> np.ndarray:
        cached = store.cached_vectors(self.embedder.name, hashes)
        todo = [i for i, h in enumerate(hashes) if h not in cached]
        if todo:
            fresh = self.embedder.embed_passages([texts[i] for i in todo])
            cached.update({hashes[i]: fresh[j] for j, i in enumerate(todo)})
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([cached[h] for h in hashes])

    def fill_sentences(self, batch: int = 64, guard: Callable[[], AbstractContextManager] = nullcontext,
                       stop: Callable[[], bool] = lambda: False) -> int:
        """Embed the sentence vectors that adds with `sentences=False` left pending, a batch at a time: the
        model runs outside the write lock, each batch is one short write (inside `guard()`, the caller's own
        writer lock, if any). Returns how many chunks were done."""
        done = 0
        while not stop():
            reader = Store(self.store_path, readonly=True)
            try:
                todo = reader.pending_sentences(batch)
                if not todo:
                    return done
                vectors = self._embed_sentences(reader, [c for _, c in todo], [h for h, _ in todo])
            finally:
                reader.close()
            with guard(), self._lock(), self._writable() as (store, _):
                with store.transaction():  # no new generation: searches read sentence vectors from the store
                    store.put_sentences(self.embedder.name, vectors)
            done += len(todo)
        return done

    def _embed_sentences(self, store: Store, chunks: list[Chunk], hashes: list[Hash]) -> dict[Hash, np.ndarray]:
        """Each chunk's sentence vectors (n x dim), keyed by the chunk's hash; cached ones are not redone."""
        key = sentence_key(self.embedder.name)
        cached = store.cached_vectors(key, hashes)
        todo = {h: sentence_texts(c) for h, c in zip(hashes, chunks) if h not in cached}
        # a sentence in the overlap of two chunks is embedded once (a 5,000-character page: 87 -> 70 texts)
        unique = list(dict.fromkeys(t for texts in todo.values() for t in texts))
        vectors = dict(zip(unique, self.embedder.embed_passages(unique))) if unique else {}
        cached.update({h: np.stack([vectors[t] for t in texts]) for h, texts in todo.items()})
        return cached

    def set_meta(self, doc_id: str, meta: DocumentMeta) -> DocumentInfo:
        """Correct a document's newspaper metadata; its chunks are untouched."""
        with self._write() as (store, _):
            if store.document(doc_id) is None:
                raise KeyError(f"no such document: {doc_id}")
            with store.transaction():
                store.set_document_meta(doc_id, meta)
                store.bump_generation()
            return store.document(doc_id)

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        check_collection(name)
        with self._write() as (store, _):
            if name in store.collection_names():
                raise CollectionError(f"collection '{name}' already exists")
            with store.transaction():
                store.add_collection(name, description)
                store.bump_generation()
            return store.collection(name)

    def delete_collection(self, name: str) -> CollectionInfo:
        """Delete a collection with all its documents, in one transaction: a search sees all of it or none."""
        if name == DEFAULT_COLLECTION:
            raise CollectionError("the default collection cannot be deleted; delete its documents instead")
        with self._write() as (store, _):
            info = store.collection(name)
            if info is None:
                raise KeyError(f"no such collection: {name}")
            with store.transaction():
                for doc in store.documents([name]):
                    store.remove_document(doc.doc_id)
                store.drop_collection(name)
                store.prune_embeddings(self.embedder.name)
                store.bump_generation()
            return info

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]:
        """Remove documents; every id must be indexed (nothing changes otherwise). One transaction for all."""
        with self._write() as (store, _):
            docs = [store.document(d) for d in doc_ids]
            missing = [d for d, info in zip(doc_ids, docs) if info is None]
            if missing:
                raise KeyError(f"no such document: {', '.join(missing)}")
            with store.transaction():
                for doc_id in doc_ids:
                    store.remove_document(doc_id)
                store.prune_embeddings(self.embedder.name)
                store.bump_generation()
        return [d for d in docs if d is not None]


def fresh_rows(store: Store, previous: FreshRows | None = None) -> FreshRows:
    """The lexicon's fresh rows, tokenized; those a previous snapshot had are not tokenized again."""
    known = previous.terms if previous is not None else {}
    rows = store.chunks_after(store.lexicon_upto())
    return FreshRows({row: known[row] if row in known else lexical_terms(chunk) for row, chunk in rows.items()},
                     store.lexicon_stats())


class CollectionError(ValueError):
    """A collection that does not exist, exists already, or cannot take a document."""


def check_collections(store: Store, sources: list[Source]) -> None:
    """Before writing anything: every target collection exists, and no file name is taken in another one
    (document ids are file names, unique across collections, so that citations and URLs stay unambiguous)."""
    known = set(store.collection_names())
    for source in sources:
        if source.collection not in known:
            raise CollectionError(f"no such collection: '{source.collection}'; create it first")
        other = store.document(source.doc_id)
        if other is not None and other.collection != source.collection:
            raise CollectionError(f"{source.doc_id} is already in collection '{other.collection}'; document ids are "
                                  "file names, unique across collections: delete it there or rename the file")
