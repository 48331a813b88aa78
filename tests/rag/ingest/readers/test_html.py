import pytest

from rag.evaluation import documents
from rag.ingest import loading
from rag.ingest.layout import split_articles
from rag.ingest.readers import html

STORIES = [
    documents.Story("西宁市召开推进会巩固深化全国文明城市创建工作", (
        "本报讯 8月11日，西宁市召开推进会，巩固深化全国文明城市创建工作。会议指出，要坚持以人民为中心。",
        "会议要求，各区县要对照测评体系查漏补缺，持续开展志愿服务，推动创建常态长效。")),
    documents.Story("新时代文明实践中心探索新路径", (
        "太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行，与会人员观摩了实践所和实践站。",)),
]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_main_text_with_the_stories_as_articles(encoding):
    source = loading.decode("page.html", documents.html(STORIES, "文明网 第三版", encoding=encoding))
    assert source.kind == "html"
    assert "首页" not in source.text and "版权所有" not in source.text  # navigation and footer dropped
    assert source.text.startswith("# 文明网 第三版\n")
    titles = [a.title for a in split_articles(source.doc_id, source.text)]
    assert titles == ["文明网 第三版 " + STORIES[0].title, STORIES[1].title]


def test_the_title_leads_when_the_page_has_no_heading():
    page = ("<html><head><title>徐汇滨江开讲人民城市大课</title></head><body><div>"
            "<p>“新思汇”开篇大课来到徐汇滨江展开互动宣讲，将主题定为从“人民至上”看“人民城市”的实践。</p>"
            "<p>徐汇滨江的巨大发展，与改革开放的伟大实践密不可分。</p></div>"
            "</body></html>").encode()
    source = loading.decode("news.htm", page)
    (article,) = split_articles(source.doc_id, source.text)
    assert (article.title, article.title_source) == ("徐汇滨江开讲人民城市大课", "headline")
    assert "密不可分" in article.text


@pytest.mark.parametrize("found,levels", [
    ([1, 2, 2], [1, 1, 1]),  # a page title over stories: stories start articles
    ([2, 3, 2], [1, 2, 1]),  # the top level present is 1
    ([1, 1, 2], [1, 1, 2]),
    ([1, 2, 3], [1, 1, 2]),
    ([], []),
])
def test_heading_levels(found, levels):
    assert html._levels(found) == levels


def test_a_page_without_main_text_is_refused():
    with pytest.raises(loading.LoadError, match=r"^empty\.html: no main text found"):
        loading.decode("empty.html", b"<!doctype html><html><head><title>x</title></head><body></body></html>")
