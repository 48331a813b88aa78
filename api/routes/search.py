from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..convert import json_body, search_hits
from ..deps import Reader, UnreadyEngineDep, ready
from ..schemas import SearchRequest, SearchResponse
from ..scope import filters_for, filters_out
from ..time_filters import with_time_filter

router = APIRouter(tags=["search"], dependencies=[Reader])


@router.post("/search", response_model=SearchResponse, summary="Hybrid search over the indexed passages")
async def search(body: SearchRequest, request: Request, engine: UnreadyEngineDep) -> Response:
    config = replace(engine.config, mode=body.mode) if body.mode else None

    def run() -> SearchResponse:
        store = ready(engine).snapshot().store
        query, filters, expression = with_time_filter(body.query, filters_for(request, store, body), body.auto_filters)
        result = engine.search(query, body.top_k, filters, config)
        return SearchResponse(results=search_hits(result.hits, store), filters=filters_out(filters, expression),
                              timings_ms=result.timings_ms)

    return json_body(await run_in_threadpool(run))
