import threading

PAGE = "本报讯（记者 王明）3月8日，某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次。\n".encode()


def _upload(client, *files, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/documents", files=[("files", f) for f in files], headers=headers)


def test_upload_then_delete(client):
    r = _upload(client, ("books.txt", PAGE, "text/plain"))
    assert r.status_code == 201, r.text
    assert r.json()["documents"][0] == {"doc_id": "books.txt", "status": "added", "articles": 1, "chunks": 1}
    assert "books.txt" in [d["doc_id"] for d in client.get("/documents").json()]
    hits = client.post("/search", json={"query": "流动书车送书", "top_k": 3}).json()["results"]
    assert hits[0]["doc_id"] == "books.txt"

    assert client.delete("/documents/books.txt").status_code == 200
    for mode in ("hybrid", "dense", "lexical"):
        hits = client.post("/search", json={"query": "流动书车送书", "top_k": 50, "mode": mode}).json()["results"]
        assert all(h["doc_id"] != "books.txt" and "流动书车" not in h["text"] for h in hits)
    assert client.delete("/documents/books.txt").status_code == 404


def test_same_file_again_is_unchanged(client):
    _upload(client, ("books.txt", PAGE, "text/plain"))
    r = _upload(client, ("books.txt", PAGE, "text/plain"))
    assert r.json()["documents"][0]["status"] == "unchanged"


def test_bad_uploads_are_refused_and_write_nothing(client):
    build = client.get("/health").json()["build_id"]
    cases = [
        ([("a.xyz", b"%PDF-1.4", "application/octet-stream")], 415, "unsupported file type"),
        ([("a.txt", b"\x81\xff" * 30, "text/plain")], 422, "cannot tell the text encoding"),
        ([("ok.txt", PAGE, "text/plain"), ("bad.txt", b"\xff\xfe\x00", "text/plain")], 422, "bad.txt"),
        ([("empty.md", b"  ", "text/markdown")], 422, "empty"),
    ]
    for files, code, reason in cases:
        r = _upload(client, *files)
        assert r.status_code == code and reason in r.json()["detail"], (files[0][0], r.text)
    assert client.get("/health").json()["build_id"] == build
    assert "ok.txt" not in [d["doc_id"] for d in client.get("/documents").json()]


def test_oversized_upload_is_413(make_client):
    with make_client(max_upload_bytes=1000) as c:
        r = _upload(c, ("big.txt", "文".encode() * 2000, "text/plain"))
        assert r.status_code == 413


def test_reads_are_served_while_a_write_runs(client):
    pages = [(f"p{i}.txt", PAGE + f"第{i}页。".encode(), "text/plain") for i in range(8)]
    done = threading.Event()
    result = {}

    def write():
        result["r"] = _upload(client, *pages)
        done.set()

    t = threading.Thread(target=write)
    t.start()
    served = 0
    while not done.is_set():
        assert client.post("/search", json={"query": "潮州小景观"}).status_code == 200
        served += 1
    t.join()
    assert result["r"].status_code == 201 and served >= 1


def test_document_detail_lists_its_articles(client):
    body = client.get("/documents/002_585aae8c6ae96317.txt").json()
    titles = [a["title"] for a in body["articles"]]
    assert len(titles) == 6 and "麟游县召开创建全国文明城市动员大会" in titles
    assert all(a["end"] > a["start"] for a in body["articles"])
    assert client.get("/documents/nope.txt").status_code == 404
