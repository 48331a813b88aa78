import json
import re

import pytest


@pytest.fixture
def server(live_server):
    return live_server(api_key="reader-key")


def test_openai_client_non_streaming(server):
    from openai import OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="reader-key")
    assert [m.id for m in client.models.list().data] == ["rag-zh"]
    resp = client.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": "潮州建成了多少座城市文明小景观？"}])
    text = resp.choices[0].message.content
    assert "18座" in text and re.search(r"\[\d+\]", text)
    citations = resp.model_extra["citations"]
    assert citations and all(c["doc_id"].endswith(".txt") for c in citations)
    short = resp.model_extra["short_answer"]
    assert short["text"] == "18座" and text.startswith("18座。")
    assert resp.model_extra["refused"] is False and resp.model_extra["refusal_reason"] is None
    assert resp.model_extra["analysis"]["answer_type"] == "number"


def test_openai_client_streaming_sends_sources_first(server):
    from openai import OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="reader-key")
    chunks = list(client.chat.completions.create(
        model="rag-zh", stream=True, messages=[{"role": "user", "content": "谁带着志愿者给居民理发？"}]))
    assert chunks[0].model_extra.get("sources"), "the first chunk carries the sources"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "汤亚兴" in text
    last = [c for c in chunks if c.model_extra.get("citations") is not None][-1]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert markers == {c["n"] for c in last.model_extra["citations"]}
    assert last.model_extra["short_answer"]["text"] == "汤亚兴"


def test_openai_client_without_key_is_rejected(server):
    from openai import AuthenticationError, OpenAI

    with pytest.raises(AuthenticationError):
        OpenAI(base_url=server + "/v1", api_key="wrong").models.list()


def test_chat_validation(client):
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]})
    assert r.status_code == 422 and "user message" in r.json()["detail"]
    r = client.post("/v1/chat/completions", json={"messages": []})
    assert r.status_code == 422


def test_streaming_over_sse(client):
    with client.stream("POST", "/v1/chat/completions",
                       json={"stream": True, "messages": [{"role": "user", "content": "杭州亚运会的吉祥物叫什么？"}]}) as r:
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    last = json.loads(events[-2])
    assert last["refused"] is True and last["citations"] == []
    assert last["refusal_reason"] == "entity_absent" and last["related"]
