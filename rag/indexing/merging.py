"""Sealing and merging segments (the background half of the write path).

Sealing turns the fresh chunks into an immutable segment file once there are `seal_at` of them; merging
rewrites segments that carry too many tombstones, or too many small segments, into one. A segment stores its
rows by collection, paper and publication date (`Store.segment_order`), so that those filters select runs of it.
Both write the new file first (temporary name, fsync, rename), then record it in the store in one transaction,
then unlink the files they replaced: a crash at any point leaves the store pointing at complete files only, and
the files it no longer lists are removed by `sweep` on the next write.

The lexicon (tantivy) follows every write: rows enter FTS5 inside the write's transaction, so they are
searchable the moment it commits, then move to the lexicon (its commit, then a second transaction that drops
them from FTS5); removed rows are dropped from it after the store's commit. A crash between the two leaves
rows in both engines (found twice, counted once) or stale postings (dropped when the chunks are fetched), and
the next write finishes the move.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rag.checksums import file_sha256
from rag.indexing import ann
from rag.indexing.ann import AnnPolicy
from rag.indexing.lexical import LexicalIndex
from rag.indexing.segments import SEGMENTS_DIR
from rag.indexing.store import Store
from rag.indexing.vectors import VectorIndex, VectorInfo


@dataclass(frozen=True)
class MergePolicy:
    seal_at: int = 20_000  # fresh chunks searched exactly in memory before they are sealed into a file
    max_deleted: float = 0.2  # share of tombstones at which a segment is rewritten without them
    max_segments: int = 8  # above this, the smallest segments are merged together

    def __post_init__(self):
        if self.seal_at < 1:
            raise ValueError(f"seal_at must be at least 1, got {self.seal_at}")
        if not 0 < self.max_deleted <= 1:
            raise ValueError(f"max_deleted must be in (0, 1], got {self.max_deleted}")
        if self.max_segments < 2:
            raise ValueError(f"max_segments must be at least 2, got {self.max_segments}")


def sweep(root: Path, store: Store, lexicon: LexicalIndex) -> None:
    """Remove segment files the store does not list (left by a crash between writing and recording), and
    finish the lexicon moves and deletes a crash interrupted."""
    forget_deleted(store, lexicon)
    move_to_lexicon(store, lexicon)
    folder = root / SEGMENTS_DIR
    if not folder.exists():
        return
    listed = {row["file"] for row in store.segment_rows()}
    for path in folder.iterdir():
        if path.name not in listed:
            path.unlink(missing_ok=True)


def move_to_lexicon(store: Store, lexicon: LexicalIndex, batch: int = 20_000) -> None:
    """Move the rows FTS5 holds (those written since the last move; all of them in an index from before the
    lexicon) into the lexicon, a batch at a time."""
    moved = False
    while rows := store.lexical_rows(batch):
        lexicon.add(rows)
        lexicon.commit()
        with store.transaction():
            store.unindex_lexical([row for row, _ in rows])
            store.bump_generation()  # readers reload the lexicon
        moved = True
    if moved:
        # FTS5 keeps deleted rows' postings (and scans them) until its segments merge: 3.4 ms -> 0.2 ms a
        # query on an FTS5 table emptied of 20,000 rows
        with store.transaction():
            store.optimize_lexical()


def forget_deleted(store: Store, lexicon: LexicalIndex) -> None:
    """Drop removed rows from the sealed lexicon. The write that removed them recorded them; a crash before
    this ran leaves them for the next write, and until then readers drop them when fetching the chunks."""
    pending = store.pending_lexical_deletes()
    if not pending:
        return
    lexicon.delete(pending)
    lexicon.commit()
    with store.transaction():
        store.clear_lexical_deletes(pending)
        store.bump_generation()  # readers reload the lexicon


def seal(root: Path, store: Store, model: str, dim: int, vectors: AnnPolicy, policy: MergePolicy,
         force: bool = False) -> int | None:
    """Seal the fresh chunks into a segment when there are enough of them (or any, with `force`)."""
    ids = store.fresh_ids()
    if len(ids) == 0 or (len(ids) < policy.seal_at and not force):
        return None
    return _write(root, store, model, ids, dim, vectors, replaces=[])


def merge(root: Path, store: Store, model: str, dim: int, vectors: AnnPolicy, policy: MergePolicy) -> int | None:
    """Rewrite the segments that need it into one; None when none does."""
    rows = store.segment_rows()
    dead = {seg: len(ids) for seg, ids in store.tombstones().items()}
    chosen = [r["id"] for r in rows if dead.get(r["id"], 0) > policy.max_deleted * r["count"]]
    if len(rows) > policy.max_segments:
        small = sorted(rows, key=lambda r: r["count"])[: len(rows) - policy.max_segments + 1]
        chosen = sorted(set(chosen) | {r["id"] for r in small})
    if not chosen:
        return None
    ids = np.concatenate([store.segment_chunk_ids(seg) for seg in chosen])
    if len(ids) == 0:
        return _record(root, store, None, chosen)
    return _write(root, store, model, ids, dim, vectors, replaces=chosen)


def retune(root: Path, store: Store, policy: AnnPolicy) -> list[int]:
    """Tune again, by today's policy, the HNSW segments an older one tuned (their info keeps no efSearch, and
    they walk from the top layer only): the graph stays, only how it is searched changes, so the file is not
    rewritten and the new info is recorded in one transaction. At 1M rows it takes about a minute, once."""
    done = []
    for row in store.segment_rows():
        info = VectorInfo.from_dict(json.loads(row["info"]))
        if info.kind != "hnsw" or info.ef_search:
            continue
        index = VectorIndex.load(root / SEGMENTS_DIR / row["file"], info)
        tuned = ann.tune(index, index.stored_vectors(), policy)
        with store.transaction():
            store.set_segment_info(row["id"], json.dumps(asdict(tuned.info)))
            store.bump_generation()
        done.append(row["id"])
    return done


def _write(root: Path, store: Store, model: str, ids: np.ndarray, dim: int, policy: AnnPolicy,
           replaces: list[int]) -> int:
    folder = root / SEGMENTS_DIR
    ids = store.segment_order(ids)
    vecs = store.vectors_of(model, ids.tolist())
    folder.mkdir(parents=True, exist_ok=True)
    segment = int(store.get_meta("last_segment") or 0) + 1
    index = ann.build(ids, vecs, dim, policy)
    name = f"seg-{segment:06d}.faiss"
    tmp = folder / (name + ".tmp")
    index.save(tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, folder / name)
    _fsync_dir(folder)
    row = {"file": name, "kind": index.info.kind, "info": json.dumps(asdict(index.info)),
           "sha256": file_sha256(folder / name), "ids": ids}
    return _record(root, store, (segment, row), replaces)


def _record(root: Path, store: Store, new: tuple[int, dict] | None, replaces: list[int]) -> int | None:
    old_files = [r["file"] for r in store.segment_rows() if r["id"] in replaces]
    with store.transaction():
        if new is not None:
            segment, row = new
            store.set_meta("last_segment", str(segment))
            store.add_segment(segment, row["file"], row["kind"], row["info"], row["sha256"], row["ids"])
        store.drop_segments(replaces)
        store.bump_generation()
    for name in old_files:  # readers hold the vectors in memory; the files are no longer listed
        (root / SEGMENTS_DIR / name).unlink(missing_ok=True)
    return new[0] if new else None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
