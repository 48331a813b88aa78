"""/search and /ask latency over HTTP on the seeds: one client, then 16 concurrent clients.

Starts the service (`python -m api`, uvicorn) on a free loopback port against an index directory that
already holds the seeds (default: ./index, as `make serve` builds it), then measures.

    .venv/bin/python eval/bench_http.py [--index-dir index] [--single 200] [--clients 16 (0: none)] [--requests 20]
        [--scope '{"date_from": "2019-01-01", "date_to": "2019-12-31"}'] [--search-only]

--scope adds its fields (a collection, a date range, pages...) to every request; the single client also prints
the p50 of each part of the server's own split (`timings_ms`).
"""

from __future__ import annotations

import argparse
import json
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


def _timed(client: httpx.Client, path: str, body: dict, parts: dict[str, list[float]] | None = None) -> float:
    t = time.perf_counter()
    r = client.post(path, json=body)
    r.raise_for_status()
    ms = (time.perf_counter() - t) * 1000
    if parts is not None:
        for key, value in r.json().get("timings_ms", {}).items():
            parts.setdefault(key, []).append(value)
    return ms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default=str(REPO / "index"))
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=20, help="requests per concurrent client")
    ap.add_argument("--single", type=int, default=200, help="requests of the single client (questions cycled)")
    ap.add_argument("--scope", default="{}", help="JSON fields added to every request body")
    ap.add_argument("--search-only", action="store_true", help="skip /ask")
    args = ap.parse_args()
    scope = json.loads(args.scope)
    paths = (("/search", "query"),) if args.search_only else (("/search", "query"), ("/ask", "question"))
    with serve(args.index_dir) as base:
        questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
        with httpx.Client(base_url=base, timeout=120) as client:
            _timed(client, "/search", {"query": "预热"})
            for path, key in paths:
                parts: dict[str, list[float]] = {}
                ms = [_timed(client, path, {key: questions[i % len(questions)], **scope}, parts)
                      for i in range(args.single)]
                print(f"{path:8} 1 client    p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
                      f"({len(ms)} requests)")
                if parts:
                    print("         server p50: " + ", ".join(f"{k} {percentile(v, 50):.1f}" for k, v in parts.items()))
        for path, key in paths if args.clients else ():
            results: list[float] = []
            lock = threading.Lock()

            def worker(n: int) -> None:
                with httpx.Client(base_url=base, timeout=300) as c:
                    for i in range(args.requests):
                        ms = _timed(c, path, {key: questions[(n * args.requests + i) % len(questions)], **scope})
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
