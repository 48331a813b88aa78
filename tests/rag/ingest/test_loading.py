import pytest

from rag.ingest import loading


def test_reads_utf8_text(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("本报讯。", encoding="utf-8")
    src = loading.read(p)
    assert src.doc_id == "a.txt" and src.text == "本报讯。" and len(src.sha256) == 64


@pytest.mark.parametrize("name,data,message", [
    ("a.pdf", b"%PDF", "unsupported file type '.pdf'"),
    ("a.txt", "中文".encode("gbk"), "not valid UTF-8"),
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
    assert [p.name for p in loading.expand([tmp_path / "d"])] == ["a.txt", "b.md"]


def test_two_files_with_one_name_are_refused(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "a.txt").write_text("x")
    with pytest.raises(loading.LoadError, match="same file name"):
        loading.expand([tmp_path / "x", tmp_path / "y"])
