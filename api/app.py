"""The FastAPI application: `create_app()` assembles settings, the engine, guards and routes."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.answering.pipeline import QuestionAnswerer
from rag.config import Settings
from rag.engine import Engine

from .routes import ask, collections, documents, health, jobs, openai_compat, search
from .security import RateLimiter, origin_allowed

STATIC = Path(__file__).parent / "static"
MAX_JSON_BYTES = 64 * 1024
log = logging.getLogger("rag.api")
_UNGUARDED = ("/health", "/metrics", "/docs", "/openapi.json", "/redoc", "/widget.js", "/static/", "/admin/")


def _log_json(**fields) -> None:
    log.info(json.dumps(fields, ensure_ascii=False))


def _error(status: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class Guard:
    """Every request: origin, rate and size checks first, then its count, latency and a JSON log line.

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (`@app.middleware`) runs the rest of the app in
    a separate task behind memory streams, which cost ~1 ms a request here, a twentieth of a seeds /search."""

    def __init__(self, app: ASGIApp, settings: Settings, requests: Counter, latency: Histogram):
        self.app, self.settings, self.requests, self.latency = app, settings, requests, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        request = Request(scope)
        response = self._refusal(request)
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        if response is not None:
            await response(scope, receive, sending)
        else:
            await self.app(scope, receive, sending)
        name = getattr(scope.get("route"), "path", "unmatched")
        elapsed = time.perf_counter() - start
        self.requests.labels(name, request.method, str(status[0])).inc()
        self.latency.labels(name).observe(elapsed)
        _log_json(event="request", id=uuid.uuid4().hex[:12], method=request.method, path=request.url.path,
                  status=status[0], ms=round(elapsed * 1000, 2))

    def _refusal(self, request: Request) -> JSONResponse | None:
        path, settings = request.url.path, self.settings
        guarded = not (path == "/" or path.startswith(_UNGUARDED))
        if guarded and not origin_allowed(request, settings):
            return _error(403, f"origin {request.headers.get('origin')} is not allowed (RAG_CORS_ORIGINS)")
        if guarded and request.method != "OPTIONS" and (wait := request.app.state.limiter.check(request)):
            return _error(429, "too many requests; slow down", {"Retry-After": str(int(wait) + 1)})
        length = request.headers.get("content-length")
        limit = settings.max_upload_bytes * 4 + 65536 if path == "/documents" else MAX_JSON_BYTES
        if length and length.isdigit() and int(length) > limit:
            return _error(413, f"request body of {length} bytes is over the limit of {limit} bytes")
        return None


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The engine loads the model (seconds): at start-up, not on the first request.
        app.state.engine = app.state.engine or Engine(settings)
        app.state.qa = QuestionAnswerer.from_settings(app.state.engine, settings)
        if app.state.engine.has_index():
            app.state.engine.snapshot()
        yield

    app = FastAPI(title="rag-zh", version="0.1.0", lifespan=lifespan,
                  description="Chinese semantic question answering with exact citations.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.limiter = RateLimiter(settings)
    app.state.jobs, app.state.jobs_lock = None, threading.Lock()  # the upload queue starts on first use
    registry = CollectorRegistry()
    app.state.registry = registry
    requests = Counter("rag_requests_total", "HTTP requests", ["route", "method", "status"], registry=registry)
    latency = Histogram("rag_request_seconds", "HTTP request latency", ["route"], registry=registry,
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    app.add_middleware(Guard, settings=settings, requests=requests, latency=latency)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"detail": "; ".join(problems), "errors": json.loads(json.dumps(exc.errors(), default=str))},
                            status_code=422)

    if settings.cors_origins:  # CORS only when configured
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)

    for module in (health, search, ask, openai_compat, collections, documents, jobs):
        app.include_router(module.router)

    # The documents page loads without a key; its API calls carry the admin key the user types.
    for path, name, media in (("/", "index.html", "text/html"), ("/admin/documents", "documents.html", "text/html"),
                              ("/admin/documents.js", "documents.js", "application/javascript"),
                              ("/widget.js", "widget.js", "application/javascript")):
        app.add_api_route(path, _static_file(name, f"{media}; charset=utf-8"), methods=["GET"], include_in_schema=False)

    return app


def _static_file(name: str, media_type: str):
    async def serve() -> FileResponse:
        return FileResponse(STATIC / name, media_type=media_type)
    return serve
