"""Load test over HTTP: concurrent readers mixing /search and /ask while one writer uploads and deletes pages.

    python eval/load_test.py INDEX_DIR [--readers 32] [--seconds 60] [--ask-share 0.25]

Starts the service on INDEX_DIR (the writer adds pages `load-N.txt` and removes them again, so use a copy) and
prints, per kind of request: count, errors (any exception or status other than 2xx), p50/p95/p99 in ms. The
readers ask the eval/seeds questions; the writer's pages are 5,000 characters of seed paragraphs in a new order.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))

from serving import serve

from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def timed(self, kind: str, call, *args, **kwargs) -> None:
        t = time.perf_counter()
        try:
            r = call(*args, **kwargs)
            ok = 200 <= r.status_code < 300
            problem = "" if ok else f"{r.status_code} {r.text[:120]}"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - t) * 1000
        with self.lock:
            self.ms[kind].append(ms)
            if problem:
                self.errors[kind].append(problem)


def pages(n: int) -> list[str]:
    paras = [p for path in sorted((REPO / "seeds").glob("*.txt"))
             for p in path.read_text(encoding="utf-8").split("\n") if len(p) > 40]
    out = []
    for i in range(n):
        random.Random(i).shuffle(paras)
        text = ""
        for p in paras:
            text += p + "\n"
            if len(text) >= 5000:
                break
        out.append(text[:5000] + f"\n第{i}页。")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("--readers", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--ask-share", type=float, default=0.25, help="share of reader requests that are /ask")
    args = ap.parse_args()
    questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions]
    texts = pages(8)
    tally = Tally()
    with serve(args.index_dir) as base:
        stop = time.time() + args.seconds

        def reader(n: int) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=base, timeout=120) as c:
                while time.time() < stop:
                    q = rng.choice(questions)
                    if rng.random() < args.ask_share:
                        tally.timed("/ask", c.post, "/ask", json={"question": q})
                    else:
                        tally.timed("/search", c.post, "/search", json={"query": q})

        def writer() -> None:
            with httpx.Client(base_url=base, timeout=300) as c:
                i = 0
                while time.time() < stop:
                    name = f"load-{i % len(texts)}.txt"
                    body = texts[i % len(texts)].encode()
                    tally.timed("upload", c.post, "/documents", files={"files": (name, body, "text/plain")})
                    tally.timed("delete", c.delete, f"/documents/{name}")
                    i += 1

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(args.readers)]
        threads.append(threading.Thread(target=writer))
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
    total = sum(len(v) for v in tally.ms.values())
    print(f"{args.readers} readers + 1 writer for {wall:.0f} s: {total} requests ({total / wall:.1f}/s), "
          f"{sum(len(v) for v in tally.errors.values())} errors")
    for kind, ms in sorted(tally.ms.items()):
        print(f"{kind:8} {len(ms):6d} requests  errors {len(tally.errors[kind]):3d}  p50 {percentile(ms, 50):7.1f} ms  "
              f"p95 {percentile(ms, 95):7.1f} ms  p99 {percentile(ms, 99):7.1f} ms")
        for problem in tally.errors[kind][:3]:
            print(f"         e.g. {problem}")


if __name__ == "__main__":
    main()
