from __future__ import annotations

import queue
from pathlib import Path
from typing import Annotated

from fastapi import (
    APIRouter,
    File,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from rag.ingest import loading

from ..convert import page_count
from ..deps import EngineDep, Reader, SettingsDep, Writer
from ..schemas import DocumentDetail, DocumentOut, JobOut, UploadResponse, UploadResult
from .jobs import job_queue

router = APIRouter(tags=["documents"])
# Reading these takes seconds a page (OCR, PDF, Word), longer than an HTTP client should wait: they go to a job.
SLOW_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".docx")


def _out(d, store) -> DocumentOut:
    fields = {k: getattr(d, k) for k in DocumentOut.model_fields if hasattr(d, k)}
    return DocumentOut(**{**fields, "pages": page_count(store, d.doc_id)})


@router.get("/documents", response_model=list[DocumentOut], dependencies=[Reader])
async def list_documents(engine: EngineDep) -> list[DocumentOut]:
    store = engine.snapshot().store
    return [_out(d, store) for d in store.documents()]


@router.get("/documents/{doc_id}", response_model=DocumentDetail, dependencies=[Reader],
            summary="One document with the articles found on it")
async def get_document(doc_id: str, engine: EngineDep) -> DocumentDetail:
    store = engine.snapshot().store
    d = store.document(doc_id)
    if d is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {doc_id}")
    return DocumentDetail(document=_out(d, store), articles=store.articles(doc_id))


@router.get("/documents/{doc_id}/pages/{n}", dependencies=[Reader], response_class=Response,
            responses={200: {"content": {"image/png": {}}}}, summary="Page n (from 1) of a scanned or PDF document")
async def page_image(doc_id: str, n: int, engine: EngineDep) -> Response:
    store = engine.snapshot().store
    if store.document(doc_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {doc_id}")
    pages = page_count(store, doc_id)
    png = store.page_image(doc_id, n) if 1 <= n <= pages else None
    if png is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"{doc_id} has no page {n}" + (f" (it has {pages})" if pages else " (it has no page images)"))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post("/documents", response_model=UploadResponse, status_code=status.HTTP_201_CREATED,
             dependencies=[Writer], responses={202: {"model": JobOut, "description": "queued: follow GET /jobs/{id}"}},
             summary="Upload files; text is indexed at once (201), scans, PDFs and Word files in a job (202)")
async def upload(files: Annotated[list[UploadFile], File(description="files to index")], request: Request,
                 engine: EngineDep, settings: SettingsDep,
                 run_async: Annotated[bool, Query(alias="async", description="always answer 202 with a job")] = False):
    uploads = []
    for f in files:  # validate every file before indexing any: an error writes nothing
        data = await f.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413,
                                f"{f.filename}: over the upload limit of {settings.max_upload_bytes} bytes")
        name = Path(f.filename or "upload.txt").name
        if not name.lower().endswith(loading.SUPPORTED_SUFFIXES):
            raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                                f"{name}: unsupported file type '{Path(name).suffix or '(none)'}'; "
                                f"supported: {', '.join(loading.SUPPORTED_SUFFIXES)}")
        try:
            # An empty, mislabelled, encrypted or cut-off file is refused now, not in a job.
            await run_in_threadpool(loading.check, name, data)
        except loading.LoadError as exc:
            raise HTTPException(422, str(exc)) from None
        uploads.append((name, data))
    names = [n for n, _ in uploads]
    if len(set(names)) != len(names):
        raise HTTPException(422, "two uploaded files have the same name")
    if run_async or any(n.lower().endswith(SLOW_SUFFIXES) for n in names):
        return _queue(request, uploads)
    sources = []
    for name, data in uploads:
        try:
            sources.append(loading.decode(name, data))
        except loading.LoadError as exc:
            raise HTTPException(422, str(exc)) from None
    results = await run_in_threadpool(engine.add, sources)
    return UploadResponse(documents=[UploadResult(**r.__dict__) for r in results],
                          build_id=engine.snapshot().build_id)


@router.delete("/documents/{doc_id}", response_model=DocumentOut, dependencies=[Writer])
async def delete(doc_id: str, engine: EngineDep) -> DocumentOut:
    try:
        removed = await run_in_threadpool(engine.remove, [doc_id])
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from None
    return _out(removed[0], engine.snapshot().store)


def _queue(request: Request, uploads: list[tuple[str, bytes]]) -> JSONResponse:
    try:
        job = job_queue(request).submit(uploads)
    except queue.Full:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many uploads are waiting to be read; try later",
                            headers={"Retry-After": "30"}) from None
    return JSONResponse(job.out().model_dump(), status_code=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/jobs/{job.job_id}"})
