import json

import pytest
from click.testing import CliRunner

from rag.cli import cli
from tests.conftest import MODEL_CACHE


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("RAG_MODEL_DIR", str(MODEL_CACHE))

    def _run(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return _run


def test_search_json(run, seeds_index_dir):
    r = run("--index-dir", str(seeds_index_dir), "search", "德令哈红色电影", "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data["results"]) == 3 and "total" in data["timings_ms"]
    assert {"chunk_id", "doc_id", "title", "text", "start", "end", "score", "scores"} <= set(data["results"][0])


def test_ask_answers_with_numbered_sources_and_refuses_what_the_pages_do_not_say(run, seeds_index_dir):
    r = run("--index-dir", str(seeds_index_dir), "ask", "德令哈市文明办给孩子们放了哪部红色电影？", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert not data["refused"] and data["citations"] and "[1]" in data["answer"]
    cited = data["citations"][0]
    assert cited["doc_id"].endswith(".txt") and cited["end"] > cited["start"]
    a, b = cited["highlight"]
    assert cited["text"][a:b] in data["answer"]  # the highlighted sentence is the one quoted
    assert data["short_answer"]["text"] == "《英雄儿女》"
    r = run("--index-dir", str(seeds_index_dir), "ask", "火星上有几个社区食堂？")
    assert r.exit_code == 0 and "closest passages:" in r.output and "sources:" not in r.output
    r = run("--index-dir", str(seeds_index_dir), "ask", "  ")
    assert r.exit_code == 1 and "the question is empty" in r.output


def test_info(run, seeds_index_dir):
    r = run("--index-dir", str(seeds_index_dir), "info")
    assert r.exit_code == 0 and "5 documents" in r.output


@pytest.mark.parametrize("args,message", [
    (["index", "missing.txt"], "no such file or directory"),
    (["search", "  "], "the query is empty"),
    (["remove", "nope.txt"], "no such document: nope.txt"),
])
def test_mistakes_are_one_line_errors(run, index_copy, args, message):
    r = run("--index-dir", str(index_copy), *args)
    assert r.exit_code == 1
    assert message in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_search_without_an_index(run, tmp_path):
    r = run("--index-dir", str(tmp_path / "empty"), "search", "问题")
    assert r.exit_code == 1 and "no index" in r.output


def test_index_then_remove(run, tmp_path):
    doc = tmp_path / "page.txt"
    doc.write_text("本报讯（记者）近日，某市举办了社区理发志愿服务活动，为老人免费理发。", encoding="utf-8")
    idx = tmp_path / "idx"
    r = run("--index-dir", str(idx), "index", str(doc))
    assert r.exit_code == 0 and "added     page.txt" in r.output
    r = run("--index-dir", str(idx), "remove", "page.txt")
    assert r.exit_code == 0 and "removed page.txt" in r.output


def test_index_a_directory_of_formats(run, tmp_path):
    from rag.evaluation import documents

    stories = [documents.Story("社区理发志愿服务", ("本报讯（记者）近日，某市举办了社区理发志愿服务活动，为老人免费理发。",))]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "old.txt").write_bytes("本报讯 某市开展旧书回收志愿服务活动，居民踊跃参加。".encode("gbk"))
    (tmp_path / "docs" / "paper.docx").write_bytes(documents.docx(stories))
    (tmp_path / "docs" / "page.pdf").write_bytes(documents.pdf(stories))
    (tmp_path / "docs" / "site.html").write_bytes(documents.html(stories, "第一版"))
    r = run("--index-dir", str(tmp_path / "idx"), "index", str(tmp_path / "docs"))
    assert r.exit_code == 0, r.output
    for name in ("old.txt", "paper.docx", "page.pdf", "site.html"):
        assert f"added     {name}: 1 articles" in r.output


def test_migrate_to_milvus_then_serve_from_it(run, seeds_index_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MILVUS_URI", str(tmp_path / "milvus.db"))
    r = run("--index-dir", str(seeds_index_dir), "migrate", "--to", "milvus")
    assert r.exit_code == 0, r.output
    assert r.output.count("added ") == 5 and "backend milvus" in r.output
    monkeypatch.setenv("RAG_BACKEND", "milvus")
    r = run("--index-dir", str(seeds_index_dir), "info")
    assert r.exit_code == 0, r.output
    assert "backend    milvus" in r.output and "5 documents" in r.output
    r = run("search", "谁带着志愿者给居民理发？", "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["results"][0]["doc_id"] == "004_b3238fd52c02d4da.txt"


def test_collections_from_the_command_line(run, index_copy, tmp_path):
    page = tmp_path / "clip.txt"
    page.write_text("本报讯 某县图书馆开设流动书车阅读点，每月为山区学校送书一次。\n", encoding="utf-8")
    idx = ["--index-dir", str(index_copy)]
    r = run(*idx, "index", str(page), "--collection", "clips")
    assert r.exit_code == 1 and "no such collection: 'clips'" in r.output
    assert run(*idx, "collections", "create", "clips", "--description", "剪报").exit_code == 0
    assert run(*idx, "index", str(page), "--collection", "clips").exit_code == 0
    listed = run(*idx, "collections", "list").output
    assert "clips" in listed and "1 documents" in listed and "default" in listed

    def found(*scope):
        r = run(*idx, "search", "山区学校送书", "-k", "20", "--json", *scope)
        return {h["doc_id"] for h in json.loads(r.stdout)["results"]}

    assert found("--collection", "clips") == {"clip.txt"}
    assert "clip.txt" not in found()
    assert found("--collection", "clips", "--date-from", "2020-01-01") == set()  # it has no date
    r = run(*idx, "collections", "delete", "clips")
    assert r.exit_code == 0 and "1 documents" in r.output
    assert "clip.txt" not in run(*idx, "info").output
