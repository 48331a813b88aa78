"""Page images and page citations at the HTTP edge, over a store that holds pages for one document.

The store's page methods (`page_count`, `page_image`, `locate`) come with the ingest branch; here they are given
for one uploaded document so that the routes are tested on their own: a real PNG built with Pillow, real boxes."""

import io

import pytest
from PIL import Image

from rag.indexing.store import Store

TEXT = "本报讯 某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次。\n".encode()
BOX = (10.0, 20.0, 300.0, 44.0)


@pytest.fixture
def paged(monkeypatch):
    buf = io.BytesIO()
    Image.new("RGB", (320, 200), "white").save(buf, format="PNG")
    png = buf.getvalue()
    monkeypatch.setattr(Store, "page_count", lambda self, doc_id: 2 if doc_id == "scan.txt" else 0, raising=False)
    monkeypatch.setattr(Store, "page_image", lambda self, doc_id, n: png if doc_id == "scan.txt" and n in (1, 2)
                        else None, raising=False)
    monkeypatch.setattr(Store, "locate", lambda self, doc_id, start, end: [(2, BOX), (2, BOX)]
                        if doc_id == "scan.txt" else [], raising=False)
    return png


def test_page_images_and_page_citations(client, paged):
    assert client.post("/documents", files=[("files", ("scan.txt", TEXT))]).status_code == 201
    assert client.get("/documents/scan.txt").json()["document"]["pages"] == 2
    r = client.get("/documents/scan.txt/pages/2")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == paged
    for n in (0, 3):
        r = client.get(f"/documents/scan.txt/pages/{n}")
        assert r.status_code == 404 and "it has 2" in r.json()["detail"]

    hit = client.post("/search", json={"query": "流动书车", "top_k": 1}).json()["results"][0]
    assert hit["doc_id"] == "scan.txt" and hit["page"] == 2 and hit["boxes"] == [list(BOX), list(BOX)]
    cites = client.post("/ask", json={"question": "流动书车每周送书几次？"}).json()["citations"]
    assert any(c["doc_id"] == "scan.txt" and c["page"] == 2 and c["boxes"] for c in cites)
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "流动书车每周送书几次？"}]})
    assert any(c["page"] == 2 for c in chat.json()["citations"])
