"""Documents in other formats through the API: a PDF and a GBK file are read; bad files are 4xx and lose nothing."""

import io
import time

from reportlab.pdfgen import canvas

from rag.evaluation import documents
from rag.ingest.readers import pdf

PAGE = "本报讯（记者 王明）3月8日，某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次。\n"
STORIES = [documents.Story("某市图书馆推出流动书车", (PAGE.strip(), "书车每周两次开进偏远村庄，借阅免费。"))]


def _upload(client, *files):
    return client.post("/documents", files=[("files", f) for f in files])


def _wait(client, job_id: str, timeout=60.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not finished after {timeout} s")


def _pdf(pages: int = 1, size=(595, 842), encrypt: str | None = None) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size, encrypt=encrypt)
    for _ in range(pages):
        c.drawString(72, 72, "page")
        c.showPage()
    c.save()
    return out.getvalue()


def test_a_gbk_text_and_a_pdf_are_indexed(client):
    r = _upload(client, ("old.txt", PAGE.encode("gbk"), "text/plain"))
    assert r.status_code == 201, r.text
    r = _upload(client, ("paper.pdf", documents.pdf(STORIES), "application/pdf"))
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    hits = client.post("/search", json={"query": "流动书车 借阅免费", "top_k": 5}).json()["results"]
    assert {"old.txt", "paper.pdf"} <= {h["doc_id"] for h in hits}
    old = client.get("/documents/old.txt").json()["document"]
    assert (old["format"], old["encoding"]) == ("text", "gb18030")
    paper = client.get("/documents/paper.pdf").json()["document"]
    assert (paper["format"], paper["encoding"]) == ("pdf", None)


def test_bad_files_are_refused_at_once_and_stored_documents_stay(client):
    assert _upload(client, ("books.txt", PAGE.encode(), "text/plain")).status_code == 201
    build = client.get("/health").json()["build_id"]
    good = documents.pdf(STORIES)
    cases = [
        ("cut.pdf", good[:len(good) // 2], "truncated"),
        ("locked.pdf", _pdf(encrypt="secret"), "encrypted with a password"),
        ("bomb.pdf", _pdf(pages=pdf.MAX_PAGES + 1), f"over the limit of {pdf.MAX_PAGES}"),
        ("huge.pdf", _pdf(size=(300 * 72, 300 * 72)), "too large to render"),
        ("empty.png", b"", "empty (0 bytes)"),
        ("empty.txt", b"", "empty (0 bytes)"),
        ("report.txt", good, "the extension '.txt' says plain text but the content is a PDF"),
        ("scan.pdf", PAGE.encode(), "the extension '.pdf' says a PDF but the content is plain text"),
    ]
    for name, data, reason in cases:
        r = _upload(client, ("ok.txt", PAGE.encode() + b"2", "text/plain"), (name, data, "application/octet-stream"))
        assert r.status_code == 422, (name, r.text)
        assert r.json()["detail"].startswith(f"{name}: ") and reason in r.json()["detail"], (name, r.text)
    assert client.get("/health").json()["build_id"] == build
    ids = {d["doc_id"] for d in client.get("/documents").json()}
    assert "books.txt" in ids and "ok.txt" not in ids
    hits = client.post("/search", json={"query": "流动书车送书", "top_k": 3}).json()["results"]
    assert hits[0]["doc_id"] == "books.txt"


def test_a_50_mb_upload_is_refused_before_it_is_read(client):
    assert _upload(client, ("books.txt", PAGE.encode(), "text/plain")).status_code == 201
    r = _upload(client, ("big.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), "application/pdf"))
    assert r.status_code == 413 and "over the limit" in r.json()["detail"]
    assert "books.txt" in {d["doc_id"] for d in client.get("/documents").json()}
