import io
from pathlib import Path

import docx as python_docx
import pypdfium2 as pdfium
import pytest

from rag.evaluation import documents

SEED = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.txt"))[1]


def test_stories_of_a_seed_keep_printed_headlines_only():
    stories = documents.stories(SEED)
    assert stories[0].title == "广西召开座谈交流会部署全国文明城市创建工作"
    assert "" in [s.title for s in stories]  # the photo news item has no printed headline
    assert all(s.paragraphs for s in stories)


@pytest.mark.parametrize("columns", [2, 3])
def test_pdf_text_fills_the_columns(columns):
    page = pdfium.PdfDocument(documents.pdf(documents.stories(SEED), columns=columns))[0]
    boxes = [o.get_bounds() for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_TEXT]
    width = (595 - 2 * 40 - (columns - 1) * 16) / columns
    assert {int((left - 40 + 8) // (width + 16)) for left, _, _, _ in boxes} == set(range(columns))
    assert all(right - left <= width + 1 for left, _, right, _ in boxes)


def test_docx_headings_are_heading_1():
    document = python_docx.Document(io.BytesIO(documents.docx(documents.stories(SEED))))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.title for s in documents.stories(SEED) if s.title]


def test_html_in_gbk_declares_it():
    page = documents.html(documents.stories(SEED), "第二版", encoding="gbk")
    assert b'<meta charset="gbk">' in page and "广西召开座谈交流会".encode("gbk") in page


def test_a_story_needs_text():
    with pytest.raises(ValueError, match="has no text"):
        documents.Story("标题", ("  ",))
