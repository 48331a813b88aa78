"""A deterministic newspaper-like benchmark corpus of any size, with the seeds planted in it.

    python eval/synth_corpus.py OUT --size 1000000 [--real 20000] [--seed 0] [--cache DIR]

Text: words drawn from jieba's dictionary (`jieba.dt.FREQ`, ~350k words with corpus frequencies, so the
background unigram law is the real Zipfian one); each chunk belongs to one of 400 topics whose 3,000 words
(drawn from the mid-frequency band) are favoured with their own Zipf law, so document frequencies are bursty
as in news text, and a word already in a chunk is repeated with probability 0.12. Chunk lengths are resampled
from the seeds' own chunks (rag.ingest, default ChunkerConfig). The seeds' chunks are planted at evenly spaced
rows; `seeds.jsonl` maps those rows to chunk ids and texts so that eval/seeds questions can be scored.

Vectors: the real model (multilingual-e5-small, ONNX int8) for the first `--real` synthetic chunks and every
seed chunk; the other rows are drawn around those real vectors (VectorModel: points between a real vector and
one of its neighbours, plus calibrated noise). `bench_ann.py --fidelity` checks that ANN recall on the drawn
vectors matches recall on real ones at the same size, on real vectors the fit never saw.

Writes OUT/texts.txt (one chunk a line, row = line number), OUT/vectors.npy (float32, memmap-able),
OUT/seeds.jsonl, OUT/questions.npy (query vectors of eval/seeds questions, in file order) and OUT/meta.json.
Real vectors are cached in --cache (default OUT/../synth-cache) so that every size embeds them once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BLOCK = 10_000  # chunks per generation block; block b uses its own RNG so every size shares its prefix
TOPICS, TOPIC_WORDS = 400, 3000
TOPIC_SHARE, REPEAT = 0.55, 0.12


def vocabulary() -> tuple[list[str], np.ndarray]:
    from rag.text.analyzers import jieba_module

    freq = jieba_module().dt.FREQ
    cjk = re.compile(r"^[\u4e00-\u9fff]+$")
    words = sorted(w for w, f in freq.items() if f > 0 and cjk.match(w))
    counts = np.array([freq[w] for w in words], dtype=np.float64)
    return words, counts


def seed_chunks():
    from rag.indexing.store import embed_text
    from rag.ingest.chunking import ChunkerConfig, chunk_article
    from rag.ingest.layout import split_articles
    from rag.ingest.loading import read

    chunks = []
    for path in sorted((REPO / "seeds").iterdir()):
        source = read(path)
        for article in split_articles(source.doc_id, source.text):
            chunks += chunk_article(article, ChunkerConfig())
    return chunks, [embed_text(c) for c in chunks]


class TextModel:
    def __init__(self, seed: int, lengths: np.ndarray):
        self.words, counts = vocabulary()
        self.wlen = np.array([len(w) for w in self.words])
        self.words_arr = np.array(self.words, dtype=object)
        self.bg_cdf = np.cumsum(counts / counts.sum())
        rng = np.random.default_rng(seed)
        # topic words come from the band below the few hundred function words and above the hapaxes
        order = np.argsort(-counts)
        band = order[300:120_000]
        self.topic_words = np.stack([rng.choice(band, TOPIC_WORDS, replace=False) for _ in range(TOPICS)])
        ranks = np.arange(1, TOPIC_WORDS + 1, dtype=np.float64)
        self.topic_cdf = np.cumsum(ranks ** -1.0 / (ranks ** -1.0).sum())
        self.lengths = lengths
        self.seed = seed

    def block(self, b: int, n: int) -> list[str]:
        """Chunks of block b, generated for the whole block at once (a Python loop per chunk is 20x slower)."""
        rng = np.random.default_rng([self.seed, b])
        targets = np.maximum(rng.choice(self.lengths, n) + rng.integers(-30, -9, n), 20)  # words overrun the target
        m = targets // 1.5 + 8
        m = m.astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(m)[:-1]])
        total = int(m.sum())
        chunk = np.repeat(np.arange(n), m)
        local = np.arange(total) - starts[chunk]
        topic = np.repeat(rng.integers(0, TOPICS, n), m)
        ids = np.where(rng.random(total) < TOPIC_SHARE,
                       self.topic_words[topic, np.searchsorted(self.topic_cdf, rng.random(total))],
                       np.minimum(np.searchsorted(self.bg_cdf, rng.random(total)), len(self.words) - 1))
        # burstiness: a word already in the chunk comes back
        back = starts[chunk] + (rng.random(total) * local).astype(np.int64)
        ids = np.where((rng.random(total) < REPEAT) & (local > 0), ids[back], ids)
        length = np.cumsum(self.wlen[ids])
        before = length - self.wlen[ids] - np.concatenate([[0], length])[starts][chunk]
        keep = before < targets[chunk]  # words that start before the chunk's target length
        last = np.zeros(total, dtype=bool)
        last[np.nonzero(keep)[0][np.r_[np.nonzero(np.diff(chunk[keep]))[0], keep.sum() - 1]]] = True
        roll = rng.random(total)
        tail = np.where(last, "。\n", np.where(roll < 0.06, "。", np.where(roll < 0.18, "，", "")))
        tokens = self.words_arr[ids[keep]] + tail[keep].astype(object)
        return "".join(tokens.tolist()).splitlines()

def embed(texts: list[str], cache: Path, name: str) -> np.ndarray:
    path = cache / f"{name}.npy"
    if path.exists():
        vecs = np.load(path)
        if len(vecs) == len(texts):
            return vecs
    from rag.embedders import load_embedder

    model = load_embedder(cache_dir=REPO.parent / "main" / "index" / "models", backend="onnx-int8", threads=2)
    # a long run saves what it has every 2,000 texts and resumes from it (the same texts, in the same order)
    partial = cache / f"{name}.partial.npy"
    parts = [np.load(partial)] if partial.exists() else []
    done, t0 = sum(len(p) for p in parts), time.time()
    cache.mkdir(parents=True, exist_ok=True)
    for i in range(done, len(texts), 100):
        parts.append(model.embed_passages(texts[i : i + 100]))
        print(f"  embedded {i + len(parts[-1])}/{len(texts)} in {time.time() - t0:.0f}s", file=sys.stderr)
        if (i + 100) % 2000 == 0:
            np.save(partial, np.concatenate(parts))
    vecs = np.concatenate(parts)
    np.save(path, vecs)
    partial.unlink(missing_ok=True)
    return vecs


class VectorModel:
    """Vectors drawn around real embeddings, so that their neighbourhoods look like real ones.

    A drawn vector is a random point on the segment from a real vector (the anchor, drawn with replacement) to
    one of its K nearest real neighbours, moved by isotropic noise of sigma times the anchor's distance to its
    nearest neighbour, then normalised. It stays on the data's own local structure (a Gaussian mixture fitted per
    cell does not: its samples fill all 384 dimensions of a cell, which made HNSW recall 0.12 lower than on real
    vectors). sigma is calibrated on the fit set alone: the smallest noise whose draws, as many as the fit set,
    have the same median cosine to their 10th nearest neighbour as the real vectors have among themselves."""

    K = 20

    def __init__(self, real: np.ndarray, seed: int = 0):
        self.real = np.ascontiguousarray(real, dtype=np.float32)
        self.near_cos, self.neighbours = knn(self.real, self.K)
        target = float(np.median(self.near_cos[:, 9]))
        lo, hi = 0.0, 2.0
        for _ in range(10):  # bisection: the 10th-neighbour cosine falls as sigma grows
            self.sigma = (lo + hi) / 2
            drawn = self.sample(len(self.real), np.random.default_rng([seed, 7]))
            lo, hi = (self.sigma, hi) if float(np.median(knn(drawn, 10)[0][:, 9])) > target else (lo, self.sigma)
        self.sigma = (lo + hi) / 2

    def sample(self, n: int, rng) -> np.ndarray:
        anchor = rng.integers(0, len(self.real), n)
        other = self.neighbours[anchor, rng.integers(0, self.K, n)]
        t = rng.random((n, 1), dtype=np.float32)
        out = self.real[anchor] + t * (self.real[other] - self.real[anchor])
        spacing = np.sqrt(np.maximum(2 - 2 * self.near_cos[anchor, :1], 1e-8))  # chord to the nearest neighbour
        noise = rng.standard_normal(out.shape, dtype=np.float32)
        out += self.sigma * spacing * noise / np.linalg.norm(noise, axis=1, keepdims=True)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def knn(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and rows of each vector's k nearest other vectors (exact)."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    cos, rows = index.search(vectors, k + 1)
    return cos[:, 1:], rows[:, 1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--size", type=int, required=True, help="rows in all, seeds included")
    ap.add_argument("--real", type=int, default=20_000, help="synthetic chunks embedded by the real model")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--vectors-only", action="store_true", help="skip texts.txt (for the ANN benchmark alone)")
    args = ap.parse_args()
    chunks, seed_texts = seed_chunks()
    if args.size < 10 * len(chunks):
        sys.exit(f"--size {args.size} is too small; it must be at least ten times the {len(chunks)} seed chunks")
    cache = args.cache or args.out.resolve().parent / "synth-cache"
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    lengths = np.array([len(c.text) for c in chunks])
    text_model = TextModel(args.seed, lengths)
    n_synth = args.size - len(chunks)
    plant = np.linspace(0, args.size - 1, len(chunks) + 2, dtype=np.int64)[1:-1]
    planted = dict(zip(plant.tolist(), range(len(chunks))))
    n_real = min(args.real, n_synth)
    real_texts = [t for b in range(-(-n_real // BLOCK)) for t in text_model.block(b, BLOCK)][:n_real]
    real_vecs = embed(real_texts, cache, f"real-{args.seed}-{n_real}")
    seed_vecs = embed(seed_texts, cache, "seeds")
    # every real vector fits the mixture: the synthetic chunks' and the seeds' (both are model output)
    fit = np.concatenate([real_vecs, seed_vecs])
    vector_model = VectorModel(fit, seed=args.seed)
    from rag.embedders import load_embedder
    from rag.evaluation import datasets

    questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
    qcache = cache / "questions.npy"
    if qcache.exists():
        qvecs = np.load(qcache)
    else:
        model = load_embedder(cache_dir=REPO.parent / "main" / "index" / "models", backend="onnx-int8", threads=2)
        qvecs = np.stack([model.embed_query(q) for q in questions])
        np.save(qcache, qvecs)
    np.save(args.out / "questions.npy", qvecs)

    vectors = np.lib.format.open_memmap(args.out / "vectors.npy", mode="w+", dtype=np.float32,
                                        shape=(args.size, real_vecs.shape[1]))
    synth_row = 0
    text_path = os.devnull if args.vectors_only else args.out / "texts.txt"
    with open(text_path, "w", encoding="utf-8") as texts, \
            open(args.out / "seeds.jsonl", "w", encoding="utf-8") as seeds_out:
        row, b = 0, 0
        while row < args.size:
            block = [""] * BLOCK if args.vectors_only else text_model.block(b, BLOCK)
            rng = np.random.default_rng([args.seed, b, 1])
            drawn = vector_model.sample(BLOCK, rng)
            for i, text in enumerate(block):
                while row in planted:
                    c = planted[row]
                    texts.write(seed_texts[c].replace("\n", " ") + "\n")
                    vectors[row] = seed_vecs[c]
                    seeds_out.write(json.dumps({"row": row, "chunk_id": chunks[c].chunk_id, "doc_id": chunks[c].doc_id,
                                                "text": chunks[c].text}, ensure_ascii=False) + "\n")
                    row += 1
                if row >= args.size:
                    break
                texts.write(text + "\n")
                vectors[row] = real_vecs[synth_row] if synth_row < n_real else drawn[i]
                row += 1
                synth_row += 1
            b += 1
            if b % 10 == 0:
                print(f"  {row}/{args.size} rows in {time.time() - t0:.0f}s", file=sys.stderr)
    vectors.flush()
    meta = {"size": args.size, "seed": args.seed, "real_rows": n_real, "seed_rows": len(chunks),
            "vector_model": f"neighbourhood draws (K {VectorModel.K}, sigma {vector_model.sigma:.3f}) "
                            f"around {len(fit)} real vectors",
            "vocabulary": len(text_model.words), "seconds": round(time.time() - t0, 1)}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
