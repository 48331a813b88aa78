from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from ..convert import citations
from ..deps import QADep, Reader
from ..schemas import AskRequest, AskResponse

router = APIRouter(tags=["answers"], dependencies=[Reader])


@router.post("/ask", response_model=AskResponse, summary="An answer with numbered citations, or a refusal")
async def ask(body: AskRequest, qa: QADep) -> AskResponse:
    result = await run_in_threadpool(qa.ask, body.question, body.top_k)
    a = result.answer
    return AskResponse(answer=a.text, citations=citations(a, qa.engine.snapshot().store), refused=a.refused, timings_ms=result.timings_ms)
