from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..deps import EngineDep
from ..schemas import HealthResponse

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthResponse, summary="Liveness, with the loaded build; 503 without an index")
async def health(engine: EngineDep, request: Request) -> HealthResponse:
    snap = engine.snapshot()
    counts = snap.manifest["counts"]
    return HealthResponse(status="ok", model=snap.manifest["model"]["name"], build_id=snap.build_id,
                          documents=counts["documents"], chunks=counts["chunks"],
                          vector_index=snap.manifest["vector_index"]["kind"],
                          answer_mode="llm" if request.app.state.qa.llm else "extractive")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
