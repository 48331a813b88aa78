import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings
from rag.engine import Engine


@pytest.fixture
def make_client(index_copy, embedder):
    """A TestClient on a private copy of the seeds index, with the given settings."""

    def make(**overrides) -> TestClient:
        settings = Settings(index_dir=index_copy, **overrides)
        engine = Engine(settings, embedder=embedder)
        return TestClient(create_app(settings, engine))

    return make


@pytest.fixture
def client(make_client):
    with make_client() as c:
        yield c


@pytest.fixture
def live_server(index_copy, embedder):
    """Start the real app on a free loopback port: live_server(**settings) -> base URL."""
    servers = []

    def start(**overrides) -> str:
        settings = Settings(index_dir=index_copy, **overrides)
        app = create_app(settings, Engine(settings, embedder=embedder))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.time() + 30
        while not srv.started and time.time() < deadline:
            time.sleep(0.05)
        servers.append((srv, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(10)
