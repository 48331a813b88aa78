"""ANN candidates on a synth_corpus directory: recall@10 against exact search, p50 single-query latency
(one thread, as the service searches), build time, index bytes and load time (faiss.read_index, memory-mapped where faiss can).

    python eval/bench_ann.py CORPUS [--queries 200] [--kinds flat,hnsw,ivf,ivfsq8,ivfsq8r,ivfpq] [--budget 900] [--entries]
    python eval/bench_ann.py --fidelity CACHE/real-0-N.npy   # recall on real vectors vs vectors drawn around them

Queries: the eval/seeds questions (real query vectors) plus held-out corpus rows (not indexed). Each index kind
stops early when the run has used up --budget seconds, so a 1M run ends in bounded time; what finished is printed
as one JSON line per setting and saved to eval/reports/ann-<size>.json. With --entries, each HNSW is also
searched as a segment tuned with entry points does (rag.indexing.vectors: one walk from each of the pivots
nearest the query), and every HNSW row gives the distance computations per query ("ndis").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.indexing.vectors import PIVOTS, VectorIndex, VectorInfo


def recall(truth: np.ndarray, got: np.ndarray) -> float:
    return sum(len(set(t) & set(g)) for t, g in zip(truth.tolist(), got.tolist())) / truth.size


def p50_ms(index, queries: np.ndarray, params=None) -> float:
    """One query at a time on one OpenMP thread, as the service searches (an IVF search of one query on two
    threads took 8-11 ms at 1M where one thread took 3-4: the threads' start-up, not the scan)."""
    faiss.omp_set_num_threads(1)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q[None, :], 10, params=params)
        times.append(time.perf_counter() - t)
    faiss.omp_set_num_threads(2)
    return float(np.percentile(times, 50) * 1000)


def kinds(n: int, dim: int, nlist: int | None, hnsw_m: list[int], ef_construction: int = 80):
    """(name, factory, [(sweep label, search params)])"""
    nlist = nlist or 1 << int(np.round(np.log2(4 * np.sqrt(n))))  # 4*sqrt(n), a power of two
    probes = [p for p in (1, 2, 4, 8, 16, 32, 64, 128) if p <= nlist]
    ivf_sweep = [(f"nprobe={p}", faiss.SearchParametersIVF(nprobe=p)) for p in probes]
    yield "flat", lambda: faiss.IndexFlatIP(dim), [("", None)]
    for m in hnsw_m:
        def hnsw(m=m):
            index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            return faiss.IndexIDMap2(index)  # as segments hold it (ids: the positions)
        yield f"hnsw M={m}", hnsw, [(f"efSearch={e}", faiss.SearchParametersHNSW(efSearch=e))
                                    for e in (16, 32, 64, 128, 256, 512, 1024, 2048)]
    yield f"ivf nlist={nlist}", lambda: faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT), ivf_sweep
    yield f"ivfsq8 nlist={nlist}", lambda: faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT), ivf_sweep
    yield f"ivfpq48 nlist={nlist}", lambda: faiss.index_factory(dim, f"IVF{nlist},PQ48", faiss.METRIC_INNER_PRODUCT), ivf_sweep
    # 8-bit codes scanned, the best 4k re-scored against the fp32 vectors (IndexRefineFlat keeps them)
    refine_sweep = [(f"nprobe={p} k_factor=4", faiss.IndexRefineSearchParameters(
        k_factor=4, base_index_params=faiss.SearchParametersIVF(nprobe=p)))
        for p in (64, 128, 256, 512, 1024, 2048) if p <= nlist]
    yield f"ivfsq8r nlist={nlist}", lambda: faiss.IndexRefineFlat(
        faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)), refine_sweep


def entry_walks(mapped: faiss.IndexIDMap2) -> list[tuple[str, object]]:
    """The built HNSW as a segment searched from entry points, at several (efSearch, entries): (label, search)."""
    hnsw = faiss.downcast_index(mapped.index)
    out = []
    for entries in (4, 8):
        for ef in (16, 32, 64, 128, 256):
            info = VectorInfo(kind="hnsw", entries=entries, pivots=min(PIVOTS, mapped.ntotal // 16))
            segment = VectorIndex(mapped.d, mapped, info)
            def search(q, ef=ef, segment=segment):
                hnsw.hnsw.efSearch = ef
                return [i for i, _ in segment.search(q, 10)]
            out.append((f"efSearch={ef} entries={entries}", search))
    return out


def train_sample(index, base: np.ndarray, rng) -> np.ndarray:
    ivf = faiss.try_extract_index_ivf(index)
    size = min(len(base), max(ivf.nlist * 16 if ivf else 0, 20_000))
    return base[np.sort(rng.choice(len(base), size, replace=False))]


def bench(base: np.ndarray, queries: np.ndarray, only: set[str], budget: float, label: str,
          nlist: int | None = None, hnsw_m: tuple[int, ...] = (16, 32), out: Path | None = None,
          questions: int = 0, ef_construction: int = 80, entries: bool = False) -> list[dict]:
    """Each index kind against exact search; the first `questions` queries are question vectors (the rest
    passages), and their recall is also given apart: questions lie apart from the passages they look for
    ("query: " and "passage: " prefixes), and a graph built on passages finds their neighbours harder."""
    faiss.omp_set_num_threads(2)
    rng = np.random.default_rng(0)
    exact = faiss.IndexFlatIP(base.shape[1])
    exact.add(base)
    _, truth = exact.search(queries, 10)
    rows, t_start = [], time.time()
    for name, factory, sweep in kinds(len(base), base.shape[1], nlist, list(hnsw_m), ef_construction):
        if name.split()[0] not in only:
            continue
        if time.time() - t_start > budget:
            print(f"# {name}: skipped, budget of {budget:.0f}s used up", file=sys.stderr)
            continue
        index = factory()
        t = time.time()
        if not index.is_trained:
            index.train(train_sample(index, base, rng))
        for i in range(0, len(base), 100_000):
            if isinstance(index, faiss.IndexIDMap2):
                index.add_with_ids(base[i : i + 100_000], np.arange(i, min(i + 100_000, len(base)), dtype=np.int64))
            else:
                index.add(base[i : i + 100_000])
        build_s = time.time() - t
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "index.faiss"
            faiss.write_index(index, str(path))
            size = path.stat().st_size
            t = time.time()
            try:
                faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
                load = "mmap"
            except RuntimeError:
                faiss.read_index(str(path))
                load = "read"
            load_s = time.time() - t
        walks = entry_walks(index) if entries and name.startswith("hnsw") else []
        for setting, params in sweep + walks:
            faiss.cvar.hnsw_stats.reset()
            if callable(params):  # an entry-point walk, one query at a time as the service searches
                faiss.omp_set_num_threads(1)
                times, got = [], []
                for q in queries:
                    t = time.perf_counter()
                    got.append(params(q))
                    times.append(time.perf_counter() - t)
                got = np.array([g + [-1] * (10 - len(g)) for g in got])
                ndis, p50 = faiss.cvar.hnsw_stats.ndis / len(queries), float(np.percentile(times, 50) * 1000)
                faiss.omp_set_num_threads(2)
            else:
                _, got = index.search(queries, 10, params=params)
                ndis, p50 = faiss.cvar.hnsw_stats.ndis / len(queries), p50_ms(index, queries, params)
            row = {"corpus": label, "n": len(base), "index": name, "setting": setting,
                   "recall@10": round(recall(truth, got), 4), "p50_ms": round(p50, 3),
                   **({"ndis": round(ndis)} if name.startswith("hnsw") else {}),
                   **({"recall@10 questions": round(recall(truth[:questions], got[:questions]), 4),
                       "recall@10 passages": round(recall(truth[questions:], got[questions:]), 4)}
                      if 0 < questions < len(queries) else {}),
                   "build_s": round(build_s, 1), "bytes": size, "load_s": round(load_s, 3), "load": load}
            print(json.dumps(row), flush=True)
            rows.append(row)
            if out:  # rewritten after every setting, so a run cut short by a time limit keeps what it measured
                out.write_text(json.dumps(rows, indent=1))
            if row["recall@10"] >= 0.995 and not walks:
                break  # a larger setting only costs time
        del index
    return rows


def fidelity(real_path: Path, queries: int) -> list[dict]:
    """ANN recall on real vectors against recall on vectors drawn by synth_corpus.VectorModel, at the same size,
    with the same queries (the eval/seeds questions' real query vectors beside `queries` real passages that no
    fit saw). Checks: "held-out" fits on one half of the real vectors and compares with the other half;
    "fitted" fits on all of them and compares with the set it was fitted on, as synth_corpus does; "4x" and "8x"
    fit on a quarter and an eighth and draw as many as all of them (a 1M corpus draws 50 times its fit)."""
    sys.path.insert(0, str(REPO / "eval"))
    from synth_corpus import VectorModel

    real = np.load(real_path).astype(np.float32)
    questions = real_path.parent / "questions.npy"
    order = np.random.default_rng(0).permutation(len(real))
    held, rest = real[order[:queries]], real[order[queries:]]
    q = np.concatenate([np.load(questions), held]).astype(np.float32) if questions.exists() else held
    n_questions = len(q) - len(held)
    half = len(rest) // 2
    rows = []
    checks = [("held-out", rest[:half], rest[half:]), ("fitted", rest, rest),
              ("4x", rest[: len(rest) // 4], rest), ("8x", rest[: len(rest) // 8], rest)]
    measured: dict[int, list[dict]] = {}  # the real set is the same in three checks: measured once
    for check, fit, compare in checks:
        model = VectorModel(fit)
        drawn = model.sample(len(compare), np.random.default_rng(1))
        if id(compare) not in measured:
            measured[id(compare)] = bench(compare, q, {"hnsw", "ivf"}, 1e9, "real", hnsw_m=(32,), questions=n_questions)
        found = measured[id(compare)] + bench(drawn, q, {"hnsw", "ivf"}, 1e9, "drawn", hnsw_m=(32,),
                                              questions=n_questions)
        rows += [dict(r, check=check, sigma=round(model.sigma, 3)) for r in found]
    for check, _, _ in checks:
        real_rows = {(r["index"], r["setting"]): r["recall@10"] for r in rows if r["check"] == check and r["corpus"] == "real"}
        for r in rows:
            if r["check"] == check and r["corpus"] == "drawn" and (r["index"], r["setting"]) in real_rows:
                gap = r["recall@10"] - real_rows[r["index"], r["setting"]]
                print(f"{check:8} {r['index']:14} {r['setting']:12} real {real_rows[r['index'], r['setting']]:.3f} "
                      f"drawn {r['recall@10']:.3f} gap {gap:+.3f}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, nargs="?")
    ap.add_argument("--fidelity", type=Path, help="a real-vector cache file written by synth_corpus.py")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--kinds", default="flat,hnsw,ivf,ivfsq8,ivfpq")
    ap.add_argument("--budget", type=float, default=900, help="seconds after which no further index kind starts")
    ap.add_argument("--nlist", type=int, help="IVF lists (default: 4*sqrt(n) rounded to a power of two)")
    ap.add_argument("--hnsw-m", default="16,32", help="HNSW links per node to try")
    ap.add_argument("--ef-construction", type=int, default=80)
    ap.add_argument("--entries", action="store_true", help="also search each HNSW from entry points")
    ap.add_argument("--out", type=Path, help="where the rows go (default: eval/reports/ann-<size>.json)")
    args = ap.parse_args()
    reports = REPO / "eval" / "reports"
    reports.mkdir(exist_ok=True)
    if args.fidelity:
        rows = fidelity(args.fidelity, args.queries)
        (reports / f"ann-fidelity-{len(np.load(args.fidelity, mmap_mode='r'))}.json").write_text(json.dumps(rows, indent=1))
        return
    if args.corpus is None:
        sys.exit("give a corpus directory written by eval/synth_corpus.py, or --fidelity")
    vectors = np.load(args.corpus / "vectors.npy", mmap_mode="r")
    seed_rows = {json.loads(line)["row"] for line in (args.corpus / "seeds.jsonl").open()}
    rng = np.random.default_rng(0)
    candidates = np.setdiff1d(np.arange(len(vectors)), list(seed_rows))
    held = np.sort(rng.choice(candidates, args.queries, replace=False))
    keep = np.ones(len(vectors), dtype=bool)
    keep[held] = False
    base = np.ascontiguousarray(vectors[keep])
    questions = np.load(args.corpus / "questions.npy")
    queries = np.concatenate([questions, vectors[held]]).astype(np.float32)
    bench(base, queries, set(args.kinds.split(",")), args.budget, args.corpus.name, args.nlist,
          tuple(int(m) for m in args.hnsw_m.split(",")), args.out or reports / f"ann-{len(vectors)}.json", len(questions),
          args.ef_construction, args.entries)


if __name__ == "__main__":
    main()
