"""Page images and page citations end to end: a scan read by real OCR, stored with its pages, served and cited."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from rag.ingest.readers import image

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LINES = ["本报讯 某市图书馆推出流动书车志愿服务，", "每周为偏远村庄送书两次，受到村民欢迎。"]


@pytest.fixture(scope="module")
def scan():
    """A two-page TIFF: the answer is printed on page 2, lines 1 and 2."""
    font = ImageFont.truetype(FONT, 24)
    pages = []
    for lines in (["第一页只有一句话，与书车无关。"], LINES):
        page = Image.new("L", (620, 160), 255)
        for i, line in enumerate(lines):
            ImageDraw.Draw(page).text((20, 30 + 40 * i), line, font=font, fill=0)
        pages.append(page)
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    return image.read("scan.tif", buf.getvalue())


def test_page_images_and_page_citations(client, scan):
    client.app.state.engine.add([scan])
    assert client.get("/documents/scan.tif").json()["document"]["pages"] == 2
    r = client.get("/documents/scan.tif/pages/2")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == scan.pages[1].png
    for n in (0, 3):
        r = client.get(f"/documents/scan.tif/pages/{n}")
        assert r.status_code == 404 and "it has 2" in r.json()["detail"]
    r = client.get("/documents/002_585aae8c6ae96317.txt/pages/1")
    assert r.status_code == 404 and "no page images" in r.json()["detail"]

    boxes = [list(line.box) for line in scan.pages[1].lines]
    hit = client.post("/search", json={"query": "流动书车", "top_k": 1}).json()["results"][0]
    assert hit["doc_id"] == "scan.tif" and hit["page"] == 2 and hit["boxes"] == boxes
    cites = client.post("/ask", json={"question": "流动书车每周送书几次？"}).json()["citations"]
    assert any(c["doc_id"] == "scan.tif" and c["page"] == 2 and c["boxes"] == boxes for c in cites)
    text_cites = [c for c in cites if c["doc_id"] != "scan.tif"]
    assert all(c.get("page") is None for c in text_cites)  # text documents keep the character span only
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "流动书车每周送书几次？"}]})
    assert any(c.get("page") == 2 for c in chat.json()["citations"])

    assert client.delete("/documents/scan.tif").status_code == 200
    assert client.get("/documents/scan.tif/pages/2").status_code == 404
