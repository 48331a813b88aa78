import re

import pytest

QUESTIONS = ["谁带着志愿者去居民区给居民理发？", "德令哈市文明办给孩子们放了哪部红色电影？", "潮州建成了多少座城市文明小景观？"]


def _check_citations(body):
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    numbers = {c["n"] for c in body["citations"]}
    assert markers and markers == numbers
    for sentence, n in re.findall(r"([^\[\]]+?)\[(\d+)\]", body["answer"]):
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
    assert {"answer", "total"} <= set(body["timings_ms"])


def test_the_answer_holds_the_fact(client):
    body = client.post("/ask", json={"question": "潮州建成了多少座城市文明小景观？"}).json()
    assert "18座" in body["answer"]


def test_off_topic_question_is_refused(client):
    body = client.post("/ask", json={"question": "杭州亚运会的吉祥物叫什么？"}).json()
    assert body["refused"] is True and body["citations"] == []
    assert body["answer"].startswith("资料中没有找到")


@pytest.mark.parametrize("payload", [{"question": ""}, {"question": " \n "}, {"question": "问" * 501},
                                     {"question": "问", "top_k": 99}])
def test_bad_questions_are_422(client, payload):
    r = client.post("/ask", json=payload)
    assert r.status_code == 422 and r.json()["detail"]
