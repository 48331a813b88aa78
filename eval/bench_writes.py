"""What one write costs: adding a 5,000-character page and deleting it, end to end with the real model; bytes
written to disk (from /proc/self/io, WAL, segment and lexicon files included) against the index size (its WAL
checkpointed first), and what a later checkpoint copies into the database. On the
seeds index (built in a temporary directory), or on an existing index with --index-dir (an archive from
eval/build_archive.py; the page is deleted again at the end).

    .venv/bin/python eval/bench_writes.py [--model-dir index/models] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import struct
import tempfile
import time
from pathlib import Path

from rag.config import Settings
from rag.engine import Engine
from rag.ingest import loading
from rag.ingest.loading import Source
from rag.search.filters import Filters
from rag.text import analyzers

REPO = Path(__file__).resolve().parents[1]


def written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/self/io")


def size(path: Path) -> int:
    """The index's own files: the database, the lexicon, the segments, the manifest; not the model, the WAL
    (emptied by a checkpoint first), its shared-memory file or the write lock."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "models" not in p.parts
               and not p.name.endswith(("-wal", "-shm", ".lock")))


def checkpoint(root: Path) -> None:
    db = sqlite3.connect(root / "store.sqlite3")
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    db.close()
    if busy:
        raise RuntimeError("the WAL could not be checkpointed: a reader holds it")


def wal_pages(root: Path) -> tuple[int, int]:
    """Distinct database pages in the WAL and the page size: what a later checkpoint copies into the database."""
    wal = Path(root / "store.sqlite3-wal").read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0]
    pages = {struct.unpack(">I", wal[off: off + 4])[0] for off in range(32, len(wal) - 23, 24 + page_size)}
    return len(pages), page_size


def new_page(name: str, paras: list[str], start: int) -> Source:
    """A new page: paragraphs of the seeds in another order from `start` on, 5,000 characters."""
    text, at = "", start
    while len(text) < 5000:
        text += paras[at % len(paras)] + "\n"
        at += 1
    return Source(name, text[:5000], hashlib.sha256(text[:5000].encode()).hexdigest(), name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=str(REPO / "index" / "models"))
    ap.add_argument("--index-dir", type=Path, help="an existing index to measure on (default: the seeds, built)")
    args = ap.parse_args()
    seeds = [loading.read(p) for p in sorted((REPO / "seeds").glob("*.txt"))]
    paras = [p for s in seeds for p in s.text.split("\n") if len(p) > 40][::-1]
    page = new_page("new-page.txt", paras, 0)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.index_dir or Path(tmp)
        engine = Engine(Settings(index_dir=root, model_dir=Path(args.model_dir)))
        if args.index_dir is None:
            engine.add(seeds)
            engine.wait()
        engine.snapshot()  # a server has its index open before the write
        engine.embedder.embed_passages(["预热"])
        analyzers.get("jieba")("预热")  # a server has loaded jieba's dictionary too (1.5 s)
        checkpoint(root)  # the index's own size: the WAL's frames copied into the database, the WAL emptied
        before, w0 = size(root), written()
        t = time.perf_counter()
        engine.add([page])
        add_s, ack_bytes = time.perf_counter() - t, written() - w0  # acknowledged: durable and searchable
        hits = engine.search("新时代文明实践", k=50, filters=Filters(doc_ids=("new-page.txt",))).hits
        t = time.perf_counter()
        engine.wait()  # its sentence vectors (and any merge) in the background
        after_s, add_bytes = time.perf_counter() - t, written() - w0
        pages, page_size = wal_pages(root)
        w0 = written()
        t = time.perf_counter()
        engine.remove(["new-page.txt"])
        engine.wait()
        rm_s, rm_bytes = time.perf_counter() - t, written() - w0
        # Other pages one after another until the lexicon takes its batch of fresh rows: what a page costs
        # with its share of that commit
        batch, fresh = engine.index.merge_policy.lexicon_batch, len(engine.snapshot().fresh)
        more, w0 = 0, written()
        while more == 0 or len(engine.snapshot().fresh):
            more += 1
            if more > batch:
                raise RuntimeError(f"the lexicon took no batch in {batch} pages")
            engine.add([new_page(f"new-page-{more}.txt", paras, 7 * more)])
            engine.wait()
        series_bytes = written() - w0
        if args.index_dir is not None:
            engine.remove([f"new-page-{i}.txt" for i in range(1, more + 1)])
            engine.wait()
    print(f"index size ({root.name if args.index_dir else 'seeds'}, without the model)   {before / 1e6:.2f} MB")
    print(f"add a 5,000-character page              {add_s:.2f} s to acknowledge (searchable: {bool(hits)}), "
          f"sentence vectors {after_s:.2f} s later; {add_bytes / 1e6:.2f} MB written ({add_bytes / before:.2f} x the index), "
          f"{ack_bytes / 1e6:.2f} MB of it by the acknowledgement")
    print(f"  a later checkpoint copies {pages} pages of {page_size} bytes into the database "
          f"({pages * page_size / 1e6:.2f} MB; pages rewritten by several writes before it are copied once)")
    print(f"delete it                               {rm_s:.2f} s, {rm_bytes / 1e6:.2f} MB written")
    print(f"pages added until the lexicon took its batch of {batch} fresh rows ({fresh} before): {more}, "
          f"{series_bytes / 1e6:.2f} MB written, {series_bytes / more / 1e6:.2f} MB a page "
          f"({series_bytes / more / before:.2f} x the index)")


if __name__ == "__main__":
    main()
