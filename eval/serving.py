"""The service in a child process for the HTTP benchmarks: `python -m api` (uvicorn) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextmanager
def serve(index_dir: Path | str, **env: str) -> Iterator[str]:
    """The base URL of a service over `index_dir`, up and answering /health; stopped on exit. No rate limit."""
    port = free_port()
    full = {**os.environ, "PYTHONPATH": str(REPO), "RAG_INDEX_DIR": str(index_dir), "RAG_PORT": str(port),
            "RAG_RATE_LIMIT": "0", **env}
    proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the service exited with code {proc.returncode}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the service did not come up in 180 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
