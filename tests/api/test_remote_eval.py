"""`rag eval --url`: the evaluation scripts scoring a running server over HTTP."""

import json

import httpx
from click.testing import CliRunner

from rag.cli import cli
from rag.evaluation import evaluate
from rag.search.retrieval import SearchConfig
from tests.conftest import REPO


def test_eval_against_a_running_server(live_server, tmp_path):
    url = live_server(api_key="k", rate_limit=0)
    subset = tmp_path / "q.jsonl"
    lines = (REPO / "eval" / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    subset.write_text("\n".join(lines[:12]) + "\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["eval", str(subset), "--url", url, "--api-key", "k", "--only", "default",
                                 "--report", str(tmp_path / "reports")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    row = next(line for line in r.stdout.splitlines() if line.startswith("| default"))
    hit1 = float(row.split("|")[2])
    assert hit1 >= 0.75
    report = (tmp_path / "reports" / "q" / "report.md").read_text(encoding="utf-8")
    assert "| default |" in report and (tmp_path / "reports" / "q" / "chart.png").stat().st_size > 1000


def test_two_hundred_questions_against_a_default_server_meet_no_429(live_server, tmp_path):
    """An evaluation script on the server's machine is not rate limited by default (loopback is exempt)."""
    url = live_server()
    rows = [json.loads(line) for line in (REPO / "eval" / "seeds" / "questions.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()]
    subset = tmp_path / "q200.jsonl"
    subset.write_text("".join(json.dumps({**rows[i % len(rows)], "id": f"r{i}"}, ensure_ascii=False) + "\n"
                              for i in range(200)), encoding="utf-8")
    r = CliRunner().invoke(cli, ["eval", str(subset), "--url", url, "--only", "default",
                                 "--report", str(tmp_path / "reports")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "429" not in r.output
    report = (tmp_path / "reports" / "q200" / "report.md").read_text(encoding="utf-8")
    assert "| default |" in report


def test_a_limited_loopback_caller_gets_retry_after(live_server):
    """With loopback limiting switched on, the second request in a minute gets 429 and a Retry-After."""
    url = live_server(rate_limit=1, rate_limit_loopback=True)
    search = evaluate.remote_searcher(url)
    config = SearchConfig()
    assert search("潮州", 3, config)
    r = httpx.post(f"{url}/search", json={"query": "潮州"})
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


def test_eval_runs_against_one_collection(live_server, tmp_path):
    """The same questions against the seeds' collection and against an empty one: the scope reaches the server."""
    url = live_server(admin_key="adm", rate_limit=0)
    assert httpx.post(f"{url}/collections", json={"name": "empty"},
                      headers={"Authorization": "Bearer adm"}).status_code == 201
    subset = tmp_path / "q.jsonl"
    lines = (REPO / "eval" / "seeds" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    subset.write_text("\n".join(lines[:8]) + "\n", encoding="utf-8")
    hit1 = {}
    for collection in ("default", "empty"):
        r = CliRunner().invoke(cli, ["eval", str(subset), "--url", url, "--only", "default", "--collection",
                                     collection, "--report", str(tmp_path / collection)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        hit1[collection] = float(next(x for x in r.stdout.splitlines() if x.startswith("| default")).split("|")[2])
    assert hit1["default"] >= 0.75 and hit1["empty"] == 0.0
