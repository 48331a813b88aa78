"""/search and /ask latency over HTTP on the seeds: one client, then 16 concurrent clients.

Starts the service (`python -m api`, uvicorn) on a free loopback port against an index directory that
already holds the seeds (default: ./index, as `make serve` builds it), then measures.

    .venv/bin/python eval/bench_http.py [--index-dir index] [--single 200] [--clients 16 (0: none)] [--requests 20]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))

from serving import serve

from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile


def _timed(client: httpx.Client, path: str, body: dict) -> float:
    t = time.perf_counter()
    r = client.post(path, json=body)
    r.raise_for_status()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=str(REPO / "index"))
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=20, help="requests per concurrent client")
    ap.add_argument("--single", type=int, default=200, help="requests of the single client (questions cycled)")
    args = ap.parse_args()
    with serve(args.index_dir) as base:
        questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
        with httpx.Client(base_url=base, timeout=120) as client:
            _timed(client, "/search", {"query": "预热"})
            for path, key in (("/search", "query"), ("/ask", "question")):
                ms = [_timed(client, path, {key: questions[i % len(questions)]}) for i in range(args.single)]
                print(f"{path:8} 1 client    p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
                      f"({len(ms)} requests)")
        for path, key in (("/search", "query"), ("/ask", "question")) if args.clients else ():
            results: list[float] = []
            lock = threading.Lock()

            def worker(n: int) -> None:
                with httpx.Client(base_url=base, timeout=300) as c:
                    for i in range(args.requests):
                        ms = _timed(c, path, {key: questions[(n * args.requests + i) % len(questions)]})
                        with lock:
                            results.append(ms)

            t = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t
            print(f"{path:8} {args.clients} clients  p50 {percentile(results, 50):7.1f} ms  "
                  f"p95 {percentile(results, 95):7.1f} ms  ({len(results) / wall:.1f} req/s)")


if __name__ == "__main__":
    main()
