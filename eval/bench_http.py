"""/search and /ask latency over HTTP on the seeds: one client, then 16 concurrent clients.

Starts the service (`python -m api`) on a free loopback port against an index directory that
already holds the seeds (default: ./index, as `make serve` builds it), then measures.

    .venv/bin/python eval/bench_http.py [--index-dir index] [--clients 16] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
    args = ap.parse_args()
    port = _free_port()
    env = {**os.environ, "RAG_INDEX_DIR": args.index_dir, "RAG_PORT": str(port), "RAG_RATE_LIMIT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the service did not come up")
        questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
        with httpx.Client(base_url=base, timeout=120) as client:
            _timed(client, "/search", {"query": "预热"})
            for path, key in (("/search", "query"), ("/ask", "question")):
                ms = [_timed(client, path, {key: q}) for q in questions]
                print(f"{path:8} 1 client    p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
                      f"({len(ms)} requests)")
        for path, key in (("/search", "query"), ("/ask", "question")):
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
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
