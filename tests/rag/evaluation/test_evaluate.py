import json
import math

import pytest

from rag.evaluation import datasets, evaluate
from rag.evaluation.evaluate import Retrieved, percentile, ranx_scores
from rag.search.retrieval import SearchConfig
from tests.conftest import REPO


def test_metrics_match_hand_computed_values():
    judged = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    run = {"q1": {"x": 3.0, "a": 2.0, "b": 1.0}, "q2": {"c": 2.0, "y": 1.0}}
    m = ranx_scores(judged, run, ("hit_rate@1", "hit_rate@3", "mrr@10", "recall@1", "recall@3", "ndcg@3"))
    assert m["hit_rate@1"] == pytest.approx(0.5)
    assert m["hit_rate@3"] == pytest.approx(1.0)
    assert m["mrr@10"] == pytest.approx((1 / 2 + 1) / 2)
    assert m["recall@1"] == pytest.approx((0 + 1) / 2)
    assert m["recall@3"] == pytest.approx(1.0)
    q1 = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m["ndcg@3"] == pytest.approx((q1 + 1) / 2)


def test_a_query_with_no_results_scores_zero():
    m = ranx_scores({"q1": {"a": 1}}, {}, ("hit_rate@5", "mrr@10"))
    assert m == {"hit_rate@5": 0.0, "mrr@10": 0.0}


def test_percentile():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([], 50) == 0.0


def test_evidence_relevance_ignores_white_space():
    q = datasets.Question(id="q", question="谁？", evidence=("汤亚兴带领",))
    assert datasets.is_relevant(q, "c1", "“中国好人”汤亚兴\n带领志愿团队")
    assert not datasets.is_relevant(q, "c1", "汤亚兴")


def test_evaluate_retrieval_with_a_scripted_searcher():
    data = datasets.Dataset("t", (datasets.Question("q1", "问一", ("甲乙",)), datasets.Question("q2", "问二", ("丙丁",)),
                                  datasets.Question("u1", "问三", (), answerable=False)))
    answers = {"问一": [Retrieved("c9", "无关", 1.0), Retrieved("c1", "有甲乙", 0.5)], "问二": [Retrieved("c2", "丙丁在此", 1.0)]}
    report = evaluate.evaluate_retrieval(data, lambda q, k, cfg: answers[q], SearchConfig(), "scripted")
    assert report.metrics["hit_rate@1"] == pytest.approx(0.5)
    assert report.metrics["mrr@10"] == pytest.approx(0.75)
    assert [m["id"] for m in report.misses] == ["q1"] and report.misses[0]["first_relevant_rank"] == 2


def test_jsonl_beir_trec_round_trip(tmp_path):
    data = datasets.load(REPO / "eval" / "seeds")
    passages = {"c1": {"title": "t", "text": "由13位专家围绕特定主题精心备课，第一季13讲"},
                "c2": {"title": "t", "text": "成都市劳动人民文化宫启动"}, "c3": {"title": "t", "text": "无关"}}
    datasets.save_beir(data, passages, tmp_path / "beir")
    back = datasets.load(tmp_path / "beir")
    assert len(back.questions) == len(data.questions) and len(back.corpus) == 3
    by_id = {q.id: q for q in back.questions}
    assert by_id["q007"].relevant_ids == ("c1",) and by_id["q022"].relevant_ids == ("c2",)
    assert by_id["u001"].answerable is False
    assert by_id["q007"].evidence == data.questions[6].evidence

    judged = datasets.qrels(data, {k: v["text"] for k, v in passages.items()})
    datasets.save_trec_qrels(judged, tmp_path / "qrels.trec")
    assert datasets.load_trec_qrels(tmp_path / "qrels.trec") == judged

    datasets.save_jsonl(data, tmp_path / "q.jsonl")
    assert datasets.load(tmp_path / "q.jsonl").questions == data.questions


def test_seed_question_set_is_sound():
    """At least 80 questions over every seed file, 10+ unanswerable, every evidence string in its file."""
    from rag.ingest.layout import split_articles

    data = datasets.load(REPO / "eval" / "seeds")
    assert len(data.questions) >= 80 and len(data.questions) - len(data.answerable) >= 10
    texts = {p.name: datasets.squash("".join(a.text for a in split_articles(p.name, p.read_text(encoding="utf-8"))))
             for p in (REPO / "seeds").glob("*.txt")}
    assert {q.doc_id for q in data.answerable} == set(texts)
    for q in data.answerable:
        assert all(datasets.squash(e) in texts[q.doc_id] for e in q.evidence), q.id


@pytest.mark.parametrize("bad,message", [('{"question": "x"}', "not a valid question"),
                                         ('{"id": 1, "question": "x", "answerable": true}', "no evidence")])
def test_bad_dataset_lines_are_named(tmp_path, bad, message):
    p = tmp_path / "q.jsonl"
    p.write_text(bad + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        datasets.load(p)


@pytest.mark.parametrize("dataset, key", [("seeds", "metrics"), ("lowoverlap", "lowoverlap")])
def test_regression_gate(seeds_engine, dataset, key):
    """The default setup must not fall below the recorded scores (eval/seeds/baseline.json) minus a margin."""
    baseline = json.loads((REPO / "eval" / "seeds" / "baseline.json").read_text())
    data = datasets.load(REPO / "eval" / dataset)
    store = seeds_engine.snapshot().store
    passages = {c.chunk_id: c.text for c in store.chunks_by_id(store.chunk_rows()).values()}
    report = evaluate.evaluate_retrieval(data, evaluate.local_searcher(seeds_engine), seeds_engine.config,
                                         "default", passages)
    for metric, recorded in baseline[key].items():
        assert report.metrics[metric] >= recorded - baseline["margin"], (metric, report.metrics[metric], recorded)
