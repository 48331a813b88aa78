"""Load a synthetic corpus (eval/synth_corpus.py) into a real index, as an archive of that size would be.

    python eval/build_archive.py CORPUS INDEX_DIR [--rows N] [--per-doc 20] [--workers 2]

Every corpus row but the planted seed chunks becomes a chunk of a synthetic page (`--per-doc` rows a page),
with the corpus's vector as its chunk vector and as its one sentence vector (the sentence leg reads one per
candidate). Rows are analysed in `--workers` processes (jieba is most of a load) and written through the
store's own write path (one transaction a page, its tokens committed to the lexicon first), sealed into one
segment (HNSW above RAG_ANN_THRESHOLD), and finally the five seed pages are added with `Engine.add`, embedded
for real, so that eval/seeds questions can be scored against the archive (`rag eval eval/seeds` with
RAG_INDEX_DIR=INDEX_DIR). Prints the time of each phase and writes them to INDEX_DIR/../<name>-build.json.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.engine import Engine
from rag.indexing.lexical import writes
from rag.indexing.store import Store, embed_text, lexical_terms, sentence_key, text_hash
from rag.ingest.loading import Source, read
from rag.text.mapped import Mapped
from rag.types import Article, Chunk

REPO = Path(__file__).resolve().parents[1]


def page_chunks(page: int, texts: list[str]) -> list[Chunk]:
    doc_id = f"archive-{page:06d}.txt"
    chunks, at = [], 0
    for n, text in enumerate(texts):
        chunks.append(Chunk(hashlib.sha256(f"{doc_id}{n}".encode()).hexdigest()[:16], doc_id, f"{doc_id}#0", "",
                            text, at, at + len(text), n))
        at += len(text) + 1
    return chunks


def analyse(batch: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[tuple[str, ...]]]:
    """A page's rows with their token strings (what the store would compute, in a worker process)."""
    return batch, [lexical_terms(Chunk("", "", "", "", text, 0, len(text), 0)) for _, text in batch]


def pages(corpus: Path, rows: int, per_doc: int):
    """The (row, text) pairs of each synthetic page, planted seed rows left out."""
    planted = {json.loads(line)["row"] for line in (corpus / "seeds.jsonl").open(encoding="utf-8")}
    batch = []
    with (corpus / "texts.txt").open(encoding="utf-8") as fh:
        for row, line in enumerate(itertools.islice(fh, rows)):
            if row in planted:
                continue
            batch.append((row, line.rstrip("\n")))
            if len(batch) == per_doc:
                yield batch
                batch = []
    if batch:
        yield batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("--rows", type=int, default=None, help="corpus rows to load (default: all)")
    ap.add_argument("--per-doc", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--embeddings-from", type=Path,
                    help="an index of the same model whose cached vectors are copied first (one holding the seeds: "
                         "the seed pages are then not embedded again)")
    args = ap.parse_args()
    meta = json.loads((args.corpus / "meta.json").read_text())
    rows = min(args.rows or meta["size"], meta["size"])
    vectors = np.load(args.corpus / "vectors.npy", mmap_mode="r")
    settings = Settings(index_dir=args.index_dir, model_dir=REPO / "index" / "models", seal_at=rows + 1)
    engine = Engine(settings)
    index, name = engine.index, engine.embedder.name
    phases: dict[str, float] = {}
    t = time.perf_counter()
    loaded = 0
    with Pool(args.workers) as pool, index._write(fresh=True) as (store, lexicon):
        if args.embeddings_from:
            other = Store(args.embeddings_from / "store.sqlite3", readonly=True)
            for key in (name, sentence_key(name)):
                store.put_vectors(key, other.all_vectors(key))
            other.close()
        for page, (items, terms) in enumerate(pool.imap(analyse, pages(args.corpus, rows, args.per_doc), 8)):
            chunks = page_chunks(page, [text for _, text in items])
            vecs = np.asarray(vectors[[row for row, _ in items]], dtype=np.float32)
            hashes = [text_hash(embed_text(c)) for c in chunks]
            source = Source(chunks[0].doc_id, "x", chunks[0].doc_id, chunks[0].doc_id)
            with store.transaction():
                store.put_vectors(name, dict(zip(hashes, vecs)))
                store.put_vectors(sentence_key(name), dict(zip(hashes, vecs)))
                writes.add_document(store, lexicon, source,
                                     [Article(source.doc_id, 0, "", "lead", Mapped("x", (0,)))], chunks, terms)
                store.bump_generation()
            loaded += len(chunks)
            if page % 2000 == 0:
                print(f"  {loaded} chunks in {time.perf_counter() - t:.0f} s", flush=True)
        phases["write_pages_s"] = time.perf_counter() - t
        t = time.perf_counter()
    phases["last_move_and_stamp_s"] = time.perf_counter() - t
    t = time.perf_counter()
    index.seal()
    phases["seal_s"] = time.perf_counter() - t
    t = time.perf_counter()
    seeds = [read(p) for p in sorted((REPO / "seeds").iterdir())]
    engine.add(seeds)
    phases["add_seed_pages_s"] = time.perf_counter() - t
    t = time.perf_counter()
    engine.wait()
    phases["seed_sentence_vectors_s"] = time.perf_counter() - t
    report = {"corpus": str(args.corpus), "rows": rows, "synthetic_chunks": loaded,
              "vector_index": engine.snapshot().manifest["vector_index"],
              **{k: round(v, 1) for k, v in phases.items()}}
    print(json.dumps(report, ensure_ascii=False))
    out = args.index_dir.resolve().parent / f"{args.index_dir.name}-build.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
