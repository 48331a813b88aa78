"""Sealing and merging segments (the background half of the write path).

Sealing turns the fresh chunks into an immutable segment file once there are `seal_at` of them; merging
rewrites segments that carry too many tombstones, or too many small segments, into one. A segment stores its
rows by collection, paper and publication date (`Store.segment_order`), so that those filters select runs of it.
Both write the new file first (temporary name, fsync, rename), then record it in the store in one transaction,
then unlink the files they replaced: a crash at any point leaves the store pointing at complete files only, and
the files it no longer lists are removed by `sweep` on the next write.

A merge, as Lucene's, does not hold the write lock while it builds: it chooses its segments and reads their
rows under the lock (`plan_merge`), builds the new index without it (`build`: minutes for an HNSW of a million
rows, during which pages are added and deleted), and records the result under the lock again (`commit`), where
rows deleted meanwhile become tombstones of the new segment. One merge runs at a time (`merge_lock`).

Every write also finishes what a crash left of the lexicon's writes (`sweep`, rag.indexing.lexical.writes).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rag.checksums import file_sha256
from rag.indexing import ann
from rag.indexing.ann import AnnPolicy
from rag.indexing.lexical import LexicalIndex, writes
from rag.indexing.segments import SEGMENTS_DIR
from rag.indexing.store import Store
from rag.indexing.vectors import VectorIndex, VectorInfo

MERGE_LOCK = ".merging"


@dataclass(frozen=True)
class MergePolicy:
    seal_at: int = 20_000  # fresh chunks searched exactly in memory before they are sealed into a file
    max_deleted: float = 0.2  # share of tombstones at which a segment is rewritten without them
    max_segments: int = 8  # above this, the smallest segments are merged together
    # fresh rows the lexicon takes in one commit: each reader tokenizes up to this many on opening the index
    lexicon_batch: int = 100

    def __post_init__(self):
        if self.seal_at < 1:
            raise ValueError(f"seal_at must be at least 1, got {self.seal_at}")
        if not 0 < self.max_deleted <= 1:
            raise ValueError(f"max_deleted must be in (0, 1], got {self.max_deleted}")
        if self.lexicon_batch < 1:
            raise ValueError(f"lexicon_batch must be at least 1, got {self.lexicon_batch}")
        if self.max_segments < 2:
            raise ValueError(f"max_segments must be at least 2, got {self.max_segments}")


def sweep(root: Path, store: Store, lexicon: LexicalIndex) -> None:
    """Remove segment files the store does not list (left by a crash between writing and recording), and
    finish the lexicon writes a crash interrupted. A merge building outside the write lock keeps its unfinished
    file (`*.tmp`)."""
    writes.forget_uncommitted(store, lexicon)
    writes.forget_deleted(store, lexicon)
    writes.move_to_lexicon(store, lexicon)
    folder = root / SEGMENTS_DIR
    if not folder.exists():
        return
    listed = {row["file"] for row in store.segment_rows()}
    building = merge_running(root)
    for path in folder.iterdir():
        if path.name not in listed and not (building and path.suffix == ".tmp"):
            path.unlink(missing_ok=True)


@contextmanager
def merge_lock(root: Path) -> Iterator[bool]:
    """Held by the one merge that may run at a time (in any thread or process): True when it is this one's.
    A flock, so that a killed merge leaves no lock behind."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / MERGE_LOCK, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def merge_running(root: Path) -> bool:
    """Whether a merge holds the merge lock now (locks of separate opens exclude each other in one process too)."""
    with merge_lock(root) as free:
        return not free


@dataclass(frozen=True)
class Job:
    """A segment to write: its reserved number, the rows it takes (live when chosen, in segment order) with
    their vectors, and the segments it replaces. Read under the write lock; built without it (`build`)."""
    segment: int
    ids: np.ndarray
    vectors: np.ndarray
    replaces: tuple[int, ...] = ()

    @property
    def file(self) -> str:
        return f"seg-{self.segment:06d}.faiss"


def seal(root: Path, store: Store, model: str, dim: int, vectors: AnnPolicy, policy: MergePolicy,
         force: bool = False) -> int | None:
    """Seal the fresh chunks into a segment when there are enough of them (or any, with `force`); inside the
    write, as it is small (`seal_at` rows: searched exactly, built in well under a second)."""
    ids = store.fresh_ids()
    if len(ids) == 0 or (len(ids) < policy.seal_at and not force):
        return None
    job = _job(store, model, ids, ())
    return commit(root, store, job, build(root, job, dim, vectors))


def plan_merge(store: Store, model: str, policy: MergePolicy) -> Job | None:
    """The segments that need rewriting into one, read for `build`; None when none does."""
    rows = store.segment_rows()
    dead = {seg: len(ids) for seg, ids in store.tombstones().items()}
    chosen = [r["id"] for r in rows if dead.get(r["id"], 0) > policy.max_deleted * r["count"]]
    if len(rows) > policy.max_segments:
        small = sorted(rows, key=lambda r: r["count"])[: len(rows) - policy.max_segments + 1]
        chosen = sorted(set(chosen) | {r["id"] for r in small})
    if not chosen:
        return None
    return _job(store, model, np.concatenate([store.segment_chunk_ids(seg) for seg in chosen]), tuple(chosen))


def _job(store: Store, model: str, ids: np.ndarray, replaces: tuple[int, ...]) -> Job:
    ids = store.segment_order(ids)
    with store.transaction():  # reserved now: a write may seal a segment while this one is built
        segment = int(store.get_meta("last_segment") or 0) + 1
        store.set_meta("last_segment", str(segment))
    return Job(segment, ids, store.vectors_of(model, ids.tolist()), replaces)


def build(root: Path, job: Job, dim: int, policy: AnnPolicy) -> VectorIndex | None:
    """The job's index, written to `<file>.tmp` and synced; None when it has no rows (the segments it
    replaces are only dropped). Needs no lock: at a million rows it takes minutes, and writes go on."""
    if len(job.ids) == 0:
        return None
    folder = root / SEGMENTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    index = ann.build(job.ids, job.vectors, dim, policy)
    tmp = folder / (job.file + ".tmp")
    index.save(tmp)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    return index


def commit(root: Path, store: Store, job: Job, index: VectorIndex | None) -> int | None:
    """Record a built job in one transaction (under the write lock): the new segment, the rows deleted while
    it was built as its tombstones, the replaced segments dropped. None, and the file discarded, when a
    replaced segment is gone meanwhile (a rebuild)."""
    folder = root / SEGMENTS_DIR
    tmp = folder / (job.file + ".tmp")
    listed = {r["id"]: r["file"] for r in store.segment_rows()}
    if any(seg not in listed for seg in job.replaces):
        tmp.unlink(missing_ok=True)
        return None
    if index is not None:
        os.replace(tmp, folder / job.file)
        _fsync_dir(folder)
    with store.transaction():
        if index is not None:
            store.add_segment(job.segment, job.file, index.info.kind, json.dumps(asdict(index.info)),
                              file_sha256(folder / job.file), job.ids)
            store.move_tombstones(job.replaces, job.segment, job.ids)
        store.drop_segments(job.replaces)
        store.bump_generation()
    for seg in job.replaces:  # readers hold the vectors in memory; the files are no longer listed
        (folder / listed[seg]).unlink(missing_ok=True)
    return job.segment if index is not None else None


def untuned(store: Store) -> list[dict]:
    """The HNSW segments an older ANN policy tuned (`ann.POLICY_VERSION`)."""
    rows = store.segment_rows()
    return [r for r in rows if (info := VectorInfo.from_dict(json.loads(r["info"]))).kind == "hnsw"
            and info.policy < ann.POLICY_VERSION]


def tune_again(root: Path, rows: list[dict], policy: AnnPolicy, loaded: Mapping[int, VectorIndex] | None = None
               ) -> list[tuple[dict, VectorInfo]]:
    """Today's policy's search for these segments (`untuned`): the graph stays, only how it is searched
    changes, so the file is not rewritten. Needs no lock; at 1M rows it takes about a minute. A segment a
    reader has `loaded` is tuned in place (tuning only searches it): loading the file again would hold a
    second copy, 1.8 GB at 1M rows, while it runs."""
    out = []
    for row in rows:
        path = root / SEGMENTS_DIR / row["file"]
        index = (loaded or {}).get(row["id"])
        if index is None and path.exists():  # else merged away or rebuilt meanwhile
            index = VectorIndex.load(path, VectorInfo.from_dict(json.loads(row["info"])))
        if index is not None:
            out.append((row, ann.tune(index, index.stored_vectors(), policy).info))
    return out


def record_tuning(store: Store, tuned: list[tuple[dict, VectorInfo]]) -> list[int]:
    """Record `tune_again`'s infos in one transaction, for the segments that are still as they were."""
    current = {r["id"]: r for r in store.segment_rows()}
    done = [(row["id"], info) for row, info in tuned
            if row["id"] in current and current[row["id"]]["info"] == row["info"]]
    if done:
        with store.transaction():
            for segment, info in done:
                store.set_segment_info(segment, json.dumps(asdict(info)))
            store.bump_generation()
    return [segment for segment, _ in done]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
