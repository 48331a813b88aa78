"""Shared fixtures. Tests that need the real model share one instance and one seeds index per session;
every test runs in its own temporary directory (hermetic), with RAG_* settings cleared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
MODEL_CACHE = Path(os.environ.get("RAG_TEST_MODEL_CACHE", REPO / "index" / "models"))

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"


@pytest.fixture(autouse=True)
def _hermetic(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("RAG_") and key != "RAG_TEST_MODEL_CACHE":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(scope="session")
def embedder():
    from rag.embedders import load_embedder

    return load_embedder(cache_dir=MODEL_CACHE, threads=2)


@pytest.fixture(scope="session")
def seeds_index_dir(tmp_path_factory, embedder) -> Path:
    """The seeds indexed once with the real model; copy it (see `index_copy`) before changing it."""
    from rag.indexing.index import Index
    from rag.ingest import loading

    root = tmp_path_factory.mktemp("seeds-index")
    Index(root, embedder).add([loading.read(p) for p in sorted(SEEDS.glob("*.txt"))])
    return root


@pytest.fixture
def index_copy(seeds_index_dir, tmp_path) -> Path:
    dst = tmp_path / "index"
    shutil.copytree(seeds_index_dir, dst, symlinks=True)
    return dst


@pytest.fixture(scope="session")
def seeds_engine(seeds_index_dir, embedder):
    from rag.config import Settings
    from rag.engine import Engine

    return Engine(Settings(index_dir=seeds_index_dir), embedder=embedder)
