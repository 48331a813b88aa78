"""Query latency at 100k synthetic chunks (exact and IVF), and IVF recall@10 against exact.

Texts are seed sentences shuffled into 250-character chunks; vectors are real seed chunk vectors
mixed with noise (embedding 100k chunks for real would take ~40 minutes on 2 cores). The query is
embedded for real, so the figure is the whole `rag search` path.

    .venv/bin/python eval/bench_scale.py [--chunks 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_milvus import latencies

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile
from rag.indexing.index import Index
from rag.indexing.lexical import writes
from rag.indexing.store import embed_text, text_hash
from rag.ingest.chunking import sentences
from rag.ingest.layout import split_articles
from rag.ingest.loading import Source
from rag.text.mapped import Mapped
from rag.types import Article, Chunk

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=200)
    ap.add_argument("--model-dir", default=str(REPO / "index" / "models"))
    args = ap.parse_args()
    rng = random.Random(0)
    nrng = np.random.default_rng(0)
    pool = []
    for p in sorted((REPO / "seeds").glob("*.txt")):
        for a in split_articles(p.name, p.read_text(encoding="utf-8")):
            pool += [a.text[s:e] for s, e in sentences(a.text)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), model_dir=Path(args.model_dir))
        engine = Engine(settings)
        seed_vecs = engine.embedder.embed_passages(pool[:300])
        index: Index = engine.index
        t = time.perf_counter()
        with index._write(fresh=True) as (store, lexicon):
            for d in range(args.chunks // args.per_doc):
                doc_id = f"synthetic-{d:05d}.txt"
                chunks, texts = [], []
                for c in range(args.per_doc):
                    text = ""
                    while len(text) < 250:
                        text += rng.choice(pool)
                    texts.append(text)
                    chunks.append(Chunk(hashlib.sha256(f"{doc_id}{c}".encode()).hexdigest()[:16], doc_id,
                                        f"{doc_id}#0", "合成文章", text, c * 300, c * 300 + len(text), c))
                body = Mapped("x", (0,))
                src = Source(doc_id, "x", doc_id, doc_id)
                mix = seed_vecs[nrng.integers(0, len(seed_vecs), (len(chunks), 3))].sum(axis=1)
                vecs = mix + 0.15 * nrng.normal(size=mix.shape)
                vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
                with store.transaction():
                    store.put_vectors(engine.embedder.name, {text_hash(embed_text(ch)): v for ch, v in zip(chunks, vecs)})
                    writes.add_document(store, lexicon, src, [Article(doc_id, 0, "合成文章", "lead", body)], chunks)
                    store.bump_generation()
        build_s = time.perf_counter() - t
        snap = engine.snapshot()
        info = snap.manifest["vector_index"]
        questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
        results = latencies(engine, questions)
    print(f"chunks                {snap.manifest['counts']['chunks']}  (build {build_s:.0f} s, synthetic vectors)")
    print(f"vector index          {info}")
    for mode, ms in results.items():
        print(f"{mode:8} search       p50 {percentile(ms, 50):.1f} ms  p95 {percentile(ms, 95):.1f} ms")


if __name__ == "__main__":
    main()
