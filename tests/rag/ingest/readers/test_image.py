"""Scans through the image reader: pages with their PNG and line boxes, multi-page TIFF, progress, bad files."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from rag.ingest.loading import LoadError
from rag.ingest.readers import image

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _page(line: str) -> Image.Image:
    page = Image.new("L", (520, 90), 255)
    ImageDraw.Draw(page).text((20, 30), line, font=ImageFont.truetype(FONT, 24), fill=0)
    return page


def test_a_multi_page_tiff_becomes_pages_with_line_boxes_and_reports_progress():
    buf = io.BytesIO()
    first, second = _page("第一页：图书馆推出流动书车。"), _page("第二页：每周送书两次。")
    first.save(buf, format="TIFF", save_all=True, append_images=[second])
    seen = []
    source = image.read("scan.tif", buf.getvalue(), progress=lambda *a: seen.append(a))
    assert seen == [("ocr", 1, 2), ("ocr", 2, 2)]
    assert source.kind == "image" and [p.number for p in source.pages] == [1, 2]
    assert "流动书车" in source.text and "送书两次" in source.text
    assert source.text.index("流动书车") < source.text.index("送书两次")
    for page, word in zip(source.pages, ("流动书车", "送书两次")):
        assert Image.open(io.BytesIO(page.png)).size == (520, 90)
        (line,) = page.lines
        assert word in source.text[line.start:line.end]
        x0, y0, x1, y1 = line.box
        assert 10 <= x0 < x1 <= 520 and 20 <= y0 < y1 <= 70


def test_an_empty_or_broken_image_is_refused_by_name():
    with pytest.raises(LoadError, match=r"scan\.png: file is empty"):
        image.read("scan.png", b"")
    buf = io.BytesIO()
    _page("字").save(buf, format="PNG")
    with pytest.raises(LoadError, match=r"cut\.png: not a readable"):
        image.read("cut.png", buf.getvalue()[:60])


def test_a_blank_page_has_no_text_to_index():
    buf = io.BytesIO()
    Image.new("L", (300, 200), 255).save(buf, format="JPEG")
    with pytest.raises(LoadError, match=r"blank\.jpg: no text found"):
        image.read("blank.jpg", buf.getvalue())
