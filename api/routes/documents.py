from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from rag.ingest import loading

from ..deps import EngineDep, Reader, SettingsDep, Writer
from ..schemas import DocumentDetail, DocumentOut, UploadResponse, UploadResult

router = APIRouter(tags=["documents"])


def _out(d) -> DocumentOut:
    return DocumentOut(**{k: getattr(d, k) for k in DocumentOut.model_fields})


@router.get("/documents", response_model=list[DocumentOut], dependencies=[Reader])
async def list_documents(engine: EngineDep) -> list[DocumentOut]:
    return [_out(d) for d in engine.snapshot().store.documents()]


@router.get("/documents/{doc_id}", response_model=DocumentDetail, dependencies=[Reader],
            summary="One document with the articles found on it")
async def get_document(doc_id: str, engine: EngineDep) -> DocumentDetail:
    store = engine.snapshot().store
    d = store.document(doc_id)
    if d is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {doc_id}")
    return DocumentDetail(document=_out(d), articles=store.articles(doc_id))


@router.post("/documents", response_model=UploadResponse, status_code=status.HTTP_201_CREATED,
             dependencies=[Writer], summary="Upload .txt/.md files (UTF-8); they are indexed incrementally")
async def upload(files: Annotated[list[UploadFile], File(description=".txt or .md, UTF-8")],
                 engine: EngineDep, settings: SettingsDep) -> UploadResponse:
    sources = []
    for f in files:  # validate every file before indexing any: an error writes nothing
        data = await f.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413,
                                f"{f.filename}: over the upload limit of {settings.max_upload_bytes} bytes")
        try:
            sources.append(loading.decode(f.filename or "upload.txt", data))
        except loading.LoadError as exc:
            code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE if "unsupported file type" in str(exc) \
                else 422
            raise HTTPException(code, str(exc)) from None
    names = [s.doc_id for s in sources]
    if len(set(names)) != len(names):
        raise HTTPException(422, "two uploaded files have the same name")
    results = await run_in_threadpool(engine.add, sources)
    return UploadResponse(documents=[UploadResult(**r.__dict__) for r in results],
                          build_id=engine.snapshot().build_id)


@router.delete("/documents/{doc_id}", response_model=DocumentOut, dependencies=[Writer])
async def delete(doc_id: str, engine: EngineDep) -> DocumentOut:
    try:
        removed = await run_in_threadpool(engine.remove, [doc_id])
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from None
    return _out(removed[0])
