from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from ..convert import answer_fields
from ..deps import QADep, Reader
from ..schemas import AskRequest, AskResponse

router = APIRouter(tags=["answers"], dependencies=[Reader])


@router.post("/ask", response_model=AskResponse, summary="A short answer with numbered citations, or a refusal that says why")
async def ask(body: AskRequest, qa: QADep) -> AskResponse:
    result = await run_in_threadpool(qa.ask, body.question, body.top_k)
    store = qa.engine.snapshot().store
    return AskResponse(answer=result.answer.text, timings_ms=result.timings_ms,
                       **dict(answer_fields(result.answer, store)))
