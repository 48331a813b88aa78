"""Collections: separate archives in one service (a paper, its clippings, a department's documents)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool

from rag.indexing.index import CollectionError

from ..deps import EngineDep, Reader, Writer
from ..schemas import CollectionIn, CollectionOut

router = APIRouter(tags=["collections"])


def _out(c) -> CollectionOut:
    return CollectionOut(name=c.name, description=c.description, created_at=c.created_at, documents=c.documents,
                         chunks=c.chunks)


@router.get("/collections", response_model=list[CollectionOut], dependencies=[Reader])
async def list_collections(request: Request, engine: EngineDep) -> list[CollectionOut]:
    allowed = getattr(request.state, "collections", None)
    return [_out(c) for c in engine.snapshot().store.collections() if allowed is None or c.name in allowed]


@router.post("/collections", response_model=CollectionOut, status_code=status.HTTP_201_CREATED,
             dependencies=[Writer])
async def create_collection(body: CollectionIn, engine: EngineDep) -> CollectionOut:
    try:
        return _out(await run_in_threadpool(engine.create_collection, body.name, body.description))
    except CollectionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.delete("/collections/{name}", response_model=CollectionOut, dependencies=[Writer],
               summary="Delete a collection and every document in it")
async def delete_collection(name: str, engine: EngineDep) -> CollectionOut:
    try:
        return _out(await run_in_threadpool(engine.delete_collection, name))
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from None
    except CollectionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
