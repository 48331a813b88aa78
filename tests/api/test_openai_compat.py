import json
import re
import socket
import threading
import time

import pytest
import uvicorn


@pytest.fixture
def server(index_copy, embedder):
    """The real app on a loopback port, for the real `openai` client."""
    from api.app import create_app
    from rag.config import Settings
    from rag.engine import Engine

    settings = Settings(index_dir=index_copy, api_key="reader-key")
    app = create_app(settings, Engine(settings, embedder=embedder))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_openai_client_non_streaming(server):
    from openai import OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="reader-key")
    assert [m.id for m in client.models.list().data] == ["rag-zh"]
    resp = client.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": "潮州建成了多少座城市文明小景观？"}])
    text = resp.choices[0].message.content
    assert "18座" in text and re.search(r"\[\d+\]", text)
    citations = resp.model_extra["citations"]
    assert citations and all(c["doc_id"].endswith(".txt") for c in citations)


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
