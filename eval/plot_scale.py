"""Query latency and memory against archive size, from the eval/bench_archive.py reports.

    python eval/plot_scale.py   # reads eval/reports/archive-<chunks>.json, writes eval/reports/scale.png

Left: p50 of each leg and of the whole hybrid search (in process, the query embedding included) per archive
size; right: the process's RSS with the model alone, with the index opened, and after the queries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPORTS = Path(__file__).resolve().parent / "reports"
LEGS = ("dense", "bigram", "jieba", "hybrid")
MEMORY = ("model_only", "opened", "after_queries")


def reports() -> list[dict]:
    """One report per size (the warm-cache run: archive-<chunks>.json), smallest first."""
    found = [json.loads(p.read_text()) for p in REPORTS.glob("archive-*.json") if re.fullmatch(r"archive-\d+\.json", p.name)]
    return sorted(found, key=lambda r: r["chunks"])


def main() -> None:
    rows = reports()
    if not rows:
        raise SystemExit(f"no archive-<chunks>.json in {REPORTS}: run eval/bench_archive.py first")
    sizes = [r["chunks"] for r in rows]
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(11, 4))
    for leg in LEGS:
        lat.plot(sizes, [r["p50_ms"][leg] for r in rows], marker="o", label=leg)
    for part in MEMORY:
        mem.plot(sizes, [r["rss_mb"][part] / 1024 for r in rows], marker="o", label=part.replace("_", " "))
    for ax, title in ((lat, "p50 ms per query, in process (hybrid includes the query embedding)"),
                      (mem, "process RSS, GiB")):
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(REPORTS / "scale.png", dpi=110)
    for r in rows:
        print(r["chunks"], r["p50_ms"], r["rss_mb"])


if __name__ == "__main__":
    main()
