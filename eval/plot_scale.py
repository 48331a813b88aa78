"""Latency and index size against collection size, from eval/reports/ann-*.json and lexical-*.json.

    python eval/plot_scale.py   # writes eval/reports/scale.png
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPORTS = Path(__file__).resolve().parent / "reports"


def best_ann(rows: list[dict], target: float = 0.95) -> dict[str, dict]:
    """Per index kind, its fastest setting at or above the recall target."""
    out: dict[str, dict] = {}
    for r in rows:
        if r["recall@10"] >= target and (r["index"] not in out or r["p50_ms"] < out[r["index"]]["p50_ms"]):
            out[r["index"]] = r
    return out


def main() -> None:
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(11, 4))
    series: dict[str, list[tuple[int, float, float]]] = {}
    for path in sorted(REPORTS.glob("ann-[0-9]*.json")):
        for name, r in best_ann(json.loads(path.read_text())).items():
            series.setdefault("ANN " + name.split()[0] + (" " + name.split()[1] if "hnsw" in name else ""), []
                              ).append((r["n"], r["p50_ms"], r["bytes"] / 2**20))
    for path in sorted(REPORTS.glob("lexical-*.json")):
        for r in json.loads(path.read_text()):
            series.setdefault(f"BM25 {r['engine']} ({r['analyzer']})", []).append((r["rows"], r["p50_ms"],
                                                                                  r["bytes"] / 2**20))
    for label, points in sorted(series.items()):
        points.sort()
        xs = [p[0] for p in points]
        lat.plot(xs, [p[1] for p in points], marker="o", label=label)
        mem.plot(xs, [p[2] for p in points], marker="o", label=label)
    for ax, title in ((lat, "p50 ms per query (ANN: fastest setting with recall@10 >= 0.95)"),
                      (mem, "index size, MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(title, fontsize=9)
    lat.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(REPORTS / "scale.png", dpi=110)


if __name__ == "__main__":
    main()
