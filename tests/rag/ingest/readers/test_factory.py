import io
import zipfile

import pytest

from rag.evaluation import documents
from rag.ingest import loading
from rag.ingest.readers import factory

STORY = [documents.Story("文明城市创建推进会召开", ("本报讯 8月11日，推进会在太原市举行，部署下一阶段创建工作。",))]


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name.replace("__", "/"), data)
    return out.getvalue()


@pytest.mark.parametrize("data,kind", [
    (documents.pdf(STORY), "pdf"),
    (b"\n%PDF-1.7 junk before the header", "pdf"),
    (documents.docx(STORY), "docx"),
    (_zip(xl__workbook_xml=b"<x/>"), "zip"),
    (documents.html(STORY, "第一版"), "html"),
    (b"\xef\xbb\xbf  <HTML><body>x</body></HTML>", "html"),
    (b"\x89PNG\r\n\x1a\n....", "image"),
    (b"\xff\xd8\xff\xe0....", "image"),
    (b"II*\x00....", "image"),
    ("本报讯".encode("gbk"), "text"),
    (b"<p>a fragment, not a page</p>", "text"),
])
def test_sniffs_the_content(data, kind):
    assert factory.sniff(data) == kind


@pytest.mark.parametrize("name,data,says,is_", [
    ("report.txt", documents.pdf(STORY), "'.txt' says plain text", "content is a PDF"),
    ("scan.pdf", "本报讯。".encode(), "'.pdf' says a PDF", "content is plain text"),
    ("page.html", documents.docx(STORY), "'.html' says an HTML page", "content is a Word (.docx) document"),
    ("sheet.docx", _zip(xl__workbook_xml=b"<x/>"), "'.docx' says a Word", "a ZIP archive that is not a Word"),
    ("photo.png", documents.pdf(STORY), "'.png' says an image", "content is a PDF"),
])
def test_an_extension_that_lies_is_named_with_the_content(name, data, says, is_):
    with pytest.raises(loading.LoadError) as err:
        loading.decode(name, data)
    assert str(err.value).startswith(name) and says in str(err.value) and is_ in str(err.value)


def test_markdown_may_hold_html():
    source = loading.decode("note.md", "<html>\n本报讯 推进会召开。\n</html>".encode())
    assert source.kind == "text" and "推进会召开" in source.text


def test_unknown_extension_lists_what_is_supported():
    with pytest.raises(loading.LoadError, match=r"a\.xyz: unsupported file type '\.xyz'; supported: \.txt, \.md, "):
        loading.decode("a.xyz", b"%PDF-1.4")


def test_the_reader_is_picked_by_kind():
    assert factory.reader_for("a.docx", documents.docx(STORY)).__name__ == "rag.ingest.readers.docx"
    assert factory.reader_for("a.htm", documents.html(STORY, "第一版")).__name__ == "rag.ingest.readers.html"


def test_a_reader_that_is_not_installed_fails_only_its_files(monkeypatch):
    def missing(module):
        raise ModuleNotFoundError(f"No module named {module!r}", name=module)

    monkeypatch.setattr(factory.importlib, "import_module", missing)
    with pytest.raises(loading.LoadError, match=r"^scan\.png: reading an image .* needs rag\.ingest\.readers\.image"):
        loading.decode("scan.png", b"\x89PNG\r\n\x1a\n....")


def test_a_reader_whose_own_dependency_is_missing_says_so(monkeypatch):
    def broken(module):
        raise ModuleNotFoundError("No module named 'rapidocr'", name="rapidocr")

    monkeypatch.setattr(factory.importlib, "import_module", broken)
    with pytest.raises(loading.LoadError, match=r"^scan\.png: reading an image .* needs rapidocr, which is not"):
        loading.decode("scan.png", b"\x89PNG\r\n\x1a\n....")
