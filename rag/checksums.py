"""Content hashes: of files (manifests, model provenance) and of texts (the embedding cache)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_hash(text: str) -> bytes:
    """The key of a text's cached vectors: the first 16 bytes of its SHA-256 (a collision is not to be expected
    among 10^15 texts). Four times shorter than its hex digits, it keeps the B-trees an add writes into at random
    places small (rag.indexing.store). An index from before keeps the hex keys of its rows: a chunk finds its
    vectors under the key stored with it, and only an unchanged text added again is embedded again."""
    return hashlib.sha256(text.encode()).digest()[:16]
