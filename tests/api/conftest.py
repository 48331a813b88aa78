import pytest
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
