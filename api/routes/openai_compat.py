"""OpenAI-compatible chat: answers from the knowledge base, citations as [n] markers and in extension
fields: `citations`, `short_answer`, `refused`, `refusal_reason`, `related` and `analysis` on the response
(streaming: `sources` on the first chunk, the others on the last)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ..convert import answer_fields, passage_fields
from ..deps import QADep, Reader
from ..schemas import ChatRequest

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Reader])
MODEL_ID = "rag-zh"


@router.get("/models")
async def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "rag-zh"}]}


def _question(body: ChatRequest) -> str:
    return [m for m in body.messages if m.role == "user"][-1].text().strip()


@router.post("/chat/completions")
async def chat(body: ChatRequest, qa: QADep):
    question = _question(body)
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if body.stream:
        return StreamingResponse(_stream(qa, question, body.top_k, cid, created, body.model),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    result = await run_in_threadpool(qa.ask, question, body.top_k)
    a = result.answer
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": a.text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(question), "completion_tokens": len(a.text),
                  "total_tokens": len(question) + len(a.text)},
        **answer_fields(a, qa.engine.snapshot().store).model_dump(),
    }


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _stream(qa, question: str, top_k: int, cid: str, created: int, model: str) -> Iterator[str]:
    # A sync generator: Starlette runs it in a thread, so retrieval and generation do not block the loop.
    hits, deltas, final = qa.stream(question, top_k)
    sources = [{"n": i, **passage_fields(h)} for i, h in enumerate(hits, 1)]
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""}, sources=sources)
    for piece in deltas:
        yield _chunk(cid, created, model, {"content": piece})
    answer = final()
    yield _chunk(cid, created, model, {}, "stop", **answer_fields(answer, qa.engine.snapshot().store).model_dump())
    yield "data: [DONE]\n\n"
