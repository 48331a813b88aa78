import pytest

from rag.evaluation.datasets import Dataset, Question, is_relevant, qrels


def test_qrels_judges_as_is_relevant_does_across_line_breaks_and_explicit_ids():
    questions = (Question("q1", "哪里开展垃圾分类？", evidence=("垃圾 分类",)),
                 Question("q2", "谁获得表彰？", relevant_ids=("c3",)),
                 Question("q3", "没有答案", answerable=False),
                 Question("q4", "图书馆几点开门？", evidence=("九点开门",)))
    passages = {"c1": "社区开展垃\n圾分类宣传", "c2": "志愿服务", "c3": "表彰大会", "c4": "垃圾 分 类"}
    judged = qrels(Dataset("t", questions), passages)
    assert judged == {"q1": {"c1": 1, "c4": 1}, "q2": {"c3": 1}}
    expected = {q.id: {c: 1 for c, t in passages.items() if is_relevant(q, c, t)} for q in questions if q.answerable}
    assert judged == {q: rel for q, rel in expected.items() if rel}


def test_evidence_that_is_not_a_list_of_strings_is_refused_and_names_the_question():
    with pytest.raises(ValueError, match=r"question q7: evidence must be a list of strings, found \['甲', '乙'\]"):
        Question(id="q7", question="哪些？", evidence=("丙", ["甲", "乙"]))
