"""Answer metrics on a small set with the real model, and the regression gate on the seed set."""

import json


from rag.evaluation import datasets
from rag.evaluation.answers import answer_table, evaluate_answers
from tests.conftest import REPO


def _dataset(tmp_path):
    rows = [
        {"id": "a1", "question": "潮州建成了多少座城市文明小景观？", "evidence": ["18座城市文明小景观"], "type": "number",
         "short_answers": ["18座"], "split": "dev", "doc_id": "003_fb165993d270e350.txt"},
        {"id": "a2", "question": "德令哈市文明办给孩子们放了哪部红色电影？", "evidence": ["《英雄儿女》"], "type": "work",
         "short_answers": ["英雄儿女"], "split": "test", "doc_id": "002_585aae8c6ae96317.txt"},
        {"id": "u1", "question": "杭州市建成了多少个新时代文明实践站？", "answerable": False, "refusal_kind": "entity_absent",
         "split": "dev"},
        {"id": "u2", "question": "白银市2021年的常住人口是多少？", "answerable": False, "refusal_kind": "no_typed_answer",
         "split": "test"},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return datasets.load(path)


def test_answer_metrics_per_split(seeds_engine, tmp_path):
    report = evaluate_answers(_dataset(tmp_path), seeds_engine)
    m = report.metrics["all"]
    assert m["short_answer_contains"] == 1.0  # 英雄儿女 is inside 《英雄儿女》
    assert m["short_answer_exact"] == 0.5  # 18座 is exact, 《英雄儿女》 is not
    assert m["refusal_recall"] == 1.0 and m["false_refusal_rate"] == 0.0 and m["citation_hit_rate"] == 1.0
    assert m["refusal_recall[entity_absent]"] == 1.0 and m["refusal_recall[no_typed_answer]"] == 1.0
    assert set(report.metrics) == {"all", "dev", "test"} and report.metrics["dev"]["factoid_questions"] == 1
    # Stricter thresholds refuse more, never fewer.
    recalls = [p["recall_threshold_only"] for p in report.curve]
    assert recalls == sorted(recalls) and report.curve[0]["threshold"] == 0.5
    assert "| dev |" in answer_table(report)


def test_answer_regression_gate(seeds_engine):
    """Short answers and refusals must not fall below eval/seeds/baseline.json minus its margin (test split)."""
    baseline = json.loads((REPO / "eval" / "seeds" / "baseline.json").read_text())
    report = evaluate_answers(datasets.load(REPO / "eval" / "seeds"), seeds_engine)
    for split, metrics in baseline["answers"].items():
        for metric, recorded in metrics.items():
            got = report.metrics[split][metric]
            if metric == "false_refusal_rate":
                assert got <= recorded + baseline["margin"], (split, metric, got, recorded)
            else:
                assert got >= recorded - baseline["margin"], (split, metric, got, recorded)
