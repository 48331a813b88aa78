import pytest

from rag.ingest import loading


def test_reads_utf8_text(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("本报讯。", encoding="utf-8")
    src = loading.read(p)
    assert src.doc_id == "a.txt" and src.text == "本报讯。" and len(src.sha256) == 64


def test_read_keeps_the_path_and_what_the_reader_found(tmp_path):
    p = tmp_path / "old.txt"
    text = "本报讯 西宁市召开推进会，巩固深化全国文明城市创建工作。"
    p.write_bytes(text.encode("gbk"))
    src = loading.read(p)
    assert (src.doc_id, src.path, src.text, src.encoding, src.kind) == ("old.txt", str(p), text, "gb18030", "text")


@pytest.mark.parametrize("name,data,message", [
    ("a.xyz", b"%PDF", "unsupported file type '.xyz'"),
    ("a.pdf", b"%PDF-1.4", "truncated"),
    ("a.txt", b"", "empty \\(0 bytes\\)"),
    ("a.png", b"", "empty \\(0 bytes\\)"),
    ("a.txt", b"   \n", "empty"),
    ("a.md", b"a\x00b", "NUL"),
])
def test_bad_files_are_named_in_the_error(name, data, message):
    with pytest.raises(loading.LoadError, match=message) as err:
        loading.decode(name, data)
    assert name in str(err.value)


def test_missing_path(tmp_path):
    with pytest.raises(loading.LoadError, match="no such file"):
        loading.expand([tmp_path / "nope.txt"])


def test_directories_expand_to_supported_files(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("x")
    (tmp_path / "d" / "b.md").write_text("x")
    (tmp_path / "d" / "c.pdf").write_text("x")
    (tmp_path / "d" / "e.DOCX").write_text("x")
    (tmp_path / "d" / "f.html").write_text("x")
    (tmp_path / "d" / "g.tif").write_text("x")
    (tmp_path / "d" / "h.xyz").write_text("x")
    assert [p.name for p in loading.expand([tmp_path / "d"])] == ["a.txt", "b.md", "c.pdf", "e.DOCX", "f.html", "g.tif"]


def test_two_files_with_one_name_are_refused(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "a.txt").write_text("x")
    with pytest.raises(loading.LoadError, match="same file name"):
        loading.expand([tmp_path / "x", tmp_path / "y"])
