import io
import zipfile

import docx as python_docx
import pytest

from rag.evaluation import documents
from rag.ingest import loading
from rag.ingest.layout import split_articles
from rag.ingest.readers import docx

STORIES = [
    documents.Story("西宁市召开推进会巩固深化全国文明城市创建工作", (
        "本报讯 8月11日，西宁市召开推进会，巩固深化全国文明城市创建工作。",
        "会议要求，各区县要对照测评体系查漏补缺，推动创建常态长效。")),
    documents.Story("新时代文明实践中心探索新路径", ("太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。",)),
]


def test_headings_become_article_titles():
    source = loading.decode("paper.docx", documents.docx(STORIES))
    assert source.kind == "docx" and source.pages == () and source.encoding is None
    articles = split_articles(source.doc_id, source.text)
    assert [(a.title, a.title_source) for a in articles] == [(s.title, "headline") for s in STORIES]
    assert [a.text.replace(" ", "") for a in articles] == ["".join(s.paragraphs).replace(" ", "") for s in STORIES]


def test_title_and_sub_headings_and_tables():
    document = python_docx.Document()
    document.add_heading("第三版 文明创建", level=0)  # style Title
    document.add_paragraph("本报讯 西宁市召开推进会，巩固深化全国文明城市创建工作。")
    document.add_heading("会议要求", level=2)
    document.add_paragraph("各区县要对照测评体系查漏补缺。")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([("城市", "得分", ""), ("西宁", "92", "")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2))
    out = io.BytesIO()
    document.save(out)
    source = loading.decode("a.docx", out.getvalue())
    assert source.text.split("\n") == ["# 第三版 文明创建", "本报讯 西宁市召开推进会，巩固深化全国文明城市创建工作。",
                                       "## 会议要求", "各区县要对照测评体系查漏补缺。", "城市\t得分", "西宁\t92"]


@pytest.mark.parametrize("style,level", [("Heading 1", 1), ("heading 3", 3), ("标题 2", 2), ("标题1", 1),
                                         ("Title", 1), ("标题", 1), ("Normal", 0), ("Heading Char", 0)])
def test_heading_levels_from_style_names(style, level):
    assert docx.heading_level(style) == level


def test_a_damaged_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", b"<not closed")
    with pytest.raises(loading.LoadError, match=r"^broken\.docx: not a readable Word document"):
        loading.decode("broken.docx", out.getvalue())
