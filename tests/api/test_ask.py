import re

import pytest

QUESTIONS = ["谁带着志愿者去居民区给居民理发？", "德令哈市文明办给孩子们放了哪部红色电影？", "潮州建成了多少座城市文明小景观？"]


def _check_citations(body):
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    numbers = {c["n"] for c in body["citations"]}
    assert markers and markers == numbers
    text = body["answer"]
    if body["short_answer"]:
        text = text.removeprefix(body["short_answer"]["text"] + "。")
    for sentence, n in re.findall(r"([^\[\]]+?)\[(\d+)\]", text):
        cited = next(c for c in body["citations"] if c["n"] == int(n))
        assert sentence.strip() in cited["text"]
        a, b = cited["highlight"]
        assert cited["text"][a:b].strip() in body["answer"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_cite_passages_that_hold_them(client, question):
    r = client.post("/ask", json={"question": question})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refused"] is False
    _check_citations(body)
    assert {"analyse", "evidence", "verify", "compose", "total"} <= set(body["timings_ms"])


def test_the_answer_holds_the_fact(client):
    body = client.post("/ask", json={"question": "潮州建成了多少座城市文明小景观？"}).json()
    assert "18座" in body["answer"]


def test_question_about_an_absent_name_is_refused_and_says_why(client):
    body = client.post("/ask", json={"question": "杭州亚运会的吉祥物叫什么？"}).json()
    assert body["refused"] is True and body["citations"] == [] and body["short_answer"] is None
    assert body["refusal_reason"] == "entity_absent"
    assert body["answer"] == "资料中没有关于杭州亚运会的内容。"
    assert body["related"] and all(r["text"] for r in body["related"])  # related material, not citations


def test_present_place_with_an_absent_figure_is_refused(client):
    body = client.post("/ask", json={"question": "白银市2021年的常住人口是多少？"}).json()
    assert body["refused"] is True and body["refusal_reason"] == "no_typed_answer"
    assert body["answer"] == "资料提到了白银市，但没有常住人口的数字。"
    assert body["analysis"]["answer_type"] == "number" and body["analysis"]["focus"] == "常住人口"


def test_off_topic_question_is_refused_as_weak_evidence(client):
    body = client.post("/ask", json={"question": "明天下午会下雨吗？"}).json()
    assert body["refused"] is True and body["refusal_reason"] == "weak_evidence"
    assert body["answer"].startswith("资料中没有找到")


@pytest.mark.parametrize("question, short, kind", [
    ("潮州建成了多少座城市文明小景观？", "18座", "number"),
    ("德令哈市文明办给孩子们放了哪部红色电影？", "《英雄儿女》", "work"),
    ("哪位中国好人带着志愿者去居民区给居民剪头发？", "汤亚兴", "person"),
    ("小人书里的红色平城故事展是什么时候在网上开展的？", "2月3日", "date"),
    ("李敦瑞是谁？", "市委党校经济学教研部副主任", "identity"),
])
def test_short_answer_leads_and_points_into_its_citation(client, question, short, kind):
    body = client.post("/ask", json={"question": question}).json()
    assert body["analysis"]["answer_type"] == kind
    s = body["short_answer"]
    assert s["text"] == short and body["answer"].startswith(short + "。")
    cited = next(c for c in body["citations"] if c["n"] == s["n"])
    assert cited["text"][s["start"]:s["end"]] == short
    a, b = cited["highlight"]
    assert a <= s["start"] and s["end"] <= b  # the highlighted sentence holds the short answer


@pytest.mark.parametrize("payload", [{"question": ""}, {"question": " \n "}, {"question": "问" * 501},
                                     {"question": "问", "top_k": 99}])
def test_bad_questions_are_422(client, payload):
    r = client.post("/ask", json=payload)
    assert r.status_code == 422 and r.json()["detail"]
