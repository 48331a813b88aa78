"""Index builds on disk: one directory per build, a manifest stamped into each, atomic swaps.

    index/
      builds/<build_id>/{store.sqlite3, vectors.faiss, manifest.json}
      current -> builds/<build_id>        (a symlink, replaced atomically)
      models/                             (the rebuilt embedding model)

A write (add or remove documents) copies the live build into a private temporary directory, changes
the copy, stamps its manifest, renames it into place and then swaps `current`. Readers keep the build
they opened; a crash at any point leaves `current` at the previous, complete build. One writer at a
time (an advisory file lock).
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from rag import __version__
from rag.checksums import file_sha256
from rag.embedders import Embedder
from rag.indexing.store import DocumentInfo, Store, embed_text, text_hash
from rag.indexing.vectors import VectorIndex, VectorInfo, VectorPolicy, build, info_dict
from rag.ingest.chunking import ChunkerConfig, chunk_article
from rag.ingest.layout import split_articles
from rag.ingest.loading import Source

STORE_FILE, VECTORS_FILE, MANIFEST_FILE = "store.sqlite3", "vectors.faiss", "manifest.json"
KEEP_BUILDS = 3


class IndexStateError(RuntimeError):
    """A problem with the index on disk (missing, built with another model, locked)."""


class NoIndex(IndexStateError):
    pass


@dataclass(frozen=True)
class AddResult:
    doc_id: str
    status: str  # "added", "replaced" or "unchanged"
    articles: int
    chunks: int


@dataclass
class Snapshot:
    """A loaded, read-only build: what searches run against."""

    path: Path
    manifest: dict
    store: Store
    vectors: VectorIndex

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    def close(self) -> None:
        self.store.close()


def _versions() -> dict:
    import faiss
    import jieba

    out = {"rag": __version__, "python": platform.python_version(), "faiss": faiss.__version__,
           "jieba": jieba.__version__, "sqlite": sqlite3.sqlite_version}
    try:
        import sentence_transformers
        import torch

        out.update(sentence_transformers=sentence_transformers.__version__, torch=torch.__version__)
    except ImportError:  # pragma: no cover
        pass
    return out


class Index:
    def __init__(self, root: Path, embedder: Embedder, chunker: ChunkerConfig = ChunkerConfig(),
                 policy: VectorPolicy = VectorPolicy()):
        self.root = Path(root)
        self.embedder = embedder
        self.chunker = chunker
        self.policy = policy

    # -- reading ----------------------------------------------------------------------------------
    @property
    def current(self) -> Path:
        return self.root / "current"

    def exists(self) -> bool:
        return (self.current / MANIFEST_FILE).exists()

    def open(self) -> Snapshot:
        if not self.exists():
            raise NoIndex(f"no index at {self.root}; build one with `rag index PATH`")
        path = self.current.resolve()
        manifest = json.loads((path / MANIFEST_FILE).read_text())
        self._check_model(manifest)
        store = Store(path / STORE_FILE, readonly=True)
        vectors = VectorIndex.load(path / VECTORS_FILE, VectorInfo(**manifest["vector_index"]))
        return Snapshot(path=path, manifest=manifest, store=store, vectors=vectors)

    def _check_model(self, manifest: dict) -> None:
        built = manifest["model"]["name"]
        if built != self.embedder.name:
            raise IndexStateError(f"the index at {self.root} was built with model '{built}' but the configured "
                              f"model is '{self.embedder.name}'; rebuild it with `rag index --rebuild PATH`")

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
    def _write(self, fresh: bool = False) -> Iterator[tuple[Store, list[VectorIndex]]]:
        builds = self.root / "builds"
        with self._lock():
            builds.mkdir(parents=True, exist_ok=True)
            for stale in builds.glob(".tmp-*"):  # left by a run that was killed
                shutil.rmtree(stale, ignore_errors=True)
            build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
            tmp = builds / f".tmp-{build_id}"
            tmp.mkdir()
            parent = None
            try:
                if self.exists() and not fresh:
                    old = self.current.resolve()
                    parent = json.loads((old / MANIFEST_FILE).read_text())
                    self._check_model(parent)
                    src = sqlite3.connect(old / STORE_FILE)
                    dst = sqlite3.connect(tmp / STORE_FILE)
                    src.backup(dst)
                    src.close()
                    dst.close()
                    vectors = VectorIndex.load(old / VECTORS_FILE, VectorInfo(**parent["vector_index"]))
                else:
                    vectors = VectorIndex(self.embedder.dim)
                store = Store(tmp / STORE_FILE)
                holder = [vectors]
                yield store, holder
                vectors = self._maybe_rebuild(store, holder[0])
                vectors.save(tmp / VECTORS_FILE)
                store.db.execute("VACUUM")
                counts = store.counts()
                store.close()
                self._stamp(tmp, build_id, parent, vectors, counts)
                final = builds / build_id
                os.rename(tmp, final)
                link = self.root / f".current-{build_id}"
                os.symlink(Path("builds") / build_id, link)
                os.replace(link, self.current)  # the atomic swap
                self._prune(builds, keep=final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def _maybe_rebuild(self, store: Store, vectors: VectorIndex) -> VectorIndex:
        """Switch between exact and IVF when the collection crosses the policy's threshold."""
        n = vectors.size
        wants_ivf = n >= self.policy.ivf_threshold
        is_ivf = vectors.info.kind == "ivf"
        outgrown = is_ivf and n > 4 * (vectors.info.nlist / 4) ** 2  # 4x the size its lists were made for
        rejected = vectors.info.ivf_rejected_at
        retry = not rejected or n >= 2 * rejected  # IVF missed its recall target: try again at twice the size
        if (wants_ivf == is_ivf or (wants_ivf and not retry)) and not outgrown:
            return vectors
        ids, vecs = store.all_vectors(self.embedder.name)
        if vecs is None:
            return VectorIndex(self.embedder.dim)
        return build(ids, vecs, self.embedder.dim, self.policy)

    def _stamp(self, path: Path, build_id: str, parent: dict | None, vectors: VectorIndex, counts: dict) -> None:
        manifest = {
            "build_id": build_id,
            "parent": parent["build_id"] if parent else None,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": {"name": self.embedder.name, "dim": self.embedder.dim,
                      "query_prefix": getattr(self.embedder, "query_prefix", ""),
                      "passage_prefix": getattr(self.embedder, "passage_prefix", "")},
            "chunker": self.chunker.as_dict(),
            "analyzers": ["bigram", "jieba"],
            "vector_index": info_dict(vectors.info),
            "counts": {**counts, "vectors": vectors.size},
            "versions": _versions(),
            "checksums": {name: file_sha256(path / name) for name in (STORE_FILE, VECTORS_FILE)},
        }
        tmp = path / (MANIFEST_FILE + ".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path / MANIFEST_FILE)

    def _prune(self, builds: Path, keep: Path) -> None:
        done = sorted((p for p in builds.iterdir() if not p.name.startswith(".") and p != keep),
                      key=lambda p: p.name, reverse=True)
        for old in done[KEEP_BUILDS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)

    # -- the operations -----------------------------------------------------------------------------
    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False) -> list[AddResult]:
        """Index sources; a source whose doc id is already indexed with other content replaces it."""
        results: list[AddResult] = []
        with self._write(fresh=rebuild) as (store, holder):
            for source in sources:
                known = store.document(source.doc_id)
                if known is not None and known.sha256 == source.sha256:
                    results.append(AddResult(source.doc_id, "unchanged", known.articles, known.chunks))
                    if progress:
                        progress(1)
                    continue
                articles = split_articles(source.doc_id, source.text)
                chunks = [c for a in articles for c in chunk_article(a, self.chunker)]
                vectors = self._embed(store, [embed_text(c) for c in chunks])
                with store.transaction():
                    if known is not None:
                        holder[0].remove(store.remove_document(source.doc_id))
                    ids = store.add_document(source, articles, chunks)
                    holder[0].add(np.asarray(ids, dtype=np.int64), vectors)
                results.append(AddResult(source.doc_id, "replaced" if known else "added", len(articles), len(chunks)))
                if progress:
                    progress(1)
            store.prune_embeddings()
        return results

    def _embed(self, store: Store, texts: list[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        cached = store.cached_vectors(self.embedder.name, hashes)
        todo = [i for i, h in enumerate(hashes) if h not in cached]
        if todo:
            fresh = self.embedder.embed_passages([texts[i] for i in todo])
            new = {hashes[i]: fresh[j] for j, i in enumerate(todo)}
            store.put_vectors(self.embedder.name, new)
            cached.update(new)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([cached[h] for h in hashes])

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]:
        """Remove documents; every id must be indexed (nothing changes otherwise)."""
        with self._write() as (store, holder):
            docs = [store.document(d) for d in doc_ids]
            missing = [d for d, info in zip(doc_ids, docs) if info is None]
            if missing:
                raise KeyError(f"no such document: {', '.join(missing)}")
            with store.transaction():
                for doc_id in doc_ids:
                    holder[0].remove(store.remove_document(doc_id))
            store.prune_embeddings()
        return [d for d in docs if d is not None]
