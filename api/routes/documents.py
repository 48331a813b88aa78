from __future__ import annotations

import queue
from pathlib import Path
from typing import Annotated

import json

from fastapi import (
    APIRouter,
    File,
    Form,
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

from pydantic import ValidationError

from rag.indexing.index import CollectionError
from rag.ingest.metadata import described
from rag.types import DEFAULT_COLLECTION, DocumentMeta

from ..convert import meta_out, page_count
from ..deps import EngineDep, Reader, SettingsDep, Writer
from ..schemas import DocumentDetail, DocumentOut, JobOut, MetaOut, MetaPatch, UploadResponse, UploadResult
from ..scope import collections_for
from .jobs import job_queue

router = APIRouter(tags=["documents"])
# Reading these takes seconds a page (OCR, PDF, Word), longer than an HTTP client should wait: they go to a job.
SLOW_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".docx")


def _out(d, store) -> DocumentOut:
    fields = {k: getattr(d, k) for k in DocumentOut.model_fields if hasattr(d, k) and k != "meta"}
    return DocumentOut(**{**fields, "meta": meta_out(d.meta), "pages": page_count(store, d.doc_id)})


def _readable(request: Request, store, doc_id: str):
    """The document, if it exists and the caller's key may read its collection (404 otherwise: a limited key
    does not learn what other collections hold)."""
    d = store.document(doc_id)
    allowed = getattr(request.state, "collections", None)
    if d is None or (allowed is not None and d.collection not in allowed):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {doc_id}")
    return d


@router.get("/documents", response_model=list[DocumentOut], dependencies=[Reader])
async def list_documents(request: Request, engine: EngineDep,
                         collection: Annotated[list[str] | None, Query(description="only these collections")] = None
                         ) -> list[DocumentOut]:
    store = engine.snapshot().store
    allowed = getattr(request.state, "collections", None)
    names = collections_for(request, store, collection) if collection or allowed is not None else None
    return [_out(d, store) for d in store.documents(names)]


@router.get("/documents/{doc_id}", response_model=DocumentDetail, dependencies=[Reader],
            summary="One document with its newspaper metadata and the articles found on it")
async def get_document(doc_id: str, request: Request, engine: EngineDep) -> DocumentDetail:
    store = engine.snapshot().store
    d = _readable(request, store, doc_id)
    return DocumentDetail(document=_out(d, store), articles=store.articles(doc_id))


@router.patch("/documents/{doc_id}", response_model=DocumentOut, dependencies=[Writer],
              summary="Correct a document's newspaper metadata (paper, date, page, page name, section, authors)")
async def patch_document(doc_id: str, body: MetaPatch, engine: EngineDep) -> DocumentOut:
    d = engine.snapshot().store.document(doc_id)
    if d is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {doc_id}")
    changed = body.model_dump(exclude_unset=True)
    current = meta_out(d.meta).model_dump()
    merged = MetaOut(**{**current, **changed})
    info = await run_in_threadpool(engine.set_meta, doc_id, _meta(merged))
    return _out(info, engine.snapshot().store)


@router.get("/documents/{doc_id}/pages/{n}", dependencies=[Reader], response_class=Response,
            responses={200: {"content": {"image/png": {}}}}, summary="Page n (from 1) of a scanned or PDF document")
async def page_image(doc_id: str, n: int, request: Request, engine: EngineDep) -> Response:
    store = engine.snapshot().store
    _readable(request, store, doc_id)
    pages = page_count(store, doc_id)
    png = store.page_image(doc_id, n) if 1 <= n <= pages else None
    if png is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"{doc_id} has no page {n}" + (f" (it has {pages})" if pages else " (it has no page images)"))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post("/documents", response_model=UploadResponse, status_code=status.HTTP_201_CREATED,
             dependencies=[Writer], responses={202: {"model": JobOut, "description": "queued: follow GET /jobs/{id}"}},
             summary="Upload files; text is indexed at once (201), scans, PDFs and Word files in a job (202)")
async def upload(files: Annotated[list[UploadFile], File(description="files to index; a NAME.json beside NAME "
                                                                        "is its metadata sidecar")],
                 request: Request, engine: EngineDep, settings: SettingsDep,
                 run_async: Annotated[bool, Query(alias="async", description="always answer 202 with a job")] = False,
                 collection: Annotated[str, Form(description="the collection the files go into")] = DEFAULT_COLLECTION,
                 paper: Annotated[str | None, Form(description="报名, for every file of this upload")] = None,
                 date: Annotated[str | None, Form(description="publication date, YYYY-MM-DD")] = None,
                 page: Annotated[int | None, Form(description="版次")] = None,
                 page_name: Annotated[str | None, Form(description="版名")] = None,
                 section: Annotated[str | None, Form(description="栏目")] = None,
                 authors: Annotated[str | None, Form(description="bylines, separated by commas")] = None):
    store = engine.snapshot().store
    if collection not in store.collection_names():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such collection: {collection}; create it with "
                                                        "POST /collections")
    fields = {k: v for k, v in {"paper": paper, "date": date, "page": page, "page_name": page_name,
                                "section": section}.items() if v not in (None, "")}
    if authors:
        fields["authors"] = [a.strip() for a in authors.replace("，", ",").replace("、", ",").split(",") if a.strip()]
    _check_meta("the upload's fields", fields)
    sidecars: dict[str, dict] = {}
    uploads = []
    for f in files:  # validate every file before indexing any: an error writes nothing
        if (f.filename or "").lower().endswith(".json"):
            sidecars[Path(f.filename).name[:-5]] = _sidecar(f.filename, await f.read(64 * 1024 + 1))
            continue
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
    orphans = [s for s in sidecars if s not in names and not any(Path(n).stem == s for n in names)]
    if orphans:
        raise HTTPException(422, f"{orphans[0]}.json: a metadata sidecar must come with the file it describes")
    given = {n: {**sidecars.get(n, sidecars.get(Path(n).stem, {})), **fields} for n in names}
    for name, data in uploads:
        other = store.document(name)
        if other is not None and other.collection != collection:
            raise HTTPException(status.HTTP_409_CONFLICT, f"{name} is already in collection '{other.collection}'; "
                                "document ids are file names, unique across collections: delete it there or rename")
    if run_async or any(n.lower().endswith(SLOW_SUFFIXES) for n in names):
        return _queue(request, uploads, collection, given)
    sources = []
    for name, data in uploads:
        try:
            sources.append(described(loading.decode(name, data), collection, upload=given[name]))
        except loading.LoadError as exc:
            raise HTTPException(422, str(exc)) from None
    try:
        results = await run_in_threadpool(engine.add, sources)
    except CollectionError as exc:  # the collection was deleted, or the name taken, since the checks above
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return UploadResponse(documents=[UploadResult(**r.__dict__) for r in results],
                          build_id=engine.snapshot().build_id)


@router.delete("/documents/{doc_id}", response_model=DocumentOut, dependencies=[Writer])
async def delete(doc_id: str, engine: EngineDep) -> DocumentOut:
    try:
        removed = await run_in_threadpool(engine.remove, [doc_id])
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from None
    return _out(removed[0], engine.snapshot().store)


def _check_meta(what: str, fields: dict) -> None:
    try:
        MetaOut(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, f"{what}: {problems}") from None


def _sidecar(filename: str, data: bytes) -> dict:
    if len(data) > 64 * 1024:
        raise HTTPException(413, f"{filename}: a metadata sidecar is at most 64 KB")
    try:
        fields = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(422, f"{filename}: not a JSON object ({exc})") from None
    if not isinstance(fields, dict):
        raise HTTPException(422, f"{filename}: a metadata sidecar is a JSON object, e.g. "
                                 '{"paper": "人民日报", "date": "2021-03-05", "page": 4}')
    unknown = sorted(set(fields) - set(MetaOut.model_fields))
    if unknown:
        raise HTTPException(422, f"{filename}: unknown field {', '.join(unknown)}; "
                                 f"known: {', '.join(MetaOut.model_fields)}")
    _check_meta(filename, fields)
    return fields


def _meta(m: MetaOut) -> DocumentMeta:
    return DocumentMeta(paper=m.paper, date=m.date.isoformat() if m.date else None, page=m.page,
                        page_name=m.page_name, section=m.section, authors=tuple(m.authors))


def _queue(request: Request, uploads: list[tuple[str, bytes]], collection: str, given: dict[str, dict]
           ) -> JSONResponse:
    try:
        job = job_queue(request).submit(uploads, collection, given)
    except queue.Full:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many uploads are waiting to be read; try later",
                            headers={"Retry-After": "30"}) from None
    return JSONResponse(job.out().model_dump(), status_code=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/jobs/{job.job_id}"})
