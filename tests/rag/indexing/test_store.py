import sqlite3

from rag.evaluation import documents
from rag.indexing.store import Store
from rag.ingest import loading

STORY = [documents.Story("社区理发志愿服务", ("本报讯（记者）近日，某市举办了社区理发志愿服务活动，为老人免费理发。",))]


def test_documents_keep_their_format_and_encoding(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    sources = [loading.decode("old.txt", "本报讯 某市开展旧书回收志愿服务活动，居民踊跃参加。".encode("gbk")),
               loading.decode("note.md", "# 标题\n本报讯 某市开展旧书回收志愿服务活动。".encode()),
               loading.decode("paper.docx", documents.docx(STORY)),
               loading.decode("page.pdf", documents.pdf(STORY))]
    for source in sources:
        store.add_document(source, [], [])
    assert [(d.doc_id, d.format, d.encoding) for d in store.documents()] == [
        ("note.md", "markdown", "utf-8"), ("old.txt", "text", "gb18030"), ("page.pdf", "pdf", None),
        ("paper.docx", "docx", None)]
    assert store.document("old.txt").encoding == "gb18030"
    store.remove_document("old.txt")
    assert store.document("old.txt") is None
    assert store.db.execute("SELECT count(*) FROM formats WHERE doc_id = 'old.txt'").fetchone()[0] == 0


def test_an_index_from_before_formats_opens_read_only(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, "
               "chars INTEGER NOT NULL, articles INTEGER NOT NULL, chunks INTEGER NOT NULL, added_at TEXT NOT NULL)")
    db.execute("INSERT INTO documents VALUES ('a.txt', 'a.txt', 'x', 10, 1, 1, '2026-01-01')")
    db.commit()
    db.close()
    (doc,) = Store(path, readonly=True).documents()
    assert (doc.doc_id, doc.format, doc.encoding) == ("a.txt", "text", None)
