"""Phase 6's check on stand-ins: the single-vs-team line passes on a comparison that ran and was
written, fails on an error or a missing table, and a second check resumes instead of redoing;
the report passes only when every line does, and --team=0 is never recorded."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from phase6_multiagent_rag import check, compare
from shared.check_report import CheckLine
from shared.cli import UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "phase5"))
from benchmark_standins import make_tasks, scripted_factory, suite_for  # noqa: E402


@pytest.fixture
def standin_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """check.compare_main runs the real comparison on stand-in tasks with a scripted model."""
    suite = suite_for(make_tasks(tmp_path / "tasks"))
    calls: list[list[str]] = []

    def run(argv: list[str]) -> int:
        calls.append(argv)
        return compare.main(argv + ["--track=", "--workers=1"], suite=suite,
                            make_llm=scripted_factory())
    monkeypatch.setattr(check, "compare_main", run)
    return calls


def test_the_team_line_passes_on_a_written_comparison_and_resumes(standin_compare) -> None:
    line = check.team_line("add,report")
    assert line.passed, line.detail
    assert "phase6: 2 of 2 passed" in line.detail and "aim not met" in line.detail
    assert check.comparison_out().with_name("check-comparison-multiagent.md").is_file()
    check.team_line("add,report")  # finished runs are kept: the second check resumes
    assert standin_compare[-1][-1] == "--resume=1"
    check.team_line("add")          # other tasks: a fresh comparison
    assert standin_compare[-1][-1] == "--tasks=add"


def test_the_team_line_fails_on_an_error_or_a_missing_table(standin_compare) -> None:
    check.team_line("add,report")
    run_dir = compare.bench_root() / check.RUN_ID
    results = run_dir / "results.jsonl"
    records = [json.loads(line) for line in results.read_text().splitlines()]
    records[0].update(status="error", error="the worker process died")
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    failed = check.judge_comparison(run_dir, check.comparison_out())
    assert not failed.passed and "the worker process died" in failed.detail

    check.team_line("add,report")  # rewrite a clean comparison, then lose its table
    check.comparison_out().with_name("check-comparison-multiagent.md").unlink()
    assert not check.judge_comparison(run_dir, check.comparison_out()).passed
    assert not check.judge_comparison(run_dir / "none", check.comparison_out()).passed


def test_the_report_passes_only_when_every_line_does(monkeypatch, capsys) -> None:
    recorded = []
    monkeypatch.setattr(check, "get_llm", lambda: scripted_factory()("", 0))
    monkeypatch.setattr(check, "team_line", lambda tasks: CheckLine("team", True, "ok"))
    monkeypatch.setattr(check, "retrieval_check_lines",
                        lambda llm: [CheckLine("search", True, "ok"), CheckLine("ask", True, "ok")])
    monkeypatch.setattr("shared.check_report.CheckReport.finish",
                        lambda self, record=True: recorded.append(record) or (0 if self.passed else 1))
    assert check.main([]) == 0 and recorded == [True]
    assert check.main(["--team=0"]) == 0 and recorded[-1] is False
    monkeypatch.setattr(check, "retrieval_check_lines",
                        lambda llm: [CheckLine("search", False, "grep won")])
    assert check.main([]) == 1
    with pytest.raises(UsageError):
        check.main(["--tasks="])
