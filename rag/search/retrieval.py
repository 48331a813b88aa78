"""Hybrid retrieval: dense (FAISS) and lexical (BM25 over FTS5 and tantivy) legs, plus a sentence leg that rescores their
candidates by their best sentence, fused by a weighted blend of normalised scores (or reciprocal rank)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from rag.embedders import Embedder
from rag.indexing.index import Snapshot
from rag.indexing.store import Store, sentence_key
from rag.indexing.vectors import Allowed
from rag.search.filters import Filters
from rag.text import analyzers
from rag.text.analyzers import ANALYZERS, squashed_bigrams
from rag.types import Chunk, Hit

MODES = ("hybrid", "dense", "lexical")
FUSIONS = ("rrf", "blend")


@dataclass(frozen=True)
class SearchConfig:
    mode: str = "hybrid"
    # Defaults measured on eval/seeds (see README): a blend of min-max normalised scores from both
    # lexical analyzers and the dense leg at half weight beats every single leg and RRF.
    analyzer: str = "bigram+jieba"
    fusion: str = "blend"  # a blend of min-max normalised leg scores, or reciprocal rank fusion ("rrf")
    candidates: int = 50  # per leg, before fusion
    rrf_k: int = 60
    dense_weight: float = 0.5
    lexical_weight: float = 1.0
    # The candidates' best sentence against the question (hybrid mode): lifts questions that share few words
    # with their passage, low-overlap hit@1 0.636 -> 0.788, seeds unchanged (eval/bench_levers.py, README).
    sentence_weight: float = 0.5
    dedupe_threshold: float = 0.85  # bigram Jaccard at which two hits count as the same passage

    @property
    def analyzers(self) -> list[str]:
        return self.analyzer.split("+")

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown search mode '{self.mode}'; choose one of {', '.join(MODES)}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion '{self.fusion}'; choose one of {', '.join(FUSIONS)}")
        if any(a not in ANALYZERS for a in self.analyzers):
            raise ValueError(f"unknown analyzer '{self.analyzer}'; choose from {', '.join(ANALYZERS)} "
                             "(or several joined with '+')")
        if self.candidates < 1 or self.rrf_k < 1:
            raise ValueError("candidates and rrf_k must be at least 1")
        if self.dense_weight < 0 or self.lexical_weight < 0 or self.sentence_weight < 0:
            raise ValueError("leg weights cannot be negative")


@dataclass
class SearchResult:
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)


def _collapse(hits: list[Hit], threshold: float, limit: int) -> list[Hit]:
    """Fold near-identical passages (a section printed twice, a page indexed under two names) together, until
    `limit` distinct ones are kept (the rest would be cut anyway: signing them was most of the fuse step)."""
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        if len(kept) == limit:
            break
        grams = set(squashed_bigrams(hit.chunk.text))
        for i, (other, other_grams) in enumerate(kept):
            small, large = sorted((len(grams), len(other_grams)))
            # Jaccard is at most small/large: most pairs are ruled out by their sizes, without a set operation.
            if not large or small < threshold * large:
                continue
            common = len(grams & other_grams)
            if common / (small + large - common) >= threshold:
                kept[i] = (Hit(other.chunk, other.score, other.dense, other.lexical,
                               other.duplicates + (hit.chunk.chunk_id,)), other_grams)
                break
        else:
            kept.append((hit, grams))
    return [h for h, _ in kept]


def _sentence_leg(store: Store, model: str, qvec: np.ndarray, rows: set[int], k: int) -> list[tuple[int, float]]:
    """The candidates ranked by their best sentence's cosine to the question. Empty when some candidate has no
    sentence vectors (an index written before they were kept): a partial leg would favour the newer chunks."""
    if not rows:
        return []
    vectors = store.vectors_by_row(sentence_key(model), rows)
    if len(vectors) < len(rows):
        return []
    keys = list(vectors)
    scores = np.concatenate([vectors[r] for r in keys]).reshape(-1, len(qvec)) @ qvec  # one product for all
    ends = np.cumsum([len(vectors[r]) // len(qvec) for r in keys])
    best = np.maximum.reduceat(scores, np.concatenate(([0], ends[:-1])))
    return sorted(zip(keys, best.tolist()), key=lambda p: p[1], reverse=True)[:k]


def _fuse(cfg: SearchConfig, dense: list[tuple[int, float]], lexical: list[list[tuple[int, float]]],
          sentence: list[tuple[int, float]] = ()) -> dict[int, float]:
    fused: dict[int, float] = {}
    legs = ([(cfg.dense_weight, dense), (cfg.sentence_weight, sentence)]
            + [(cfg.lexical_weight / len(lexical), leg) for leg in lexical])
    for weight, leg in legs:
        if not leg:
            continue
        if cfg.fusion == "rrf":
            for rank, (rowid, _) in enumerate(leg):
                fused[rowid] = fused.get(rowid, 0.0) + weight / (cfg.rrf_k + rank + 1)
        else:
            hi, lo = leg[0][1], leg[-1][1]
            for rowid, score in leg:
                norm = (score - lo) / (hi - lo) if hi > lo else 1.0
                fused[rowid] = fused.get(rowid, 0.0) + weight * norm
    return fused


# The lexical legs run on a worker thread while the caller's thread embeds the query and searches the dense leg:
# ONNX Runtime, FAISS and tantivy all release the GIL, so on two cores the legs overlap instead of adding up.
_LEXICAL_LEGS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lexical-leg")


class Retriever:
    def __init__(self, snapshot: Snapshot, embedder: Embedder, config: SearchConfig = SearchConfig()):
        self.snapshot = snapshot
        self.embedder = embedder
        self.config = config

    def search(self, query: str, k: int = 10, filters: Filters | None = None,
               config: SearchConfig | None = None) -> SearchResult:
        """The k best passages for the query among those the filters admit (default: the default collection)."""
        cfg = config or self.config
        if not query or not query.strip():
            raise ValueError("the query is empty")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        timings: dict[str, float] = {}
        start = time.perf_counter()
        store, vectors = self.snapshot.store, self.snapshot.vectors
        filters = filters or Filters()
        # Pre-filtering: each leg searches only the admitted rows, so a narrow filter still gets its k best.
        allowed = self.snapshot.allowed_rows(filters)
        if allowed is not None and not len(allowed):
            return SearchResult(hits=[], timings_ms={"total": 0.0})
        pool = max(cfg.candidates, k * 2)
        dense: list[tuple[int, float]] = []
        lexical: list[list[tuple[int, float]]] = []
        # alone, the lexical legs run here: a hop to the worker thread would only add its latency
        legs = _LEXICAL_LEGS.submit(self._lexical, query, cfg, pool, filters, allowed) \
            if cfg.mode == "hybrid" else None
        if cfg.mode == "lexical":
            lexical, timings["lexical"] = self._lexical(query, cfg, pool, filters, allowed)
        if cfg.mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = self.embedder.embed_query(query)
            timings["embed"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            dense = vectors.search(qvec, pool, allowed)
            timings["dense"] = (time.perf_counter() - t) * 1000
        if legs is not None:
            lexical, timings["lexical"] = legs.result()
        sentence: list[tuple[int, float]] = []
        if cfg.mode == "hybrid" and cfg.sentence_weight > 0:
            t = time.perf_counter()
            candidates = {row for leg in (dense, *lexical) for row, _ in leg}
            sentence = _sentence_leg(store, self.embedder.name, qvec, candidates, pool)
            timings["sentences"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        fused = _fuse(cfg, dense, lexical, sentence)
        dense_of = dict(dense)
        lexical_of: dict[int, float] = {}
        for leg in reversed(lexical):  # the first analyzer's BM25 is the one reported
            lexical_of.update(leg)
        order = sorted(fused, key=fused.get, reverse=True)[: pool]
        hits: list[Hit] = []
        # Chunks are read in runs of 2k, best first: folding duplicates rarely needs more than the first run.
        for at in range(0, len(order), 2 * k):
            run = order[at: at + 2 * k]
            chunks: dict[int, Chunk] = store.chunks_by_id(run)
            hits = _collapse(hits + [Hit(chunks[i], fused[i], dense_of.get(i), lexical_of.get(i))
                                     for i in run if i in chunks], cfg.dedupe_threshold, k)
            if len(hits) == k:
                break
        timings["fuse"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - start) * 1000  # less than the sum: the legs overlap
        return SearchResult(hits=hits, timings_ms={k_: round(v, 2) for k_, v in timings.items()})

    def _lexical(self, query: str, cfg: SearchConfig, pool: int, filters: Filters, allowed: Allowed | None
                 ) -> tuple[list[list[tuple[int, float]]], float]:
        t = time.perf_counter()
        legs = [self.snapshot.lexical(analyzers.get(a)(query), a, pool, filters, allowed) for a in cfg.analyzers]
        return legs, (time.perf_counter() - t) * 1000
