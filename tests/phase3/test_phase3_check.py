"""make check's plumbing with a scripted model: a model that solves broken.py passes, one that
gives up fails with a pointer to what to do next (the real run is `make check`)."""

from __future__ import annotations

import json

import pytest

from phase3_tools import check
from shared.cli import UsageError
from shared.llm import ScriptedBackend

SOLVE = [
    {"name": "read_file", "arguments": {"path": "sandbox/broken.py"}},
    {"name": "edit_file", "arguments": {"path": "sandbox/broken.py", "old": "len(scors)",
                                        "new": "len(scores)"}},
    {"name": "run_python", "arguments": {"path": "sandbox/broken.py"}},
    {"name": "final_answer", "arguments": {"answer": "fixed"}},
]


def test_check_passes_when_the_agent_fixes_broken_py(monkeypatch, capsys):
    llm = ScriptedBackend([json.dumps(s) for s in SOLVE])
    monkeypatch.setattr(check, "get_llm", lambda: llm)
    assert check.main(["--only_dod", "--no_record"]) == 0
    out = capsys.readouterr().out
    assert "[PASS] fix_broken" in out and "average: 85.0" in out


def test_check_fails_when_the_agent_gives_up(monkeypatch, capsys):
    llm = ScriptedBackend([json.dumps({"name": "final_answer", "arguments": {"answer": "no"}})])
    monkeypatch.setattr(check, "get_llm", lambda: llm)
    assert check.main(["--only_dod", "--no_record"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] fix_broken" in out and "trajectory" in out


def test_bench_writes_figures_and_a_table(monkeypatch, tmp_path, capsys):
    import shared.llm
    from phase3_tools import bench

    llm = ScriptedBackend([json.dumps(s) for s in SOLVE])
    monkeypatch.setattr(shared.llm, "get_llm", lambda: llm)
    out = tmp_path / "phase3.json"
    assert bench.main(["--formats=json", "--tasks=fix_broken", "--extract=0", f"--out={out}"]) == 0
    figures = json.loads(out.read_text())
    row = figures["formats"]["json"]
    assert row["valid_share"] == 1.0 and row["tasks"]["fix_broken"]["success"] == 1.0
    assert row["tasks"]["fix_broken"]["mean_steps"] == 4 and row["sources"] == {"plain": 4}
    assert out.with_suffix(".png").exists()
    assert "fix_broken" in capsys.readouterr().out


def test_check_refuses_options_it_does_not_know(monkeypatch):
    monkeypatch.setattr(check, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="did you mean --only_dod"):
        check.main(["--only-dood", "--no_record"])  # was ignored: the full check ran instead
    with pytest.raises(UsageError, match="--format=yaml is not one of json"):
        check.main(["--format=yaml", "--only_dod", "--no_record"])
