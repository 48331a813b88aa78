import io
import re

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from rag.evaluation import documents
from rag.ingest import loading
from rag.ingest.layout import split_articles
from rag.ingest.readers import pdf

STORIES = [
    documents.Story("西宁市召开推进会", (
        "本报讯 8月11日，西宁市召开推进会，巩固深化全国文明城市创建工作。会议指出，要坚持以人民为中心，"
        "把创建工作同改善民生紧密结合起来，让群众有更多获得感和幸福感。",
        "会议要求，各区县要对照测评体系查漏补缺，持续开展志愿服务和城乡环境整治，推动创建常态长效。",)),
    documents.Story("太原市新时代文明实践中心试点建设现场观摩推进会召开", (
        "本报讯 8月11日，山西省太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。"
        "与会人员观摩了实践所和实践站，交流了试点建设的做法和经验。",
        "会议强调，要把文明实践中心建成群众身边的理论大课堂，用好志愿服务队伍，办好群众急难愁盼的实事。",)),
    documents.Story("徐汇滨江开讲人民城市大课", (
        "“新思汇”开篇大课来到徐汇滨江展开互动宣讲，将主题定为从“人民至上”看“人民城市”的实践。"
        "徐汇滨江的巨大发展，与改革开放的伟大实践密不可分。",)),
]


def _squash(text: str) -> str:
    return re.sub(r"\s+|#", "", text)


@pytest.mark.parametrize("columns,order", [(3, "column"), (3, "row"), (2, "row")])
def test_columns_come_out_in_reading_order(columns, order):
    source = loading.decode("page.pdf", documents.pdf(STORIES * 3, columns=columns, order=order))
    flat = _squash(source.text)
    positions = [flat.find(_squash(p)) for story in STORIES * 3 for p in story.paragraphs]
    assert -1 not in positions  # every paragraph intact, across line and column breaks
    first = positions[:len(positions) // 3]
    assert first == sorted(first)


def test_headlines_by_type_size_become_article_titles():
    source = loading.decode("page.pdf", documents.pdf(STORIES, columns=2))
    articles = split_articles(source.doc_id, source.text)
    assert [a.title for a in articles] == [s.title for s in STORIES]
    assert all(a.title_source == "headline" for a in articles)


def test_pages_carry_an_image_and_line_boxes_on_it():
    source = loading.decode("page.pdf", documents.pdf(STORIES * 10, columns=3))
    assert source.kind == "pdf" and len(source.pages) >= 2 and source.encoding is None
    for page in source.pages:
        image = Image.open(io.BytesIO(page.png))
        assert image.format == "PNG" and image.size == (827, 1170)  # A4 at 100 dpi
        assert page.lines
        for line in page.lines:
            x0, y0, x1, y1 = line.box
            assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
            assert source.text[line.start:line.end].strip()
    # lines of page 1 come before the blank line that starts page 2, and are in text order
    starts = [line.start for page in source.pages for line in page.lines]
    assert starts == sorted(starts)
    assert source.text[source.pages[1].lines[0].start - 2:source.pages[1].lines[0].start] == "\n\n"


def test_a_line_box_lies_where_the_line_is_printed():
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    c.setFont("Helvetica", 20)
    c.drawString(72, 842 - 100, "Hello")  # baseline 100 pt from the top
    c.showPage()
    c.save()
    source = loading.decode("hello.pdf", out.getvalue())
    (line,) = source.pages[0].lines
    scale = 100 / 72
    assert source.text[line.start:line.end] == "Hello"
    assert line.box[0] == pytest.approx(72 * scale, abs=3)
    assert line.box[1] < 100 * scale < line.box[3]


def _pdf(pages: int = 1, size=(595, 842), text: str | None = "本报讯", encrypt: str | None = None) -> bytes:
    documents.pdf(STORIES[:1])  # registers the CJK font "zh"
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size, encrypt=encrypt)
    for _ in range(pages):
        if text:
            c.setFont("zh", 12)
            c.drawString(72, size[1] - 72, text)
        else:
            c.rect(72, 72, 100, 100, fill=1)  # ink, but no text layer: a scanned page
        c.showPage()
    c.save()
    return out.getvalue()


def test_a_page_without_text_goes_to_ocr():
    data = _pdf(pages=2, text=None)
    seen, progress = [], []

    def ocr_page(png: bytes):
        seen.append(Image.open(io.BytesIO(png)).size)
        return "扫描第一行\n扫描第二行", [loading.Line(0, 5, (1, 2, 3, 4)), loading.Line(6, 11, (1, 6, 3, 8))]

    source = pdf.read("scan.pdf", data, lambda *a: progress.append(a), ocr_page=ocr_page)
    assert seen == [(827, 1170)] * 2
    assert source.text == "扫描第一行\n扫描第二行\n\n扫描第一行\n扫描第二行"
    assert [source.text[ln.start:ln.end] for p in source.pages for ln in p.lines] == ["扫描第一行", "扫描第二行"] * 2
    assert progress == [("reading", 1, 2), ("ocr", 1, 2), ("reading", 2, 2), ("ocr", 2, 2)]


def test_a_scanned_pdf_is_read_by_the_real_ocr():
    """A page that is only a picture of text (as a scanner writes it), read through decode with the real engine."""
    from PIL import ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader

    picture = Image.new("L", (900, 120), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 36)
    ImageDraw.Draw(picture).text((30, 40), "本报讯 某市图书馆推出流动书车。", font=font, fill=0)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    c.drawImage(ImageReader(picture), 40, 642, width=450, height=60)
    c.showPage()
    c.save()
    source = loading.decode("scan.pdf", out.getvalue())
    assert "流动书车" in source.text and source.kind == "pdf"
    (page,) = source.pages
    assert any("流动书车" in source.text[ln.start:ln.end] for ln in page.lines)


@pytest.mark.parametrize("data,message", [
    (_pdf()[:-600], "ends before its end-of-file marker"),
    (_pdf()[:400] + b"\n%%EOF\n", "not a readable PDF"),
    (_pdf(encrypt="secret"), "encrypted with a password"),
    (_pdf(pages=pdf.MAX_PAGES + 1), f"has {pdf.MAX_PAGES + 1} pages, over the limit of {pdf.MAX_PAGES}"),
    (_pdf(size=(200 * 72, 200 * 72)), "page 1 is 200 x 200 inches, too large to render"),
])
def test_bad_pdfs_are_refused_by_the_quick_check(data, message):
    with pytest.raises(loading.LoadError, match=message) as err:
        loading.check("bad.pdf", data)
    assert str(err.value).startswith("bad.pdf: ")
    with pytest.raises(loading.LoadError, match=message):
        loading.decode("bad.pdf", data)


def test_text_from_fonts_without_a_unicode_map_is_read_like_a_scan():
    assert not pdf._readable("\ue001\ue002\ue003正\n\ufffd")
    assert not pdf._readable(" \n# \n")
    assert pdf._readable("# 标题\n正文\ue001")


def test_checks_and_reads_from_several_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    data = documents.pdf(STORIES * 4, columns=3)
    expected = loading.decode("page.pdf", data).text

    def work(i: int) -> str:
        loading.check(f"p{i}.pdf", data)
        return loading.decode(f"p{i}.pdf", data).text

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, range(8))) == [expected] * 8


def test_a_wrapped_headline_is_one_heading_line():
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    c.setFont("Helvetica", 24)
    c.drawString(72, 700, "Big News")
    c.drawString(72, 672, "Today Here")  # set tight: the em boxes of the two lines touch
    c.setFont("Helvetica", 10)
    for i in range(6):
        c.drawString(72, 640 - 14 * i, f"Body line {i} of the story.")
    c.showPage()
    c.save()
    source = loading.decode("news.pdf", out.getvalue())
    assert source.text.split("\n")[:2] == ["# Big News Today Here", "Body line 0 of the story."]
    first = source.pages[0].lines[0]
    assert source.text[first.start:first.end] == "Big News Today Here"
