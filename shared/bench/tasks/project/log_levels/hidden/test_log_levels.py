"""Hidden tests of log_levels: summarize() and the script's output."""

import subprocess
import sys
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[1]


def test_summarize_server_log():
    from log_summary import summarize

    assert summarize(str(WORKSPACE / "server.log")) == {
        "INFO": 5, "WARNING": 2, "ERROR": 2, "DEBUG": 1}


def test_summarize_other_logs(tmp_path):
    from log_summary import summarize

    log = tmp_path / "x.log"
    log.write_text("2024-12-31 23:59:59 CRITICAL disk gone\nnot a log line at all\n"
                   "    2024-12-31 23:59:59 INFO indented is no log line\n"
                   "2025-01-01 00:00:00 CRITICAL again\n")
    assert summarize(str(log)) == {"CRITICAL": 2}
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert summarize(str(empty)) == {}


def test_script_output():
    run = subprocess.run([sys.executable, "log_summary.py", "server.log"], cwd=WORKSPACE,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-1000:]
    lines = [line.strip() for line in run.stdout.strip().splitlines()]
    assert lines == ["INFO 5", "ERROR 2", "WARNING 2", "DEBUG 1"]
