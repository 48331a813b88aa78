"""`rag eval --url`: the evaluation scripts scoring a running server over HTTP."""

from click.testing import CliRunner

from rag.cli import cli
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
