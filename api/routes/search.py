from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool

from ..convert import search_hit
from ..deps import EngineDep, Reader
from ..schemas import SearchRequest, SearchResponse

router = APIRouter(tags=["search"], dependencies=[Reader])


@router.post("/search", response_model=SearchResponse, summary="Hybrid search over the indexed passages")
async def search(body: SearchRequest, engine: EngineDep) -> SearchResponse:
    config = replace(engine.config, mode=body.mode) if body.mode else None
    if body.doc_ids is not None:
        unknown = [d for d in body.doc_ids if engine.snapshot().store.document(d) is None]
        if unknown:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {', '.join(unknown)}")
    result = await run_in_threadpool(engine.search, body.query, body.top_k, body.doc_ids, config)
    return SearchResponse(results=[search_hit(h, engine.snapshot().store) for h in result.hits], timings_ms=result.timings_ms)
