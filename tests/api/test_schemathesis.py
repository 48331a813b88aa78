"""Property-based run over the OpenAPI schema: no input may produce a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from rag.config import Settings


def test_no_5xx_anywhere(index_copy, embedder):
    from fastapi.testclient import TestClient

    from rag.engine import Engine

    cfg = Settings(index_dir=index_copy, rate_limit=0)
    app = create_app(cfg, Engine(cfg, embedder=embedder))
    with TestClient(app):  # runs the lifespan
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures, calls = [], []
        for op in schema.get_all_operations():
            operation = op.ok()

            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def check(case):
                response = case.call()
                calls.append(operation.label)
                if response.status_code >= 500:
                    failures.append((operation.label, response.status_code, response.text[:200]))

            check()
        assert not failures, failures
        assert len(set(calls)) >= 8, sorted(set(calls))  # every operation was exercised
