"""OpenAI-compatible chat: answers from the knowledge base, citations as [n] markers and in extension
fields: `citations`, `short_answer`, `refused`, `refusal_reason`, `related` and `analysis` on the response
(streaming: `sources` on the first chunk, the others on the last)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ..convert import answer_fields, passage_fields
from rag.search.filters import Filters
from rag.types import DEFAULT_COLLECTION

from ..deps import EngineDep, QADep, Reader, ready
from ..schemas import ChatRequest, Passage
from ..scope import collections_for

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Reader])
MODEL_ID = "rag-zh"


@router.get("/models")
async def models(request: Request, engine: EngineDep) -> dict:
    """One model per collection the caller may read: `rag-zh` asks the default one, `rag-zh/NAME` another
    (chat clients such as Open WebUI offer these as a model picker)."""
    allowed = getattr(request.state, "collections", None)
    names = [n for n in engine.snapshot().store.collection_names() if allowed is None or n in allowed]
    ids = [MODEL_ID if n == DEFAULT_COLLECTION else f"{MODEL_ID}/{n}" for n in names]
    return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "rag-zh"} for i in ids]}


def _collection(body: ChatRequest) -> str | list[str] | None:
    if body.collection is not None:
        return body.collection
    prefix = MODEL_ID + "/"
    return body.model[len(prefix):] if body.model.startswith(prefix) else None


def _question(body: ChatRequest) -> str:
    return [m for m in body.messages if m.role == "user"][-1].text().strip()


@router.post("/chat/completions")
async def chat(body: ChatRequest, request: Request, qa: QADep):
    question = _question(body)
    await run_in_threadpool(ready, qa.engine)
    filters = Filters(collections=collections_for(request, qa.engine.snapshot().store, _collection(body)))
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if body.stream:
        return StreamingResponse(_stream(qa, question, body.top_k, filters, cid, created, body.model),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    result = await run_in_threadpool(qa.ask, question, body.top_k, filters)
    a = result.answer
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": a.text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(question), "completion_tokens": len(a.text),
                  "total_tokens": len(question) + len(a.text)},
        **answer_fields(a, qa.engine.snapshot().store).model_dump(mode="json"),
    }


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _stream(qa, question: str, top_k: int, filters: Filters, cid: str, created: int, model: str) -> Iterator[str]:
    # A sync generator: Starlette runs it in a thread, so retrieval and generation do not block the loop.
    hits, deltas, final = qa.stream(question, top_k, filters)
    store = qa.engine.snapshot().store
    sources = [{"n": i, **Passage(**passage_fields(h, store)).model_dump(mode="json")} for i, h in enumerate(hits, 1)]
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""}, sources=sources)
    for piece in deltas:
        yield _chunk(cid, created, model, {"content": piece})
    answer = final()
    yield _chunk(cid, created, model, {}, "stop", **answer_fields(answer, store).model_dump(mode="json"))
    yield "data: [DONE]\n\n"
