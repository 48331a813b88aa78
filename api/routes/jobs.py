"""Background reading and indexing of uploads, and `GET /jobs/{id}` to follow them.

One worker thread reads the files of one job at a time (OCR and PDF reading take seconds a page) and then hands
them to `Engine.add`, whose writer lock keeps writes one at a time. Jobs live in memory only: a restart forgets
them (the documents they indexed stay in the index)."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Request, status

from rag.engine import Engine
from rag.ingest import loading
from rag.ingest.metadata import described
from rag.types import DEFAULT_COLLECTION

from ..deps import Reader
from ..schemas import JobOut, UploadResult

router = APIRouter(tags=["documents"])
KEEP_FINISHED = 200  # finished jobs remembered for GET /jobs


@dataclass
class Job:
    job_id: str
    files: list[str]
    data: list[bytes] = field(repr=False)
    collection: str = DEFAULT_COLLECTION
    given: dict[str, dict] = field(default_factory=dict, repr=False)  # per file: metadata from fields and sidecars
    status: str = "queued"  # queued, reading, ocr, indexing, done, failed
    file: str | None = None
    page: int | None = None
    pages: int | None = None
    documents: list[dict] = field(default_factory=list)
    error: str | None = None
    created_at: float = field(default_factory=time.time)

    def out(self) -> JobOut:
        return JobOut(job_id=self.job_id, status=self.status, files=self.files, file=self.file, page=self.page,
                      pages=self.pages, message=self.message(), error=self.error,
                      documents=[UploadResult(**d) for d in self.documents],
                      created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created_at)))

    def message(self) -> str:
        if self.status == "ocr":
            return f"OCR page {self.page} of {self.pages} of {self.file}"
        if self.status == "reading":
            return f"reading {self.file}"
        if self.status == "failed":
            return f"failed: {self.error}"
        if self.status == "done":
            return f"indexed {len(self.documents)} file(s)"
        return self.status


class JobQueue:
    """A bounded queue of uploads and the one thread that works through it."""

    def __init__(self, engine: Engine, max_waiting: int):
        self.engine = engine
        self._queue: queue.Queue[Job] = queue.Queue(maxsize=max_waiting)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="rag-jobs", daemon=True)
        self._thread.start()

    def submit(self, files: list[tuple[str, bytes]], collection: str = DEFAULT_COLLECTION,
               given: dict[str, dict] | None = None) -> Job:
        """Queue an upload; raises queue.Full when too many are waiting."""
        job = Job(uuid.uuid4().hex[:16], [n for n, _ in files], [d for _, d in files], collection, given or {})
        self._queue.put_nowait(job)
        with self._lock:
            self._jobs[job.job_id] = job
            finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
            for old in finished[:max(0, len(finished) - KEEP_FINISHED)]:
                del self._jobs[old.job_id]
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def _work(self) -> None:
        while True:
            self._run(self._queue.get())

    def _run(self, job: Job) -> None:
        try:
            sources = []
            for name, data in zip(job.files, job.data):
                job.status, job.file, job.page, job.pages = "reading", name, None, None

                def progress(stage: str, n: int, of: int, job=job) -> None:
                    job.status, job.page, job.pages = ("ocr" if stage == "ocr" else "reading"), n, of

                sources.append(described(loading.decode(name, data, progress), job.collection,
                                         upload=job.given.get(name)))
            job.status, job.file, job.page, job.pages = "indexing", None, None, None
            job.documents = [r.__dict__ for r in self.engine.add(sources)]
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - the reason is the job's result; nothing was written
            job.error = str(exc) if isinstance(exc, loading.LoadError) else f"{type(exc).__name__}: {exc}"
            job.status = "failed"
        finally:
            job.data = []  # the bytes are not needed any more


def job_queue(request: Request) -> JobQueue:
    """The app's queue, started on first use (its worker needs the engine)."""
    state = request.app.state
    with state.jobs_lock:
        if state.jobs is None:
            state.jobs = JobQueue(state.engine, state.settings.max_jobs)
        return state.jobs


@router.get("/jobs", response_model=list[JobOut], dependencies=[Reader], summary="Recent upload jobs, newest first")
async def list_jobs(request: Request) -> list[JobOut]:
    return [j.out() for j in reversed(job_queue(request).all())]


@router.get("/jobs/{job_id}", response_model=JobOut, dependencies=[Reader],
            summary="An upload job: queued, reading, OCR page n of m, indexing, done (with results) or failed")
async def get_job(job_id: str, request: Request) -> JobOut:
    job = job_queue(request).get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such job: {job_id} (jobs are kept in memory only)")
    return job.out()
