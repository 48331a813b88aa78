"""Collections and newspaper metadata through HTTP: two archives in one service never answer for each other;
deleting a collection removes all of it; metadata from fields, sidecars and PATCH filters the search."""

import json

import pytest

PAPER_A = "本报讯（记者 王明）某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次，已送书三千册。\n".encode()
PAPER_B = "本报讯（记者 李华）某县图书馆开设“流动书车”阅读点，每月为山区学校送书一次，已送书五百册。\n".encode()
ADMIN = {"Authorization": "Bearer admin-secret"}


def _upload(client, name, data, **form):
    return client.post("/documents", files=[("files", (name, data, "text/plain"))], data=form, headers=ADMIN)


@pytest.fixture
def admin_client(make_client):
    with make_client(admin_key="admin-secret",
                     collection_keys={"key-a": ["paper-a"], "key-both": ["paper-a", "paper-b"]}) as c:
        yield c


def test_two_collections_never_answer_for_each_other(admin_client):
    c = admin_client
    for name in ("paper-a", "paper-b"):
        assert c.post("/collections", json={"name": name, "description": name}, headers=ADMIN).status_code == 201
    assert _upload(c, "a.txt", PAPER_A, collection="paper-a").status_code == 201
    assert _upload(c, "b.txt", PAPER_B, collection="paper-b").status_code == 201

    hits = c.post("/search", json={"query": "流动书车送书", "collection": "paper-a", "top_k": 50},
                  headers=ADMIN).json()["results"]
    assert {h["doc_id"] for h in hits} == {"a.txt"} and hits[0]["collection"] == "paper-a"
    # The default collection (the seeds) knows neither; asking both gets both.
    default = c.post("/search", json={"query": "流动书车送书", "top_k": 50}, headers=ADMIN).json()["results"]
    assert not {"a.txt", "b.txt"} & {h["doc_id"] for h in default}
    both = c.post("/search", json={"query": "流动书车送书", "collection": ["paper-a", "paper-b"], "top_k": 5},
                  headers=ADMIN).json()
    assert {h["doc_id"] for h in both["results"]} == {"a.txt", "b.txt"}
    assert both["filters"]["collections"] == ["paper-a", "paper-b"]

    answer = c.post("/ask", json={"question": "流动书车已送书多少册？", "collection": "paper-b"}, headers=ADMIN).json()
    assert {x["doc_id"] for x in answer["citations"]} <= {"b.txt"} and "五百册" in answer["answer"]

    # A key limited to paper-a reads only paper-a, by default and when it asks for more.
    key_a = {"Authorization": "Bearer key-a"}
    hits = c.post("/search", json={"query": "流动书车送书", "top_k": 50}, headers=key_a).json()["results"]
    assert {h["doc_id"] for h in hits} == {"a.txt"}
    r = c.post("/search", json={"query": "流动书车", "collection": "paper-b"}, headers=key_a)
    assert r.status_code == 403 and "paper-b" in r.json()["detail"]
    assert [x["name"] for x in c.get("/collections", headers=key_a).json()] == ["paper-a"]
    assert c.get("/documents/b.txt", headers=key_a).status_code == 404
    models = [m["id"] for m in c.get("/v1/models", headers={"Authorization": "Bearer key-both"}).json()["data"]]
    assert models == ["rag-zh/paper-a", "rag-zh/paper-b"]
    chat = c.post("/v1/chat/completions", headers=ADMIN, json={
        "model": "rag-zh/paper-a", "messages": [{"role": "user", "content": "流动书车已送书多少册？"}]}).json()
    assert {x["doc_id"] for x in chat["citations"]} <= {"a.txt"} and "三千册" in chat["choices"][0]["message"]["content"]

    # Deleting a collection removes its documents from every leg, and they never come back.
    r = c.delete("/collections/paper-b", headers=ADMIN)
    assert r.status_code == 200 and r.json()["documents"] == 1
    for mode in ("hybrid", "dense", "lexical"):
        hits = c.post("/search", json={"query": "山区学校送书", "collection": ["paper-a"], "top_k": 50, "mode": mode},
                      headers=ADMIN).json()["results"]
        assert all("山区学校" not in h["text"] for h in hits)
    assert c.get("/documents/b.txt", headers=ADMIN).status_code == 404
    assert c.post("/search", json={"query": "送书", "collection": "paper-b"}, headers=ADMIN).status_code == 404


def test_collection_mistakes_are_clear_and_change_nothing(admin_client):
    c = admin_client
    assert c.post("/collections", json={"name": "bad name!"}, headers=ADMIN).status_code == 422
    assert c.post("/collections", json={"name": "paper-a"}, headers=ADMIN).status_code == 201
    r = c.post("/collections", json={"name": "paper-a"}, headers=ADMIN)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]
    r = _upload(c, "a.txt", PAPER_A, collection="nowhere")
    assert r.status_code == 404 and "nowhere" in r.json()["detail"]
    assert _upload(c, "a.txt", PAPER_A, collection="paper-a").status_code == 201
    r = _upload(c, "a.txt", PAPER_A)  # the same file name into the default collection
    assert r.status_code == 409 and "paper-a" in r.json()["detail"]
    r = c.delete("/collections/default", headers=ADMIN)
    assert r.status_code == 409 and "cannot be deleted" in r.json()["detail"]
    assert c.delete("/collections/nowhere", headers=ADMIN).status_code == 404
    assert c.post("/collections", json={"name": "x"}).status_code == 401  # writes need the admin key


def test_metadata_from_fields_sidecar_and_patch_filters_the_search(admin_client):
    c = admin_client
    sidecar = json.dumps({"paper": "某市日报", "date": "2021-03-05", "page": 4, "page_name": "文明实践"}).encode()
    r = c.post("/documents", headers=ADMIN, files=[("files", ("a.txt", PAPER_A, "text/plain")),
                                                  ("files", ("a.txt.json", sidecar, "application/json"))])
    assert r.status_code == 201, r.text
    assert _upload(c, "b.txt", PAPER_B, paper="某县报", date="2022-07-01", page="2", authors="李华").status_code == 201
    doc = c.get("/documents/a.txt", headers=ADMIN).json()["document"]
    assert doc["meta"] == {"paper": "某市日报", "date": "2021-03-05", "page": 4, "page_name": "文明实践",
                           "section": None, "authors": ["王明"]}  # the byline, read from the text

    def docs(**scope):
        body = {"query": "流动书车送书", "top_k": 50, **scope}
        return {h["doc_id"] for h in c.post("/search", json=body, headers=ADMIN).json()["results"]} & {"a.txt", "b.txt"}

    assert docs() == {"a.txt", "b.txt"}
    assert docs(date_from="2022-01-01") == {"b.txt"}
    assert docs(date_to="2021-12-31") == {"a.txt"}
    assert docs(papers=["某市日报"]) == {"a.txt"}
    assert docs(pages=[2]) == {"b.txt"}
    assert docs(authors=["李华"]) == {"b.txt"}
    hit = c.post("/search", json={"query": "流动书车送书", "top_k": 1, "pages": [4]}, headers=ADMIN).json()["results"][0]
    assert hit["meta"]["date"] == "2021-03-05" and hit["meta"]["page"] == 4

    # A time expression in the question becomes a date filter when asked for, and the response says so.
    r = c.post("/search", json={"query": "2021年3月流动书车送书", "top_k": 50, "auto_filters": True},
               headers=ADMIN).json()
    assert r["filters"]["date_from"] == "2021-03-01" and r["filters"]["date_to"] == "2021-03-31"
    assert r["filters"]["time_expression"] == "2021年3月" and {h["doc_id"] for h in r["results"]} == {"a.txt"}
    r = c.post("/ask", json={"question": "2022年流动书车送书多少册？", "auto_filters": True}, headers=ADMIN).json()
    assert r["filters"]["time_expression"] == "2022年" and {x["doc_id"] for x in r["citations"]} <= {"b.txt"}

    r = c.patch("/documents/a.txt", json={"page": 2, "section": "图书"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["meta"]["page"] == 2 and r.json()["meta"]["paper"] == "某市日报"
    assert docs(pages=[2]) == {"a.txt", "b.txt"}
    assert docs(sections=["图书"]) == {"a.txt"}
    assert c.patch("/documents/a.txt", json={"date": "2021-13-01"}, headers=ADMIN).status_code == 422
    assert c.patch("/documents/none.txt", json={"page": 1}, headers=ADMIN).status_code == 404


def test_bad_metadata_is_refused_before_anything_is_written(admin_client):
    c = admin_client
    before = len(c.get("/documents", headers=ADMIN).json())
    cases = [
        ({"date": "2021-02-30"}, [], "date"),
        ({"page": "0"}, [], "page"),
        ({}, [("a.txt.json", b"[1, 2]")], "JSON object"),
        ({}, [("a.txt.json", b'{"edition": 3}')], "unknown field edition"),
        ({}, [("a.txt.json", b"{not json")], "not a JSON object"),
        ({}, [("other.json", b'{"page": 1}')], "must come with the file"),
    ]
    for form, extra, reason in cases:
        files = [("files", ("a.txt", PAPER_A, "text/plain"))] + [("files", (n, d, "application/json")) for n, d in extra]
        r = c.post("/documents", headers=ADMIN, files=files, data=form)
        assert r.status_code == 422 and reason in r.json()["detail"], (form, extra, r.text)
    assert len(c.get("/documents", headers=ADMIN).json()) == before
