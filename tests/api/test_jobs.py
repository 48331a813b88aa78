"""Upload jobs: 202 with a job id, GET /jobs/{id} from queued to done or failed, a bounded queue."""

import threading
import time

from rag.ingest import loading

PAGE = "本报讯（记者 王明）3月8日，某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次。\n".encode()


def _wait(client, job_id: str, until=("done", "failed"), timeout=60.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in until:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")


def test_async_upload_is_a_job_that_ends_indexed(client):
    r = client.post("/documents?async=true", files=[("files", ("a.txt", PAGE)), ("files", ("b.md", PAGE + "二".encode()))])
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/jobs/{r.json()['job_id']}"
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    assert sorted(d["doc_id"] for d in job["documents"]) == ["a.txt", "b.md"]
    assert {"a.txt", "b.md"} <= {d["doc_id"] for d in client.get("/documents").json()}
    assert client.get("/jobs").json()[0]["job_id"] == job["job_id"]


def test_a_failed_job_names_the_file_and_writes_nothing(client):
    build = client.get("/health").json()["build_id"]
    r = client.post("/documents?async=true", files=[("files", ("ok.txt", PAGE)), ("files", ("bad.txt", b"\xff\xfe\x00"))])
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "failed" and "bad.txt" in job["error"] and "failed" in job["message"]
    assert client.get("/health").json()["build_id"] == build
    assert "ok.txt" not in {d["doc_id"] for d in client.get("/documents").json()}


def test_progress_and_a_full_queue(make_client, monkeypatch):
    """A reader reporting OCR pages shows in the job; with the worker busy and the queue full, 429 + Retry-After."""
    release = threading.Event()
    real = loading.decode

    def slow_reader(name, data, progress=None):
        for n in (1, 2, 3):
            progress("ocr", n, 3)
            if n == 2:
                release.wait(30)
        return real(name, data)

    monkeypatch.setattr(loading, "decode", slow_reader)
    with make_client(max_jobs=1) as c:
        first = c.post("/documents?async=true", files=[("files", ("scan.txt", PAGE))]).json()["job_id"]
        job = _wait(c, first, until=("ocr",))
        deadline = time.time() + 10
        while job["page"] != 2 and time.time() < deadline:
            job = c.get(f"/jobs/{first}").json()
        assert job["message"] == "OCR page 2 of 3 of scan.txt" and job["pages"] == 3
        waiting = c.post("/documents?async=true", files=[("files", ("w.txt", PAGE))])
        assert waiting.status_code == 202 and waiting.json()["status"] == "queued"
        full = c.post("/documents?async=true", files=[("files", ("x.txt", PAGE))])
        assert full.status_code == 429 and int(full.headers["retry-after"]) > 0
        release.set()
        assert _wait(c, first)["status"] == "done"
        assert _wait(c, waiting.json()["job_id"])["status"] == "done"


def test_unknown_job_is_404(client):
    r = client.get("/jobs/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_text_documents_have_no_pages(client):
    """Text documents: format text, no page images (404), citations without page or boxes."""
    client.post("/documents", files=[("files", ("books.txt", PAGE))])
    d = client.get("/documents/books.txt").json()["document"]
    assert d["format"] == "text" and d["pages"] == 0
    r = client.get("/documents/books.txt/pages/1")
    assert r.status_code == 404 and "no page images" in r.json()["detail"]
    assert client.get("/documents/nothing.txt/pages/1").status_code == 404
    hit = client.post("/search", json={"query": "流动书车", "top_k": 1}).json()["results"][0]
    assert hit["page"] is None and hit["boxes"] == []
    cites = client.post("/ask", json={"question": "流动书车每周送书几次？"}).json()["citations"]
    assert cites and all(c["page"] is None and c["boxes"] == [] for c in cites)
