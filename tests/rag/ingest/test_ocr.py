"""Reading order and headlines from line boxes, and a small rendered two-column page through real RapidOCR."""

import io
import re

import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from rag.ingest.layout import split_articles
from rag.ingest.ocr import TextBox, lay_out, ocr_page, reading_order

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _box(text, x0, y0, x1, y1):
    return TextBox(text, (x0, y0, x1, y1))


def test_columns_are_read_down_before_across_and_a_spanning_headline_first():
    # Lines of two columns printed at the same heights, a headline over both, and a second article below.
    boxes = [_box("右一", 300, 60, 500, 80), _box("左一", 10, 60, 210, 80), _box("标题", 10, 10, 500, 45),
             _box("右二", 300, 90, 500, 110), _box("左二", 10, 90, 200, 110), _box("左三", 10, 120, 90, 140),
             _box("下篇标题", 10, 170, 400, 205), _box("下左", 10, 220, 210, 240), _box("下右", 300, 220, 500, 240)]
    order = ["".join(b.text for b in row) for row in reading_order(boxes)]
    assert order == ["标题", "左一", "左二", "左三", "右一", "右二", "下篇标题", "下左", "下右"]


def test_a_story_ending_across_the_page_is_read_before_the_next_even_where_a_gutter_runs_through_both():
    # The first story fills three columns (the third ends short); the next story's headline spans only the first
    # two columns, so a gutter runs down the whole page beside it: the blank band across the page comes first.
    boxes = [_box("甲一", 10, 10, 200, 30), _box("甲二", 10, 40, 200, 60), _box("乙一", 220, 10, 410, 30),
             _box("乙二", 220, 40, 410, 60), _box("丙一", 430, 10, 620, 30),
             _box("新标题", 10, 100, 400, 140),
             _box("下一", 10, 150, 200, 170), _box("下二", 220, 150, 410, 170), _box("下三", 430, 150, 620, 170)]
    order = ["".join(b.text for b in row) for row in reading_order(boxes)]
    assert order == ["甲一", "甲二", "乙一", "乙二", "丙一", "新标题", "下一", "下二", "下三"]


def test_large_type_becomes_a_heading_line_and_offsets_point_at_each_box():
    boxes = [_box("大字标题", 10, 10, 300, 50), _box("正文第一行", 10, 60, 200, 80),
             _box("正文第二行", 10, 90, 200, 110), _box("同一行", 208, 90, 300, 110)]
    text, lines = lay_out(boxes)
    assert text == "# 大字标题\n正文第一行\n正文第二行 同一行"
    assert [text[ln.start:ln.end] for ln in lines] == ["大字标题", "正文第一行", "正文第二行", "同一行"]
    assert lines[3].box == (208, 90, 300, 110)


def test_a_box_with_no_area_is_refused():
    with pytest.raises(ValueError, match="no area"):
        TextBox("字", (10, 10, 10, 20))


HEADLINE = "图书馆流动书车开进偏远村庄"
LEFT = ["本报讯　某市图书馆近日推出", "流动书车志愿服务，每周为偏", "远村庄送书两次，受到村民欢", "迎。"]
RIGHT = ["志愿者们还在车上开设阅读角", "，为孩子们讲故事、教写字，", "让乡村的孩子也能读到新书。"]


def _two_column_page() -> bytes:
    """Headline across the page, two columns whose lines sit at the same heights (the hard case)."""
    body, head = ImageFont.truetype(FONT, 22), ImageFont.truetype(FONT, 40)
    image = Image.new("L", (760, 330), 255)
    draw = ImageDraw.Draw(image)
    draw.text((30, 25), HEADLINE, font=head, fill=0)
    for col, lines in enumerate((LEFT, RIGHT)):
        for row, line in enumerate(lines):
            draw.text((30 + col * 370, 100 + row * 34), line, font=body, fill=0)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def test_a_rendered_two_column_page_comes_back_in_reading_order():
    text, lines = ocr_page(_two_column_page())
    assert text.splitlines()[0].startswith("# ")  # the headline, by its size
    known = re.sub(r"\s", "", HEADLINE + "".join(LEFT) + "".join(RIGHT))
    read = re.sub(r"\s|#", "", text)
    assert Levenshtein.distance(known, read) / len(known) <= 0.05, text
    # Order: the left column's sentence ends before the right column's starts.
    assert read.index("受到村民") < read.index("阅读角") < read.index("新书"), text
    assert all(text[ln.start:ln.end].strip() for ln in lines) and len(lines) >= 8
    articles = split_articles("scan.png", text)
    assert len(articles) == 1 and articles[0].title_source == "headline" and "流动书车" in articles[0].title


def test_bytes_that_are_not_an_image_are_refused():
    with pytest.raises(ValueError, match="not a readable image"):
        ocr_page(b"%PDF-1.7 not a picture")
