def test_search_returns_passages_with_both_scores(client):
    r = client.post("/search", json={"query": "德令哈给孩子们放了什么红色电影", "top_k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["results"]) == 5 and body["timings_ms"]["total"] > 0
    top = body["results"][0]
    assert top["doc_id"] == "002_585aae8c6ae96317.txt"
    assert any("英雄儿女" in h["text"] for h in body["results"][:3])
    assert set(top["scores"]) == {"dense", "lexical"}
    assert top["end"] > top["start"]


def test_search_filters_by_document(client):
    r = client.post("/search", json={"query": "志愿服务", "doc_ids": ["003_fb165993d270e350.txt"]})
    assert {h["doc_id"] for h in r.json()["results"]} == {"003_fb165993d270e350.txt"}
    r = client.post("/search", json={"query": "志愿服务", "doc_ids": ["nope.txt"]})
    assert r.status_code == 404 and "nope.txt" in r.json()["detail"]


def test_bad_search_requests_are_4xx_with_a_reason(client):
    cases = [({"query": "   "}, "empty"), ({"query": "问" * 501}, "at most 500"), ({"query": "问", "top_k": 0}, "top_k"),
             ({"query": "问", "top_k": 51}, "top_k"), ({}, "query"), ({"query": "问", "mode": "magic"}, "mode"),
             ({"query": "问", "pages": [0]}, "pages"), ({"query": "问", "pages": [2 ** 63]}, "pages")]
    for body, reason in cases:
        r = client.post("/search", json=body)
        assert r.status_code == 422, body
        assert reason in r.json()["detail"], (body, r.json()["detail"])


def test_oversized_body_is_413(client):
    r = client.post("/search", content=b'{"query": "' + b"a" * 70000 + b'"}', headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_health_and_metrics(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["answer_mode"] == "extractive"
    client.post("/search", json={"query": "潮州"})
    metrics = client.get("/metrics").text
    assert 'rag_requests_total{method="POST",route="/search",status="200"}' in metrics


def test_health_search_ask_and_chat_are_503_without_an_index(tmp_path, embedder):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from rag.config import Settings
    from rag.engine import Engine

    settings = Settings(index_dir=tmp_path / "none")
    with TestClient(create_app(settings, Engine(settings, embedder=embedder))) as c:
        assert c.get("/health").status_code == 503
        for path, body in (("/search", {"query": "问题"}), ("/ask", {"question": "问题"}),
                           ("/v1/chat/completions", {"model": "rag-zh", "messages": [{"role": "user", "content": "问题"}]})):
            r = c.post(path, json=body)
            assert r.status_code == 503 and "rag index" in r.json()["detail"], (path, r.text)


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert {"/search", "/ask", "/v1/chat/completions", "/documents", "/health"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
