"""Lexical engines side by side on a synth_corpus directory, fed our analyzers' tokens.

    python eval/bench_lexical.py CORPUS [--rows N] [--analyzers bigram,jieba] [--engines fts5,fts5-top,tantivy,bm25s]

Engines: SQLite FTS5 queried as rag/indexing/store.py does today (OR of every query term, bm25, ORDER BY LIMIT),
FTS5 with only the query's 16 rarest terms (document frequency from fts5vocab), tantivy (whitespace tokenizer over
our tokens, BM25, one writer thread) and bm25s (sparse matrices, in memory). Queries: the eval/seeds questions plus
100 sampled 12-20 character spans of corpus rows. Prints one JSON line per (analyzer, engine): build seconds,
index bytes, p50/p95 ms per query (query analysis included), and hit@5 of the answerable seeds questions (a top-5
row is a planted seed chunk holding the question's evidence) on the whole corpus and on the seeds alone.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.evaluation import datasets
from rag.text import analyzers

REPO = Path(__file__).resolve().parents[1]
TOP_TERMS = 16


class Fts5:
    def __init__(self, folder: Path, top: int | None):
        self.path = folder / "fts.sqlite"
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE VIRTUAL TABLE f USING fts5(terms, tokenize = 'unicode61')")
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'row')")
        self.top = top

    def build(self, rowids, tokens):
        with self.db:
            self.db.executemany("INSERT INTO f (rowid, terms) VALUES (?, ?)",
                                ((int(r), " ".join(t)) for r, t in zip(rowids, tokens)))
            self.db.execute("INSERT INTO f (f) VALUES ('optimize')")

    def size(self) -> int:
        return self.path.stat().st_size

    def search(self, terms: list[str], k: int):
        terms = list(dict.fromkeys(terms))
        if self.top and len(terms) > self.top:
            marks = ",".join("?" * len(terms))
            df = dict(self.db.execute(f"SELECT term, doc FROM v WHERE term IN ({marks})", terms).fetchall())
            terms = sorted(terms, key=lambda t: df.get(t, 0))[: self.top]
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = "SELECT rowid, bm25(f) AS s FROM f WHERE f MATCH ? ORDER BY s LIMIT ?"
        return [r for r, _ in self.db.execute(sql, (match, k))]


class Tantivy:
    def __init__(self, folder: Path):
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("rowid", stored=True, indexed=True, fast=True)
        builder.add_text_field("terms", stored=False, tokenizer_name="whitespace")
        self.schema = builder.build()
        self.folder = folder / "tantivy"
        self.folder.mkdir()
        self.index = tantivy.Index(self.schema, path=str(self.folder))

    def build(self, rowids, tokens):
        writer = self.index.writer(256 * 1024 * 1024, 1)
        for r, t in zip(rowids, tokens):
            writer.add_document(self.tantivy.Document(rowid=int(r), terms=" ".join(t)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir())

    def search(self, terms: list[str], k: int):
        t = self.tantivy
        q = t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(self.schema, "terms", w))
                                   for w in dict.fromkeys(terms)])
        return [self.searcher.doc(a)["rowid"][0] for _, a in self.searcher.search(q, k).hits]


class Bm25s:
    def __init__(self, folder: Path):
        import bm25s

        self.bm25s = bm25s
        self.folder = folder / "bm25s"

    def build(self, rowids, tokens):
        self.rowids = np.asarray(rowids)
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(w, len(vocab)) for w in t] for t in tokens]
        self.vocab = vocab
        self.model = self.bm25s.BM25()
        self.model.index(self.bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self.model.save(str(self.folder))

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir())

    def search(self, terms: list[str], k: int):
        known = [self.vocab[w] for w in dict.fromkeys(terms) if w in self.vocab]
        if not known:
            return []
        docs, _ = self.model.retrieve([known], k=min(k, len(self.rowids)), show_progress=False, n_threads=1)
        return self.rowids[docs[0]].tolist()


ENGINES = {"fts5": lambda d: Fts5(d, None), "fts5-top": lambda d: Fts5(d, TOP_TERMS),
           "tantivy": Tantivy, "bm25s": Bm25s}


def hit_at_5(engine, analyzer, questions, seed_rows: dict[int, str]) -> float:
    hits = 0
    for q in questions:
        rows = engine.search(analyzer(q.question), 5)
        hits += any(r in seed_rows and any(e in seed_rows[r] for e in q.evidence) for r in rows)
    return hits / len(questions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rows", type=int, help="only the first N rows")
    ap.add_argument("--analyzers", default="bigram,jieba")
    ap.add_argument("--engines", default=",".join(ENGINES))
    args = ap.parse_args()
    t = time.time()
    with open(args.corpus / "texts.txt", encoding="utf-8") as f:
        texts = [line.rstrip("\n") for _, line in zip(range(args.rows or 10**12), f)]
    seeds = [json.loads(line) for line in (args.corpus / "seeds.jsonl").open(encoding="utf-8")]
    seed_rows = {s["row"]: s["text"] for s in seeds if s["row"] < len(texts)}
    questions = [q for q in datasets.load(REPO / "eval" / "seeds").questions if q.answerable and q.evidence]
    rng = np.random.default_rng(0)
    sampled = []
    for r in rng.choice(len(texts), 100, replace=False):
        n = int(rng.integers(12, 21))
        a = int(rng.integers(0, max(1, len(texts[r]) - n)))
        sampled.append(texts[r][a : a + n])
    queries = [q.question for q in questions] + sampled
    print(f"# {len(texts)} rows read in {time.time() - t:.0f}s; {len(seed_rows)} seed chunks; "
          f"{len(questions)} answerable seeds questions", file=sys.stderr)
    rows = []
    for name in args.analyzers.split(","):
        analyzer = analyzers.get(name)
        t = time.time()
        tokens = [analyzer(x) for x in texts]
        analyze_s = time.time() - t
        distinct = len({w for ts in tokens for w in ts})
        seed_ids = sorted(seed_rows)
        for engine_name in args.engines.split(","):
            with tempfile.TemporaryDirectory(dir=args.corpus) as tmp, tempfile.TemporaryDirectory() as tmp_seeds:
                engine = ENGINES[engine_name](Path(tmp))
                t = time.time()
                engine.build(range(len(tokens)), tokens)
                build_s = time.time() - t
                times = []
                for q in queries:
                    t0 = time.perf_counter()
                    engine.search(analyzer(q), 10)
                    times.append(time.perf_counter() - t0)
                quality = hit_at_5(engine, analyzer, questions, seed_rows)
                alone = ENGINES[engine_name](Path(tmp_seeds))
                alone.build(seed_ids, [tokens[r] for r in seed_ids])
                row = {"rows": len(texts), "analyzer": name, "engine": engine_name, "analyze_s": round(analyze_s, 1),
                       "distinct_terms": distinct, "build_s": round(build_s, 1), "bytes": engine.size(),
                       "p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
                       "p95_ms": round(float(np.percentile(times, 95)) * 1000, 2),
                       "hit@5": round(quality, 3), "hit@5_seeds_alone": round(hit_at_5(alone, analyzer, questions,
                                                                                          seed_rows), 3)}
                print(json.dumps(row), flush=True)
                rows.append(row)
    out = REPO / "eval" / "reports" / f"lexical-{len(texts)}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
