"""Crash trial of the write path: a writer adds, deletes, seals and merges documents and is SIGKILLed at random
instants; after each kill the index is opened and checked against what the writer had acknowledged.

    python eval/crash_trial.py --trials 200 [--dir /tmp/crash]

Prints trials, torn indexes (an index that does not open, or a document not whole: its chunks, their rows in
FTS5, the lexicon or its fresh rows, vectors and sentence vectors), lost writes (an acknowledged add missing), resurfaced
deletes (an acknowledged delete found by any search leg) and stalled trials (the writer acknowledged nothing
in 60 s: a lock or a file a kill left behind blocks every later write). All must be 0. Storage is what is on trial, so the writer uses the hashing stand-in embedder from
tests/fakes.py (the real model would only make each restart slower); segments are sealed every 3 chunks and the lexicon takes its
fresh rows every 4, so that kills land inside sealing, merging and the lexicon's commits too, and a segment of 12 vectors or more is built approximate (IVF).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.indexing.ann import AnnPolicy  # noqa: E402
from rag.indexing.index import Index  # noqa: E402
from rag.indexing.store import sentence_key  # noqa: E402
from rag.indexing.merging import MergePolicy  # noqa: E402
from rag.ingest.loading import Source  # noqa: E402
from rag.text.analyzers import bigrams  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402

POLICY = MergePolicy(seal_at=3, max_deleted=0.2, max_segments=4, lexicon_batch=4)
ANN = AnnPolicy(exact_below=12, m=4, ef_construction=8)
WORDS = "志愿 服务 社区 文明 实践 老年 助餐 垃圾 分类 图书 阅读 医院 义诊 交通 地铁 学校 讲堂 党史 红色 电影".split()


def text_of(n: int) -> str:
    rng = random.Random(n)
    paras = ["本报讯 " + "".join(rng.choice(WORDS) for _ in range(rng.randint(30, 90))) + f"编号{n}号。"
             for _ in range(rng.randint(1, 3))]
    return "\n\n".join(paras)


def source(n: int) -> Source:
    text = text_of(n)
    return Source(doc_id=f"doc{n}.txt", text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path="")


def writer(root: Path, log: Path, start: int, go: Path) -> None:
    """Warms up, waits for `go`, then runs until killed; appends 'A n' / 'D n' to the log, fsynced, only after
    the write returned (and 'a n' / 'd n' before it: an in-flight write may land or not)."""
    from rag.text.analyzers import jieba_words

    jieba_words("预热")  # start-up is not on trial: the next writer warms up while the last one is checked
    while not go.exists():
        time.sleep(0.01)
    index = Index(root, HashEmbedder(), policy=ANN, merge_policy=POLICY)
    rng = random.Random(start)
    live: list[int] = []
    with log.open("a") as fh:
        def ack(line: str) -> None:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

        n = start
        while True:
            if live and rng.random() < 0.35:
                victim = live.pop(rng.randrange(len(live)))
                ack(f"d {victim}")  # intent: killed before the ack, either outcome is allowed
                index.remove([f"doc{victim}.txt"])
                ack(f"D {victim}")
            else:
                ack(f"a {n}")
                index.add([source(n)])
                ack(f"A {n}")
                live.append(n)
                n += 1
            if rng.random() < 0.2:
                index.merge()


def check(root: Path, log: Path) -> tuple[bool, int, int]:
    """(torn, lost, resurfaced) against the acknowledged log."""
    acked: dict[int, bool] = {}  # the last acknowledged state of each document; in-flight ones are left out
    for line in log.read_text().splitlines():
        op, n = line.split()
        if op in ("A", "D"):
            acked[int(n)] = op == "A"
        else:
            acked.pop(int(n), None)
    embedder = HashEmbedder()
    try:
        snap = Index(root, embedder, policy=ANN, merge_policy=POLICY).open()
    except Exception as exc:  # noqa: BLE001 - any failure to open is a torn index
        print("  open failed:", exc)
        return True, 0, 0
    store = snap.store
    torn = snap.vectors.size != store.counts()["chunks"]
    for doc in store.documents():
        rows = store.chunk_rows([doc.doc_id])
        # each chunk is in FTS5, the lexicon or its fresh rows (a crash mid-move or mid-flush may leave it in two)
        fts = {r[0] for r in store.db.execute(f"SELECT rowid FROM chunks_fts WHERE rowid IN ({','.join(map(str, rows)) or 0})")}
        moved = snap.lexicon.holds(rows) if snap.lexicon else set()
        if len(rows) != doc.chunks or fts | moved | snap.fresh.holds(rows) != set(rows) or (rows and len(
                store.vectors_of(embedder.name, rows)) != len(rows)) or len(
                store.vectors_by_row(sentence_key(embedder.name), rows)) != len(rows):
            torn = True
    lost = resurfaced = 0
    # A dense hit whose row is gone is excluded by its tombstone or dropped at the chunk fetch; count the raw ids
    # too: a deleted row id must never come back from the vector search (one search returning every vector).
    everything = snap.vectors.search(embedder.embed_query("编号"), snap.vectors.size or 1)
    gone = {r for r, _ in everything if not store.chunks_by_id([r])}
    for n, present in acked.items():
        doc_id = f"doc{n}.txt"
        if present:  # there, and found by its own words (its number is in no other document)
            hits = [i for i, _ in snap.lexical(bigrams(f"编号{n}号"), "bigram", 50)]
            lost += store.document(doc_id) is None or not any(
                c.doc_id == doc_id for c in store.chunks_by_id(hits).values())
        if not present:
            query = embedder.embed_query(text_of(n))
            dense = [store.chunks_by_id([i]).get(i) for i, _ in snap.vectors.search(query, 20)]
            lexical = snap.lexical(bigrams(f"编号{n}号"), "bigram", 20)
            found = store.document(doc_id) is not None or any(c and c.doc_id == doc_id for c in dense) or any(
                store.chunks_by_id([i]).get(i) and store.chunks_by_id([i])[i].doc_id == doc_id for i, _ in lexical)
            resurfaced += int(found or bool(gone))
    snap.close()
    return torn, lost, resurfaced


def main() -> None:
    if sys.argv[1:2] == ["--writer"]:
        writer(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/crash-trial"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    root, log = args.dir / "index", args.dir / "acked.log"
    log.touch()
    rng = random.Random(args.seed)
    torn = lost = resurfaced = stalled = 0
    started = time.time()
    def spawn(trial: int, start: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, __file__, "--writer", str(root), str(log), str(start),
                                 str(args.dir / f"go-{trial}")], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def acks() -> int:
        return sum(line[:1] in ("A", "D") for line in log.read_text().splitlines())

    proc = spawn(1, 0)
    for trial in range(1, args.trials + 1):
        before = acks()
        (args.dir / f"go-{trial}").touch()
        deadline = time.time() + 60
        while time.time() < deadline and acks() <= before:
            time.sleep(0.01)
        stalled += acks() <= before  # a writer that cannot write (a lock or file a kill left) is a failure too
        time.sleep(rng.uniform(0.0, 1.5))  # the kill lands anywhere in the writing, after one acknowledged write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        next_doc = max((int(line.split()[1]) for line in log.read_text().splitlines()), default=-1) + 1000
        if trial < args.trials:
            proc = spawn(trial + 1, next_doc)  # warms up while this trial is checked
        t, lo, r = check(root, log)
        torn += t
        lost += lo
        resurfaced += r
        if trial % 10 == 0:
            print(f"  {trial} trials, {acks()} acknowledged writes, torn {torn} lost {lost} resurfaced {resurfaced} "
                  f"stalled {stalled}, {time.time() - started:.0f} s", flush=True)
    acks = [a for a in log.read_text().splitlines() if a[0] in "AD"]
    print(f"trials {args.trials}  acknowledged writes {len(acks)} (deletes {sum(a.startswith('D') for a in acks)})")
    print(f"torn {torn}  lost {lost}  resurfaced {resurfaced}  stalled {stalled} (trials whose writer acknowledged "
          "nothing in 60 s)")


if __name__ == "__main__":
    main()
