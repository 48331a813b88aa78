from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..convert import answer_fields, json_body
from ..deps import QADep, Reader, ready
from ..schemas import AskRequest, AskResponse
from ..scope import filters_for, filters_out
from ..time_filters import with_time_filter

router = APIRouter(tags=["answers"], dependencies=[Reader])


@router.post("/ask", response_model=AskResponse, summary="A short answer with numbered citations, or a refusal that says why")
async def ask(body: AskRequest, request: Request, qa: QADep) -> Response:
    def run() -> AskResponse:
        store = ready(qa.engine).snapshot().store
        question, filters, expression = with_time_filter(body.question, filters_for(request, store, body),
                                                         body.auto_filters)
        result = qa.ask(question, body.top_k, filters)
        return AskResponse(answer=result.answer.text, timings_ms=result.timings_ms,
                           filters=filters_out(filters, expression), **dict(answer_fields(result.answer, store)))

    return json_body(await run_in_threadpool(run))
