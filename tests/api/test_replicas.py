"""Stateless replicas: two API processes on one Milvus (a `milvus-lite server`) see each other's uploads and
deletes at once. Real processes and HTTP; the hash embedder stands in for the model (meaning does not matter)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.indexing.backends.milvus import MilvusBackend
from rag.ingest.loading import decode
from tests.conftest import REPO
from tests.fakes import HashEmbedder

# One API process: the real app and engine, with the hash embedder instead of the model.
REPLICA = """
import uvicorn
from api.app import create_app
from rag.config import Settings
from rag.engine import Engine
from tests.fakes import HashEmbedder
settings = Settings()
uvicorn.run(create_app(settings, Engine(settings, embedder=HashEmbedder())), host="127.0.0.1", port=settings.port,
            log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not start within {timeout} s")


@pytest.fixture
def cluster(tmp_path):
    procs: list[subprocess.Popen] = []
    milvus_port = _free_port()
    procs.append(subprocess.Popen([Path(sys.executable).parent / "milvus-lite", "server", "--data-dir",
                                   str(tmp_path / "milvus"), "--host", "127.0.0.1", "--port", str(milvus_port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def milvus_up() -> bool:
        with socket.create_connection(("127.0.0.1", milvus_port), timeout=1):
            return True

    _wait(milvus_up, "milvus-lite server")
    # The index exists before the replicas start (as after `rag index`): one page the test does not touch.
    seed = MilvusBackend(f"http://127.0.0.1:{milvus_port}", HashEmbedder())
    seed.add([decode("other.txt", "城市文明\n\n潮州市建成了三百座城市文明小景观。\n".encode())])
    seed.close()
    urls = []
    for _ in range(2):
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO), "RAG_BACKEND": "milvus", "RAG_PORT": str(port),
               "RAG_MILVUS_URI": f"http://127.0.0.1:{milvus_port}", "RAG_INDEX_DIR": str(tmp_path / "unused")}
        procs.append(subprocess.Popen([sys.executable, "-c", REPLICA], env=env, cwd=tmp_path))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        _wait(lambda url=url: httpx.get(f"{url}/openapi.json").status_code == 200, url)
    yield urls
    for p in reversed(procs):
        p.terminate()
        p.wait(10)
    assert not (tmp_path / "unused").exists(), "a replica wrote to its local disk"


def _docs(url: str, query: str) -> list[str]:
    r = httpx.post(f"{url}/search", json={"query": query, "top_k": 5, "mode": "lexical"})
    assert r.status_code == 200, r.text
    return [h["doc_id"] for h in r.json()["results"]]


def test_an_upload_and_a_delete_are_seen_by_the_other_replica_at_once(cluster):
    a, b = cluster
    page = "社区理发\n\n志愿者为居民免费理发，已经坚持了十二年。\n".encode()
    r = httpx.post(f"{a}/documents", files=[("files", ("haircut.txt", page, "text/plain"))])
    assert r.status_code == 201, r.text
    assert _docs(b, "志愿者理发") == ["haircut.txt"]
    r = httpx.get(f"{b}/documents/haircut.txt")
    assert r.status_code == 200 and r.json()["articles"][0]["article_id"] == "haircut.txt#0"
    health = httpx.get(f"{b}/health").json()
    assert health["documents"] == 2 and health["vector_index"] == "milvus-hnsw"

    assert httpx.delete(f"{b}/documents/haircut.txt").status_code == 200
    assert _docs(a, "志愿者理发") == []
    assert httpx.get(f"{a}/documents/haircut.txt").status_code == 404
    assert [d["doc_id"] for d in httpx.get(f"{a}/documents").json()] == ["other.txt"]
