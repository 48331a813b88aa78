"""Dependencies, as `Annotated` aliases the routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from rag.answering.pipeline import QuestionAnswerer
from rag.config import Settings
from rag.engine import Engine
from rag.indexing.index import IndexStateError

from . import security


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def ready(engine: Engine) -> Engine:
    """The engine with its index open and current (what was written since is picked up); 503 without one."""
    if not engine.has_index():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no index is loaded; build one with `rag index PATH`")
    try:
        engine.snapshot()
    except IndexStateError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return engine


def get_engine(request: Request) -> Engine:
    # Sync, so FastAPI runs it in a worker thread: the snapshot it refreshes may load a new segment after a write
    # (seconds at an archive's size), which must not hold up the event loop. The other dependencies are async.
    return ready(request.app.state.engine)


async def get_engine_unready(request: Request) -> Engine:
    """For /search and /ask, which call `ready` in the one worker-thread hop that does all their blocking work
    (a hop costs ~0.45 ms here, a fortieth of a seeds search)."""
    return request.app.state.engine


async def get_qa(request: Request) -> QuestionAnswerer:
    """The answerer; its route calls `ready(qa.engine)` in its worker thread."""
    return request.app.state.qa


async def reader(request: Request, settings: "SettingsDep") -> None:
    request.state.collections = security.require_reader(request, settings)


async def writer(request: Request, settings: "SettingsDep") -> None:
    security.require_writer(request, settings)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
UnreadyEngineDep = Annotated[Engine, Depends(get_engine_unready)]
QADep = Annotated[QuestionAnswerer, Depends(get_qa)]
Reader = Depends(reader)
Writer = Depends(writer)
