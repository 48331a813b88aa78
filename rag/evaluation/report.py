"""Evaluation reports: Markdown table, PNG chart, per-question misses and TREC run files."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rag.evaluation.datasets import Dataset
from rag.evaluation.answers import AnswerReport, answer_table, curve_chart
from rag.evaluation.evaluate import VariantReport, table

CHART_METRICS = ("hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10")


def chart(reports: list[VariantReport], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(10, 0.55 * len(reports) + 1.8))
    y = np.arange(len(reports))
    height = 0.8 / len(CHART_METRICS)
    for i, metric in enumerate(CHART_METRICS):
        ax.barh(y + i * height, [r.metrics[metric] for r in reports], height, label=metric.replace("hit_rate", "hit"))
    ax.set_yticks(y + 0.4 - height / 2, [r.name for r in reports])
    ax.invert_yaxis()
    ax.set_xlim(min(0.5, min(r.metrics["hit_rate@1"] for r in reports) - 0.05), 1.0)
    ax.legend(loc="lower right", ncols=len(CHART_METRICS), fontsize=8)
    ax.set_title("Retrieval on the question set")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(out_dir: Path, dataset: Dataset, reports: list[VariantReport], answers: AnswerReport | None) -> Path:
    out = Path(out_dir) / dataset.name
    out.mkdir(parents=True, exist_ok=True)
    chart(reports, out / "chart.png")
    with (out / "misses.jsonl").open("w", encoding="utf-8") as fh:
        for r in reports:
            for miss in r.misses:
                fh.write(json.dumps({"variant": r.name, **miss}, ensure_ascii=False) + "\n")
    if answers:
        curve_chart(answers, out / "refusal.png")
        with (out / "answers.jsonl").open("w", encoding="utf-8") as fh:
            for row in answers.rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n_answerable = len(dataset.answerable)
    lines = [
        f"# Evaluation: {dataset.name}", "",
        f"{len(dataset.questions)} questions ({n_answerable} answerable, {len(dataset.questions) - n_answerable} "
        f"unanswerable); written {time.strftime('%Y-%m-%d %H:%M')}.",
        "A passage is relevant when it contains an evidence string. Metrics by ranx; latency in process.", "",
        "## Retrieval", "", table(reports), "", "![chart](chart.png)", "",
    ]
    if answers:
        lines += ["## Answers (extractive)", "",
                  "Short-answer accuracy is over answerable factoid questions (number, money, date, person, place, "
                  "organisation, title): `contains` when a gold short answer is inside the short answer, `exact` when "
                  "it is one. False refusals are over answerable questions. Per-question rows: `answers.jsonl`.", "",
                  answer_table(answers), "", "![refusal](refusal.png)", ""]
    lines += ["## Misses", "", "Questions whose first result holds no evidence, per variant: `misses.jsonl`."]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "report.md"
