"""Scoring retrieval (and answers) on a question set: metrics from ranx, latency percentiles, per-question misses."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Protocol

from rag.evaluation.datasets import Dataset, Question, is_relevant, qrels
from rag.search.filters import Filters
from rag.search.retrieval import SearchConfig

RETRIEVAL_METRICS = ("hit_rate@1", "hit_rate@3", "hit_rate@5", "hit_rate@10", "recall@5", "recall@10",
                     "mrr@10", "ndcg@10")


@dataclass(frozen=True)
class Retrieved:
    chunk_id: str
    text: str
    score: float


class Searcher(Protocol):
    def __call__(self, question: str, k: int, config: SearchConfig) -> list[Retrieved]: ...


@dataclass
class VariantReport:
    name: str
    metrics: dict[str, float]
    latency_ms: dict[str, float]
    misses: list[dict] = field(default_factory=list)
    judged: int = 0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ranx_scores(judged: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
                metrics=RETRIEVAL_METRICS) -> dict[str, float]:
    from ranx import Qrels, Run, evaluate

    if not judged:
        return {m: 0.0 for m in metrics}
    run = {qid: (run.get(qid) or {"__none__": 0.0}) for qid in judged}
    scores = evaluate(Qrels(judged), Run(run), list(metrics), make_comparable=True)
    return {m: float(scores[m]) for m in metrics}


def evaluate_retrieval(dataset: Dataset, search: Searcher, config: SearchConfig, name: str,
                       passages: dict[str, str] | None = None, k: int = 10) -> VariantReport:
    """Run every answerable question; judge by evidence over `passages` (the whole index) when given,
    else over what was retrieved."""
    run: dict[str, dict[str, float]] = {}
    seen: dict[str, str] = dict(passages or {})
    latencies: list[float] = []
    results: dict[str, list[Retrieved]] = {}
    for q in dataset.answerable:
        t = time.perf_counter()
        hits = search(q.question, k, config)
        latencies.append((time.perf_counter() - t) * 1000)
        results[q.id] = hits
        # Rank-based scores: ties in the fused scores must not reorder what the system returned.
        run[q.id] = {h.chunk_id: float(k - i) for i, h in enumerate(hits)}
        seen.update({h.chunk_id: h.text for h in hits})
    judged = qrels(dataset, seen)
    metrics = ranx_scores(judged, run)
    misses = [_miss(q, results[q.id]) for q in dataset.answerable
              if q.id in judged and not any(is_relevant(q, h.chunk_id, h.text) for h in results[q.id][:1])]
    return VariantReport(name=name, metrics=metrics, judged=len(judged), misses=misses,
                         latency_ms={"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                                     "mean": statistics.fmean(latencies) if latencies else 0.0})


def _miss(q: Question, hits: list[Retrieved]) -> dict:
    rank = next((i + 1 for i, h in enumerate(hits) if is_relevant(q, h.chunk_id, h.text)), None)
    return {"id": q.id, "question": q.question, "evidence": list(q.evidence), "first_relevant_rank": rank,
            "top1": hits[0].text[:80] if hits else ""}


def local_searcher(engine, filters: Filters | None = None) -> Searcher:
    def search(question: str, k: int, config: SearchConfig) -> list[Retrieved]:
        return [Retrieved(h.chunk.chunk_id, h.chunk.text, h.score)
                for h in engine.search(question, k, filters, config=config).hits]

    return search


def _scope_json(filters: Filters | None) -> dict:
    """Filters as the fields of a /search body."""
    if filters is None:
        return {}
    body = {"collection": list(filters.collections), "doc_ids": list(filters.doc_ids) if filters.doc_ids else None,
            "date_from": filters.date_from.isoformat() if filters.date_from else None,
            "date_to": filters.date_to.isoformat() if filters.date_to else None, "papers": list(filters.papers),
            "pages": list(filters.pages), "sections": list(filters.sections), "authors": list(filters.authors)}
    return {k: v for k, v in body.items() if v}


def remote_searcher(url: str, api_key: str | None = None, timeout: float = 30.0, filters: Filters | None = None
                    ) -> Searcher:
    import httpx

    client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout,
                          headers={"Authorization": f"Bearer {api_key}"} if api_key else {})

    def search(question: str, k: int, config: SearchConfig) -> list[Retrieved]:
        for _ in range(5):  # a rate-limited server says how long to wait (Retry-After, seconds)
            r = client.post("/search", json={"query": question, "top_k": k, "mode": config.mode,
                                             **_scope_json(filters)})
            if r.status_code != 429:
                break
            time.sleep(min(float(r.headers.get("retry-after", "1")), 60))
        r.raise_for_status()
        return [Retrieved(h["chunk_id"], h["text"], h["score"]) for h in r.json()["results"]]

    return search


def variants(base: SearchConfig) -> dict[str, SearchConfig]:
    """The retrieval ablations run next to the configured setup."""
    from dataclasses import replace

    return {
        "lexical (jieba BM25)": replace(base, mode="lexical", analyzer="jieba"),
        "lexical (bigram BM25)": replace(base, mode="lexical", analyzer="bigram"),
        "lexical (bigram + jieba)": replace(base, mode="lexical", analyzer="bigram+jieba"),
        "dense (e5)": replace(base, mode="dense"),
        "hybrid without the sentence leg": replace(base, mode="hybrid", sentence_weight=0.0),
        "hybrid RRF k=60 (bigram + e5)": replace(base, mode="hybrid", analyzer="bigram", fusion="rrf",
                                                 dense_weight=1.0, lexical_weight=1.0, sentence_weight=0.0),
        "hybrid blend (bigram + e5)": replace(base, mode="hybrid", analyzer="bigram", fusion="blend",
                                              sentence_weight=0.0),
        "hybrid blend (jieba + e5)": replace(base, mode="hybrid", analyzer="jieba", fusion="blend",
                                             sentence_weight=0.0),
    }


def table(reports: list[VariantReport], columns=("hit_rate@1", "hit_rate@3", "hit_rate@5", "hit_rate@10",
                                                   "recall@10", "mrr@10", "ndcg@10")) -> str:
    head = "| variant | " + " | ".join(c.replace("hit_rate", "hit") for c in columns) + " | p50 ms | p95 ms |"
    rule = "|---|" + "---|" * (len(columns) + 2)
    rows = [f"| {r.name} | " + " | ".join(f"{r.metrics.get(c, 0):.3f}" for c in columns) +
            f" | {r.latency_ms['p50']:.1f} | {r.latency_ms['p95']:.1f} |" for r in reports]
    return "\n".join([head, rule, *rows])



def chunk_size_variants(engine, sizes: list[int], base: SearchConfig, dataset: Dataset, workdir) -> list[VariantReport]:
    """Re-chunk the indexed sources at each size into a scratch index and score the default setup."""
    from pathlib import Path

    from rag.indexing.index import Index
    from rag.ingest.chunking import ChunkerConfig
    from rag.ingest.loading import Source
    from rag.search.retrieval import Retriever

    store = engine.snapshot().store
    sources = [Source(d.doc_id, store.source_text(d.doc_id), d.sha256, d.path) for d in store.documents()]
    reports = []
    for size in sizes:
        index = Index(Path(workdir) / f"chunks-{size}", engine.embedder,
                      ChunkerConfig(size=size, overlap=min(80, size // 3), min_size=size // 5))
        index.add(sources, rebuild=True)
        snap = index.open()
        retriever = Retriever(snap, engine.embedder, base)
        chunks = snap.store.chunks_by_id(snap.store.chunk_rows()).values()

        def search(question: str, k: int, config: SearchConfig, retriever=retriever) -> list[Retrieved]:
            return [Retrieved(h.chunk.chunk_id, h.chunk.text, h.score)
                    for h in retriever.search(question, k, config=config).hits]

        reports.append(evaluate_retrieval(dataset, search, base, f"default @ chunk {size}",
                                          {c.chunk_id: c.text for c in chunks}))
        snap.close()
    return reports
