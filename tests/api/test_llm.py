"""Generated answers through an OpenAI-compatible endpoint: a small fake one on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ANSWER = "潮州建成了18座城市文明小景观[1]，涵养市民文明素质[9]。"


class FakeLLM(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeLLM.seen.append(body)
        question = body["messages"][-1]["content"]
        text = "资料中没有找到与这个问题相关的内容。" if "经验" in question else ANSWER
        if body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for piece in (text[:10], text[10:]):
                self.wfile.write(f"data: {json.dumps({'choices': [{'delta': {'content': piece}}]})}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def fake_llm():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    FakeLLM.seen = []
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()


def test_llm_answer_keeps_only_valid_markers(make_client, fake_llm):
    with make_client(llm_base_url=fake_llm, llm_model="fake", llm_api_key="sk-test") as c:
        assert c.get("/health").json()["answer_mode"] == "llm"
        body = c.post("/ask", json={"question": "潮州建成了多少座城市文明小景观？"}).json()
    assert body["answer"] == "潮州建成了18座城市文明小景观[1]，涵养市民文明素质。"
    assert [c["n"] for c in body["citations"]] == [1]
    prompt = FakeLLM.seen[-1]["messages"]
    assert "[1]" in prompt[1]["content"] and "只根据下面编号的资料" in prompt[0]["content"]


def test_llm_answer_gets_the_short_answer_of_its_cited_passage(make_client, fake_llm):
    with make_client(llm_base_url=fake_llm, llm_model="fake") as c:
        body = c.post("/ask", json={"question": "潮州建成了多少座城市文明小景观？"}).json()
    s = body["short_answer"]
    assert s["text"] == "18座" and s["n"] == 1
    assert body["citations"][0]["text"][s["start"]:s["end"]] == "18座"


def test_verification_refuses_before_the_llm_is_asked(make_client, fake_llm):
    with make_client(llm_base_url=fake_llm, llm_model="fake") as c:
        body = c.post("/ask", json={"question": "杭州亚运会的吉祥物叫什么？"}).json()
    assert body["refused"] is True and body["citations"] == [] and body["refusal_reason"] == "entity_absent"
    assert FakeLLM.seen == []


def test_llm_refusal_is_passed_on(make_client, fake_llm):
    with make_client(llm_base_url=fake_llm, llm_model="fake") as c:
        body = c.post("/ask", json={"question": "潮州建设城市文明小景观有什么经验？"}).json()
    assert FakeLLM.seen and body["refused"] is True and body["citations"] == []


def test_llm_streaming_through_chat(make_client, fake_llm):
    with make_client(llm_base_url=fake_llm, llm_model="fake") as c:
        with c.stream("POST", "/v1/chat/completions", json={"stream": True, "messages": [
                {"role": "user", "content": "潮州建成了多少座城市文明小景观？"}]}) as r:
            events = [json.loads(line[6:]) for line in r.iter_lines()
                      if line.startswith("data: ") and line != "data: [DONE]"]
    assert events[0]["sources"]
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events) == ANSWER
    assert [c["n"] for c in events[-1]["citations"]] == [1]
