"""`python -m api`: serve on RAG_HOST:RAG_PORT (127.0.0.1:8000 by default)."""

import logging

import uvicorn

from rag.config import Settings

from .app import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
