"""The Milvus backend: chunks, vectors and documents in two Milvus collections, through pymilvus's MilvusClient.

    <name>_chunks     one row per chunk: dense vector (HNSW, COSINE), the title+text through Milvus's BM25 function
                      on a jieba analyzer (a sparse vector), the citation fields and the scalar fields filters use
    <name>_documents  one row per piece of a document's source text (part 0 also holds the document's info and
                      articles as JSON), plus one meta row (part -1): model, chunker, the write token

Nothing lives on the service's disk, so any number of API processes can serve one Milvus. Every read asks for
`Strong` consistency (a cluster defaults to `Bounded`): a replica sees another's upload or delete at once. The
same code runs on Milvus Lite (a local directory as the URI; tests and small setups) and on a Milvus standalone
or cluster (`http://host:19530`). What Lite does differently and this code absorbs: BM25 distances come back
negated (scores are reported as their absolute value), hit ids are read through `hit.id`, no `filter_params`
templating (filters are written out, string literals escaped as JSON), and one process per data directory.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from rag.config import Settings
from rag.embedders import Embedder
from rag.indexing.index import AddResult, CollectionError, IndexStateError, NoIndex, check_collections
from rag.indexing.store import CollectionInfo, DocumentInfo, Store, embed_text
from rag.ingest.chunking import ChunkerConfig, chunk_article
from rag.ingest.layout import split_articles
from rag.ingest.loading import Source
from rag.search.filters import DEFAULT_COLLECTION, Filters, check_collection
from rag.search.retrieval import SearchConfig, SearchResult, _collapse
from rag.types import Article, Chunk, DocumentMeta, Hit

# Milvus's own "chinese" analyzer, spelled out: `{"type": "chinese"}` is refused by Milvus Lite.
ANALYZER = {"tokenizer": "jieba", "filter": ["cnalphanumonly"]}
HNSW = {"M": 16, "efConstruction": 200}
PIECE = 16_000  # characters of source text per documents row (a VARCHAR holds at most 65,535 bytes)
META_KEY = "\x00meta"
CHUNK_FIELDS = ["chunk_id", "doc_id", "article_id", "title", "text", "start", "end", "ordinal"]
STRONG = "Strong"


class _NoMvccWarning(logging.Filter):
    """Milvus Lite cannot hand an iterator its timestamp; pymilvus warns on every query_iterator about it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoMvccWarning())


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _list(values: Iterable) -> str:
    return "[" + ", ".join(_literal(v) if isinstance(v, str) else str(int(v)) for v in values) + "]"


def _yyyymmdd(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def milvus_filter(filters: Filters) -> str:
    """The boolean expression of a Filters over the chunk rows' scalar fields."""
    parts = [f"collection in {_list(filters.collections)}"]
    if filters.doc_ids is not None:
        parts.append(f"doc_id in {_list(filters.doc_ids)}")
    if filters.date_from:
        parts.append(f"date >= {_yyyymmdd(filters.date_from)}")
    if filters.date_to:
        parts.append(f"date <= {_yyyymmdd(filters.date_to)}")
    if filters.date_from or filters.date_to:
        parts.append("date > 0")  # an unknown date (0) matches no date range
    if filters.papers:
        parts.append(f"paper in {_list(filters.papers)}")
    if filters.pages:
        parts.append(f"page in {_list(filters.pages)}")
    if filters.sections:
        parts.append(f"section in {_list(filters.sections)}")
    if filters.authors:
        # Authors are stored as "|a|b|": one VARCHAR that a LIKE can test for any one name.
        parts.append("(" + " or ".join(f"author like {_literal('%|' + a + '|%')}" for a in filters.authors) + ")")
    return " and ".join(parts)


def _pk(chunk_id: str) -> int:
    """Chunk ids are 64-bit hashes (hex); Milvus's INT64 key takes their top 63 bits."""
    return int(chunk_id, 16) >> 1


def _chunk(entity: dict) -> Chunk:
    return Chunk(**{f: entity[f] for f in CHUNK_FIELDS})


class MilvusStore:
    """The DocumentStore of a Milvus backend: reads documents, articles, source text and chunks from Milvus."""

    def __init__(self, client, chunks: str, documents: str):
        self.client = client
        self.chunks_name = chunks
        self.documents_name = documents

    def _query(self, collection: str, expr: str, fields: list[str]) -> Iterator[dict]:
        it = self.client.query_iterator(collection, batch_size=1000, filter=expr, output_fields=fields,
                                        consistency_level=STRONG)
        try:
            while batch := it.next():
                yield from batch
        finally:
            it.close()

    def _info(self, doc_id: str) -> dict | None:
        rows = self.client.get(self.documents_name, ids=[f"{doc_id}#0"], output_fields=["info"],
                               consistency_level=STRONG)
        return rows[0]["info"] if rows else None

    def documents(self, collections: Sequence[str] | None = None) -> list[DocumentInfo]:
        infos = [r["info"] for r in self._query(self.documents_name, "part == 0", ["info"])]
        docs = (_document_info(i) for i in infos)
        return sorted((d for d in docs if collections is None or d.collection in collections), key=lambda d: d.doc_id)

    def document(self, doc_id: str) -> DocumentInfo | None:
        info = self._info(doc_id)
        return _document_info(info) if info else None

    def named_collections(self) -> dict[str, dict]:
        """name -> {description, created_at}, kept in the index's meta row (the default one always there)."""
        rows = self.client.get(self.documents_name, ids=[META_KEY], output_fields=["info"], consistency_level=STRONG)
        named = (rows[0]["info"].get("collections") if rows else None) or {}
        return {DEFAULT_COLLECTION: {"description": "", "created_at": ""}, **named}

    def collections(self) -> list[CollectionInfo]:
        docs = self.documents()
        return [CollectionInfo(name, c["description"], c["created_at"], sum(d.collection == name for d in docs),
                               sum(d.chunks for d in docs if d.collection == name))
                for name, c in sorted(self.named_collections().items())]

    def collection(self, name: str) -> CollectionInfo | None:
        return next((c for c in self.collections() if c.name == name), None)

    def collection_names(self) -> list[str]:
        return sorted(self.named_collections())

    def articles(self, doc_id: str) -> list[dict]:
        info = self._info(doc_id)
        return info["articles"] if info else []

    def meta(self, doc_id: str) -> DocumentMeta | None:
        info = self._info(doc_id)
        return _document_info(info).meta if info else None

    def source_text(self, doc_id: str) -> str | None:
        rows = list(self._query(self.documents_name, f"doc_id == {_literal(doc_id)} and part >= 0", ["part", "text"]))
        return "".join(r["text"] for r in sorted(rows, key=lambda r: r["part"])) if rows else None

    def chunks_by_id(self, ids: Iterable[int]) -> dict[int, Chunk]:
        ids = [int(i) for i in ids]
        out: dict[int, Chunk] = {}
        for i in range(0, len(ids), 1000):
            rows = self.client.get(self.chunks_name, ids=ids[i: i + 1000], output_fields=CHUNK_FIELDS,
                                   consistency_level=STRONG)
            out.update({r["pk"]: _chunk(r) for r in rows})
        return out

    def chunk_rows(self, doc_ids: Sequence[str] | None = None) -> list[int]:
        expr = "pk >= 0 or pk < 0" if doc_ids is None else f"doc_id in {_list(doc_ids)}"
        return [r["pk"] for r in self._query(self.chunks_name, expr, ["pk"])]

    def counts(self) -> dict[str, int]:
        docs = self.documents()
        chunks = self.client.query(self.chunks_name, filter="", output_fields=["count(*)"],
                                   consistency_level=STRONG)[0]["count(*)"]
        return {"documents": len(docs), "articles": sum(d.articles for d in docs), "chunks": chunks}


def _document_info(info: dict) -> DocumentInfo:
    """A document's info as stored in its first row: the DocumentInfo fields, its collection and metadata."""
    fields = {k: v for k, v in info["document"].items() if k not in ("collection", "meta")}
    m = info.get("meta") or {}
    return DocumentInfo(**fields, collection=info.get("collection", DEFAULT_COLLECTION),
                        meta=DocumentMeta(**{**m, "authors": tuple(m.get("authors", ()))}))


def _scalars(meta: DocumentMeta, collection: str) -> dict:
    """The filterable fields every chunk row of a document carries."""
    return {"collection": collection, "paper": meta.paper or "", "section": meta.section or "",
            "date": int(meta.date.replace("-", "")) if meta.date else 0, "page": meta.page or 0,
            "author": "|" + "|".join(meta.authors) + "|" if meta.authors else ""}


@dataclass
class MilvusView:
    store: MilvusStore
    manifest: dict

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]


class MilvusBackend:
    name = "milvus"

    def __init__(self, uri: str, embedder: Embedder, collection: str = "rag", token: str | None = None,
                 chunker: ChunkerConfig = ChunkerConfig()):
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        if not uri.startswith(("http://", "https://", "tcp://")):
            Path(uri).parent.mkdir(parents=True, exist_ok=True)  # Milvus Lite: a directory under an existing one
        try:
            self.client = MilvusClient(uri, token=token or "")
        except MilvusException as exc:
            raise IndexStateError(f"cannot reach Milvus at {uri}: {exc.message}") from None
        self.uri = uri
        self.embedder = embedder
        self.chunker = chunker
        self.chunks_name, self.documents_name = f"{collection}_chunks", f"{collection}_documents"
        self.store = MilvusStore(self.client, self.chunks_name, self.documents_name)
        self._view: MilvusView | None = None
        self._writer = threading.Lock()
        self._loaded = False

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> MilvusBackend:
        return cls(settings.milvus_uri, embedder, settings.milvus_collection, settings.milvus_token,
                   ChunkerConfig(size=settings.chunk_size, overlap=min(settings.chunk_overlap, settings.chunk_size - 1)))

    # -- schema -----------------------------------------------------------------------------------
    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        s = c.create_schema(auto_id=False)
        s.add_field("pk", DataType.INT64, is_primary=True)
        s.add_field("chunk_id", DataType.VARCHAR, max_length=64)
        s.add_field("doc_id", DataType.VARCHAR, max_length=512)
        s.add_field("article_id", DataType.VARCHAR, max_length=600)
        s.add_field("title", DataType.VARCHAR, max_length=4096)
        s.add_field("text", DataType.VARCHAR, max_length=65535)
        s.add_field("lexical", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params=ANALYZER)
        for name in ("start", "end", "ordinal", "date", "page"):
            s.add_field(name, DataType.INT64)
        s.add_field("collection", DataType.VARCHAR, max_length=64)
        for name in ("paper", "section"):
            s.add_field(name, DataType.VARCHAR, max_length=256)
        s.add_field("author", DataType.VARCHAR, max_length=2048)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=self.embedder.dim)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["lexical"],
                                output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        ip.add_index("vector", index_type="HNSW", metric_type="COSINE", params=HNSW)
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        c.create_collection(self.chunks_name, schema=s, index_params=ip, consistency_level=STRONG)

        d = c.create_schema(auto_id=False)
        d.add_field("key", DataType.VARCHAR, max_length=600, is_primary=True)
        d.add_field("doc_id", DataType.VARCHAR, max_length=512)
        d.add_field("part", DataType.INT64)
        d.add_field("info", DataType.JSON)
        d.add_field("text", DataType.VARCHAR, max_length=65535)
        d.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        ip = c.prepare_index_params()
        ip.add_index("unused", index_type="FLAT", metric_type="L2")
        c.create_collection(self.documents_name, schema=d, index_params=ip, consistency_level=STRONG)
        c.insert(self.documents_name, [self._meta_row({"model": self.embedder.name, "dim": self.embedder.dim,
                                                       "chunker": self.chunker.as_dict(), "created_at": _now()})])

    def _meta_row(self, meta: dict) -> dict:
        return {"key": META_KEY, "doc_id": "", "part": -1, "text": "",
                "info": {**meta, "token": uuid.uuid4().hex, "updated_at": _now()}, "unused": [0.0, 0.0]}

    def _meta(self) -> dict | None:
        if not self.client.has_collection(self.documents_name):
            return None
        if not self._loaded:
            # Collections come back released when Milvus Lite reopens its data directory (and after a release
            # on a server): load them once; loading a loaded collection does nothing.
            for name in (self.chunks_name, self.documents_name):
                self.client.load_collection(name)
            self._loaded = True
        rows = self.client.get(self.documents_name, ids=[META_KEY], output_fields=["info"], consistency_level=STRONG)
        return rows[0]["info"] if rows else None

    def _check_model(self, meta: dict) -> None:
        if meta["model"] != self.embedder.name:
            raise IndexStateError(f"the Milvus collection '{self.chunks_name}' at {self.uri} was built with model "
                                  f"'{meta['model']}' but the configured model is '{self.embedder.name}'; "
                                  "rebuild it with `rag index --rebuild PATH`")

    # -- reading ----------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self._meta() is not None

    def snapshot(self) -> MilvusView:
        """The current view; rebuilt (counts, manifest) only when a write by any replica changed the token."""
        meta = self._meta()
        if meta is None:
            raise NoIndex(f"no index in Milvus collection '{self.chunks_name}' at {self.uri}; "
                          "build one with `rag index PATH`")
        self._check_model(meta)
        view = self._view
        if view is None or view.manifest["token"] != meta["token"]:
            counts = self.store.counts()
            view = MilvusView(self.store, {
                "build_id": f"m-{meta['token'][:12]}", "token": meta["token"], "backend": "milvus",
                "milvus": {"uri": self.uri, "chunks": self.chunks_name, "documents": self.documents_name},
                "created_at": meta["created_at"], "updated_at": meta["updated_at"],
                "model": {"name": self.embedder.name, "dim": self.embedder.dim,
                          "query_prefix": getattr(self.embedder, "query_prefix", ""),
                          "passage_prefix": getattr(self.embedder, "passage_prefix", "")},
                "chunker": meta["chunker"], "analyzers": ["milvus-bm25-jieba"],
                "vector_index": {"kind": "milvus-hnsw", "metric": "COSINE", **HNSW},
                "counts": {**counts, "vectors": counts["chunks"]}})
            self._view = view
        return view

    def search(self, query: str, k: int, filters: Filters | None, config: SearchConfig) -> SearchResult:
        from pymilvus import AnnSearchRequest, RRFRanker

        if not query or not query.strip():
            raise ValueError("the query is empty")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.snapshot()  # a clear error without an index or with another model
        expr = milvus_filter(filters or Filters())
        pool = max(config.candidates, k * 2)
        timings: dict[str, float] = {}
        dense_params = {"metric_type": "COSINE", "params": {"ef": max(64, pool)}}
        qvec = None
        if config.mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = self.embedder.embed_query(query).astype(np.float32).tolist()
            timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        if config.mode == "hybrid":
            # RRF, not WeightedRanker: its score normalisation assumes positive BM25, and Lite returns it negated.
            legs = [AnnSearchRequest([qvec], "vector", dense_params, pool, expr=expr),
                    AnnSearchRequest([query], "sparse", {"metric_type": "BM25"}, pool, expr=expr)]
            found = self.client.hybrid_search(self.chunks_name, legs, RRFRanker(config.rrf_k), limit=pool,
                                              output_fields=CHUNK_FIELDS, consistency_level=STRONG)[0]
            hits = [Hit(_chunk(h["entity"]), float(h["distance"]), None, None) for h in found]
            timings["hybrid"] = (time.perf_counter() - t) * 1000
        else:
            dense = config.mode == "dense"
            found = self.client.search(self.chunks_name, data=[qvec if dense else query],
                                       anns_field="vector" if dense else "sparse",
                                       search_params=dense_params if dense else {"metric_type": "BM25"},
                                       limit=pool, filter=expr, output_fields=CHUNK_FIELDS,
                                       consistency_level=STRONG)[0]
            # BM25 is never negative: Lite's negated distances become the real score again.
            scores = [float(h["distance"]) if dense else abs(float(h["distance"])) for h in found]
            hits = [Hit(_chunk(h["entity"]), s, s if dense else None, None if dense else s)
                    for h, s in zip(found, scores)]
            timings[config.mode] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        hits = _collapse(hits, config.dedupe_threshold, k)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        timings["total"] = sum(timings.values())
        return SearchResult(hits=hits, timings_ms={k_: round(v, 2) for k_, v in timings.items()})

    # -- writing ----------------------------------------------------------------------------------
    def _ready(self, rebuild: bool) -> None:
        if rebuild:
            for name in (self.chunks_name, self.documents_name):
                self.client.drop_collection(name)
            self._loaded = False
        meta = self._meta()
        if meta is None:
            self._create()
        else:
            self._check_model(meta)

    def _touch(self, collections: dict[str, dict] | None = None) -> None:
        """A new write token: every replica's next snapshot sees that the index changed."""
        meta = self._meta()
        kept = {k: meta[k] for k in ("model", "dim", "chunker", "created_at", "collections") if k in meta}
        if collections is not None:
            kept["collections"] = collections
        self.client.upsert(self.documents_name, [self._meta_row(kept)])

    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False) -> list[AddResult]:
        results: list[AddResult] = []
        with self._writer:
            self._ready(rebuild)
            check_collections(self.store, sources)
            for source in sources:
                known = self.store.document(source.doc_id)
                if known is not None and known.sha256 == source.sha256:
                    status = "unchanged"
                    if known.meta != source.meta:  # the same page with corrected metadata: no re-embedding
                        self._set_meta(known, source.meta)
                        status = "updated"
                    results.append(AddResult(source.doc_id, status, known.articles, known.chunks))
                else:
                    articles = split_articles(source.doc_id, source.text)
                    chunks = [c for a in articles for c in chunk_article(a, self.chunker)]
                    vectors = self.embedder.embed_passages([embed_text(c) for c in chunks])
                    markdown = source.kind == "text" and source.doc_id.lower().endswith(".md")
                    info = DocumentInfo(source.doc_id, source.path, source.sha256, len(source.text), len(articles),
                                        len(chunks), _now(), "markdown" if markdown else source.kind, source.encoding)
                    self.put_document(info, source.text, [_article_row(a) for a in articles], chunks, vectors,
                                      source.meta, source.collection)
                    results.append(AddResult(source.doc_id, "replaced" if known else "added", len(articles),
                                             len(chunks)))
                if progress:
                    progress(1)
            self._touch()
        return results

    def put_document(self, info: DocumentInfo, text: str, articles: list[dict], chunks: list[Chunk],
                     vectors: np.ndarray, meta: DocumentMeta = DocumentMeta(),
                     collection: str = DEFAULT_COLLECTION) -> None:
        """Write one document (replacing one of the same id): the new rows first, then the old rows not among
        them, so that a reader never finds the document missing while it is replaced."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{info.doc_id}: {len(chunks)} chunks but {len(vectors)} vectors")
        scalars = _scalars(meta, collection)
        rows = [{"pk": _pk(c.chunk_id), **{f: getattr(c, f) for f in CHUNK_FIELDS},
                 "lexical": f"{c.title}\n{c.text}", "vector": v.astype(np.float32).tolist(), **scalars}
                for c, v in zip(chunks, vectors)]
        for i in range(0, len(rows), 500):
            self.client.upsert(self.chunks_name, rows[i: i + 500])
        pieces = [text[i: i + PIECE] for i in range(0, len(text), PIECE)] or [""]
        docs = [{"key": f"{info.doc_id}#{n}", "doc_id": info.doc_id, "part": n, "text": piece,
                 "info": {"document": asdict(info), "articles": articles,
                          "meta": {**asdict(meta), "authors": list(meta.authors)}, "collection": collection}
                 if n == 0 else {}, "unused": [0.0, 0.0]} for n, piece in enumerate(pieces)]
        self.client.upsert(self.documents_name, docs)
        doc = _literal(info.doc_id)
        if rows:
            self.client.delete(self.chunks_name, filter=f"doc_id == {doc} and pk not in {_list(r['pk'] for r in rows)}")
        else:
            self.client.delete(self.chunks_name, filter=f"doc_id == {doc}")
        self.client.delete(self.documents_name, filter=f"doc_id == {doc} and part >= {len(pieces)}")

    def _set_meta(self, doc: DocumentInfo, meta: DocumentMeta) -> None:
        """New metadata on a document's rows: its chunks' filterable fields and its info (no re-embedding)."""
        doc_expr = f"doc_id == {_literal(doc.doc_id)}"
        rows = list(self.store._query(self.chunks_name, doc_expr, ["pk", *CHUNK_FIELDS, "lexical", "vector"]))
        scalars = _scalars(meta, doc.collection)
        for i in range(0, len(rows), 500):
            self.client.upsert(self.chunks_name, [{**r, **scalars} for r in rows[i: i + 500]])
        (first,) = self.client.get(self.documents_name, ids=[f"{doc.doc_id}#0"], output_fields=["*"],
                                   consistency_level=STRONG)
        first["info"] = {**first["info"], "meta": {**asdict(meta), "authors": list(meta.authors)}}
        self.client.upsert(self.documents_name, [first])

    def set_meta(self, doc_id: str, meta: DocumentMeta) -> DocumentInfo:
        with self._writer:
            doc = self.store.document(doc_id)
            if doc is None:
                raise KeyError(f"no such document: {doc_id}")
            self._set_meta(doc, meta)
            self._touch()
        return self.store.document(doc_id)

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        check_collection(name)
        with self._writer:
            self._ready(rebuild=False)
            named = self.store.named_collections()
            if name in named:
                raise CollectionError(f"collection '{name}' already exists")
            named[name] = {"description": description, "created_at": _now()}
            self._touch(collections={n: c for n, c in named.items() if n != DEFAULT_COLLECTION})
        return self.store.collection(name)

    def delete_collection(self, name: str) -> CollectionInfo:
        if name == DEFAULT_COLLECTION:
            raise CollectionError("the default collection cannot be deleted; delete its documents instead")
        with self._writer:
            self.snapshot()
            info = self.store.collection(name)
            if info is None:
                raise KeyError(f"no such collection: {name}")
            doc_ids = [d.doc_id for d in self.store.documents([name])]
            if doc_ids:
                self.client.delete(self.chunks_name, filter=f"doc_id in {_list(doc_ids)}")
                self.client.delete(self.documents_name, filter=f"doc_id in {_list(doc_ids)} and part >= 0")
            named = self.store.named_collections()
            self._touch(collections={n: c for n, c in named.items() if n not in (DEFAULT_COLLECTION, name)})
        return info

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]:
        """Remove documents; every id must be indexed (nothing changes otherwise)."""
        with self._writer:
            self.snapshot()
            docs = [self.store.document(d) for d in doc_ids]
            missing = [d for d, info in zip(doc_ids, docs) if info is None]
            if missing:
                raise KeyError(f"no such document: {', '.join(missing)}")
            expr = f"doc_id in {_list(doc_ids)}"
            self.client.delete(self.chunks_name, filter=expr)
            self.client.delete(self.documents_name, filter=f"{expr} and part >= 0")
            self._touch()
        return [d for d in docs if d is not None]

    def migrate_from(self, store: Store, progress: Callable[[int], None] | None = None) -> list[AddResult]:
        """Copy an embedded index's store (documents, articles, source text, chunks and their cached vectors)
        into this collection, embedding nothing. Documents already here with the same content are skipped."""
        model = store.get_meta("model")
        if model != self.embedder.name:
            raise IndexStateError(f"the embedded index was built with model '{model}' but the configured model is "
                                  f"'{self.embedder.name}'; set RAG_MODEL to the index's model")
        results = []
        with self._writer:
            self._ready(rebuild=False)
            named = self.store.named_collections()
            for c in store.collections():
                named.setdefault(c.name, {"description": c.description, "created_at": c.created_at})
            self._touch(collections={n: c for n, c in named.items() if n != DEFAULT_COLLECTION})
            for info in store.documents():
                known = self.store.document(info.doc_id)
                if known is not None and known.sha256 == info.sha256:
                    results.append(AddResult(info.doc_id, "unchanged", known.articles, known.chunks))
                else:
                    ids = sorted(store.chunk_rows([info.doc_id]))
                    chunks = store.chunks_by_id(ids)
                    vectors = store.vectors_of(model, ids)
                    self.put_document(info, store.source_text(info.doc_id) or "", store.articles(info.doc_id),
                                      [chunks[i] for i in ids], vectors, info.meta, info.collection)
                    results.append(AddResult(info.doc_id, "replaced" if known else "added", info.articles,
                                             info.chunks))
                if progress:
                    progress(1)
            self._touch()
        return results

    def wait(self) -> None:
        """Nothing runs in the background here: Milvus builds and compacts its segments itself."""

    def close(self) -> None:
        self.client.close()


def _article_row(a: Article) -> dict:
    return {"article_id": a.article_id, "ordinal": a.ordinal, "title": a.title, "title_source": a.title_source,
            "start": a.start, "end": a.end}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
