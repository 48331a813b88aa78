"""Scoring answers: short-answer accuracy on factoid questions, citations, refusals and their trade-off.

One pass asks every question with the evidence threshold off and records what verification decided and
the best evidence score; the refusals at any threshold follow from those two, so the strictness curve
(refusal recall against false refusals) costs no second pass and the figures at the configured threshold
are exactly what the service does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from rag.answering.question import TYPED
from rag.answering.types import AnswerConfig
from rag.evaluation.datasets import Dataset, is_relevant, squash
from rag.evaluation.evaluate import percentile
from rag.search.filters import Filters

ANSWER_METRICS = ("short_answer_contains", "short_answer_exact", "citation_hit_rate", "refusal_recall",
                  "false_refusal_rate", "refusal_precision", "answer_chars")


@dataclass
class AnswerReport:
    metrics: dict[str, dict[str, float]]  # split ("all", "dev", "test") -> metric -> value
    latency_ms: dict[str, float]
    curve: list[dict[str, float]]  # threshold, and recall / false refusals with and without verification
    rows: list[dict] = field(default_factory=list)


def evaluate_answers(dataset: Dataset, engine, top_k: int = 5, config: AnswerConfig = AnswerConfig(),
                     filters: Filters | None = None) -> AnswerReport:
    from rag.answering.pipeline import QuestionAnswerer

    # The threshold is applied below, from each row's evidence score; verification runs as configured.
    qa = QuestionAnswerer(engine, replace(config, refuse_below=0.0))
    rows, latencies = [], []
    for q in dataset.questions:
        t = time.perf_counter()
        a = qa.ask(q.question, top_k, filters).answer
        latencies.append((time.perf_counter() - t) * 1000)
        short = a.short_answer.text if a.short_answer else None
        gold = [squash(g) for g in q.short_answers]
        rows.append({
            "id": q.id, "split": q.split or "all", "type": q.type, "answerable": q.answerable,
            "refusal_kind": q.refusal_kind, "question": q.question,
            "verified_reason": a.refusal_reason.value if a.refused else None, "evidence": round(a.evidence, 4),
            "short_answer": short, "gold": list(q.short_answers), "answer": a.text,
            "short_contains": bool(short) and any(g in squash(short) for g in gold),
            "short_exact": bool(short) and squash(short) in gold,
            "cited_holds_evidence": any(is_relevant(q, c.hit.chunk.chunk_id, c.hit.chunk.text) for c in a.citations),
        })
    for r in rows:  # what the service answers at the configured threshold
        r["refused"] = r["verified_reason"] is not None or r["evidence"] < config.refuse_below
        r["refusal_reason"] = r["verified_reason"] or ("weak_evidence" if r["refused"] else None)
    splits = {"all": rows, **{s: [r for r in rows if r["split"] == s] for s in ("dev", "test")}}
    return AnswerReport(metrics={s: _metrics(rs) for s, rs in splits.items() if rs},
                        latency_ms={"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
                        curve=_curve(rows), rows=rows)


def _ratio(n: int, d: int) -> float:
    return n / d if d else 0.0


def _metrics(rows: list[dict]) -> dict[str, float]:
    answerable = [r for r in rows if r["answerable"]]
    answered = [r for r in answerable if not r["refused"]]
    factoid = [r for r in answerable if r["type"] in TYPED]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if r["refused"]]
    out = {
        "short_answer_contains": _ratio(sum(r["short_contains"] and not r["refused"] for r in factoid), len(factoid)),
        "short_answer_exact": _ratio(sum(r["short_exact"] and not r["refused"] for r in factoid), len(factoid)),
        "citation_hit_rate": _ratio(sum(r["cited_holds_evidence"] for r in answered), len(answered)),
        "refusal_recall": _ratio(sum(r["refused"] for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(r["refused"] for r in answerable), len(answerable)),
        "refusal_precision": _ratio(sum(not r["answerable"] for r in refused), len(refused)),
        "answer_chars": _ratio(sum(len(r["answer"]) for r in answered), len(answered)),
        "factoid_questions": float(len(factoid)), "unanswerable_questions": float(len(unanswerable)),
    }
    for kind in sorted({r["refusal_kind"] for r in unanswerable if r["refusal_kind"]}):
        of_kind = [r for r in unanswerable if r["refusal_kind"] == kind]
        out[f"refusal_recall[{kind}]"] = _ratio(sum(r["refused"] for r in of_kind), len(of_kind))
    return out


def _curve(rows: list[dict]) -> list[dict[str, float]]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    points = []
    for i in range(0, 21):
        t = 0.5 + i * 0.02
        verified = lambda r, t=t: r["verified_reason"] is not None or r["evidence"] < t  # noqa: E731
        threshold = lambda r, t=t: r["evidence"] < t  # noqa: E731
        points.append({
            "threshold": round(t, 2),
            "recall": _ratio(sum(map(verified, unanswerable)), len(unanswerable)),
            "false_refusals": _ratio(sum(map(verified, answerable)), len(answerable)),
            "recall_threshold_only": _ratio(sum(map(threshold, unanswerable)), len(unanswerable)),
            "false_refusals_threshold_only": _ratio(sum(map(threshold, answerable)), len(answerable)),
        })
    return points


def answer_table(report: AnswerReport) -> str:
    head = ("| split | short answer (contains) | short answer (exact) | citation hit | refusal recall | "
            "false refusals | refusal precision | answer chars |")
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    for split, m in report.metrics.items():
        rows.append(f"| {split} | " + " | ".join(
            f"{m[k]:.1f}" if k == "answer_chars" else f"{m[k]:.3f}" for k in ANSWER_METRICS) + " |")
    rows.append(f"\np50 {report.latency_ms['p50']:.0f} ms, p95 {report.latency_ms['p95']:.0f} ms per question "
                "(in process).")
    return "\n".join(rows)


def curve_chart(report: AnswerReport, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for suffix, label in (("", "verification + threshold"), ("_threshold_only", "threshold only")):
        xs = [p[f"false_refusals{suffix}"] for p in report.curve]
        ys = [p[f"recall{suffix}"] for p in report.curve]
        ax.plot(xs, ys, marker="o", markersize=3, label=label)
    ax.set_xlabel("false refusals (share of answerable questions)")
    ax.set_ylabel("refusal recall (share of unanswerable refused)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Refusal as the evidence threshold varies (0.50-0.90)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
