"""Where the Milvus tests run: a fresh Milvus Lite data directory per test, or, with MILVUS_TEST_URI set
(e.g. http://milvus-host:19530), fresh collections on that server, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class MilvusTarget:
    uri: str
    collection: str


@pytest.fixture
def milvus_target(tmp_path):
    uri = os.environ.get("MILVUS_TEST_URI")
    if not uri:
        yield MilvusTarget(str(tmp_path / "milvus.db"), "rag")
        return
    target = MilvusTarget(uri, f"test_{uuid.uuid4().hex[:12]}")
    yield target
    from pymilvus import MilvusClient

    client = MilvusClient(uri)
    for suffix in ("_chunks", "_documents"):
        client.drop_collection(target.collection + suffix)
    client.close()
