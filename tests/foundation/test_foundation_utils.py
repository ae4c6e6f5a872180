"""Small common parts: atomic writes, the stdlib corpus, the check report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.atomic_write import atomic_write_text
from shared.check_report import CheckReport
from shared.corpus import python_source_files, read_text_file, stdlib_root, stdlib_text


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "file.txt"
    atomic_write_text(path, "first")
    atomic_write_text(path, "second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["file.txt"]


def test_atomic_write_failure_keeps_old_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "file.txt"
    atomic_write_text(path, "precious")

    def broken_replace(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(path, "half")
    assert path.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_stdlib_corpus_is_deterministic_and_bounded() -> None:
    text_a, files_a = stdlib_text(300_000)
    text_b, files_b = stdlib_text(300_000)
    assert text_a == text_b and files_a == files_b
    assert 200_000 < len(text_a.encode()) <= 300_000
    assert all(p.is_relative_to(stdlib_root()) for p in files_a)
    assert text_a.startswith("# file: ")


def test_source_files_skip_tests_and_are_sorted() -> None:
    files = python_source_files([stdlib_root()])
    assert files == sorted(files)
    assert not any("test" in p.relative_to(stdlib_root()).parts[:-1] for p in files)


def test_read_text_file_refuses_binary(tmp_path: Path) -> None:
    (tmp_path / "b.bin").write_bytes(b"\x00\x01\x02")
    (tmp_path / "t.txt").write_text("héllo")
    assert read_text_file(tmp_path / "b.bin") is None
    assert read_text_file(tmp_path / "t.txt") == "héllo"
    assert read_text_file(tmp_path / "missing.txt") is None


def test_check_report_passes_only_when_every_line_passes(capsys) -> None:
    report = CheckReport("phaseX", "demo")
    assert not report.passed  # no checks is no pass
    report.add("one", True, "fine")
    report.add("two", False, "broken", next_action="fix it")
    assert not report.passed
    assert report.finish(record=False) == 1
    out = capsys.readouterr().out
    assert "[FAIL] two" in out and "-> fix it" in out and "FAILED: 1 of 2" in out


def test_cpu_threads_takes_one_thread_on_a_busy_machine(monkeypatch) -> None:
    from shared import cpu

    monkeypatch.setattr(cpu.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert cpu.cpu_threads() == 4
    assert cpu.cpu_threads(processes=2) == 2
    assert cpu.cpu_threads(processes=8) == 1
    assert cpu.cpu_threads(requested=3) == 3
    monkeypatch.setattr(cpu.os, "getloadavg", lambda: (4.0, 1.0, 1.0))
    assert cpu.machine_is_busy()
    assert cpu.cpu_threads() == 1
    assert cpu.cpu_threads(requested=3) == 3


def test_check_report_notes_do_not_decide_the_verdict(capsys) -> None:
    report = CheckReport("phaseX", "demo")
    report.note("measured", "42 tokens/s")
    assert not report.passed  # a note alone is not a passed check
    report.add("real check", True, "fine")
    assert report.passed
    assert report.finish(record=False) == 0
    out = capsys.readouterr().out
    assert "[INFO] measured" in out and "PASSED: 1 of 1 checks passed" in out


KILLED_WRITER = """
import os, sys, time
from shared import atomic_write
os.fsync = lambda fd: time.sleep(60)  # stall mid-write, after the temp file exists
atomic_write.atomic_write_text(sys.argv[1], "half-written")
"""


def test_temp_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "history.md"
    atomic_write_text(target, "old")
    repo = Path(__file__).resolve().parents[2]
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], cwd=repo)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".history.md.*.tmp")):
            assert writer.poll() is None and time.monotonic() < deadline, "the writer never wrote"
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)  # kill -9: no cleanup runs in the writer
        writer.wait()
    [orphan] = list(tmp_path.glob(".history.md.*.tmp"))
    assert f".{writer.pid}." in orphan.name  # the writer's pid is in the name
    atomic_write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.md"]
    assert target.read_text() == "new"


def test_stale_temp_cleanup_spares_live_writers_and_other_files(tmp_path: Path) -> None:
    from shared.atomic_write import STALE_AFTER_S

    target = tmp_path / "notes.md"
    live = tmp_path / f".notes.md.{os.getpid()}.abcd1234.tmp"  # a write in progress (this process)
    old_style_fresh = tmp_path / ".notes.md.k2j4h5g6.tmp"  # no pid: only age tells
    old_style_stale = tmp_path / ".notes.md.zz99yy88.tmp"
    other_target = tmp_path / ".notes.md.bak.1.abcd1234.tmp"  # belongs to notes.md.bak
    for path in (live, old_style_fresh, old_style_stale, other_target):
        path.write_text("partial")
    long_ago = os.stat(old_style_stale).st_mtime - STALE_AFTER_S - 60
    os.utime(old_style_stale, (long_ago, long_ago))
    atomic_write_text(target, "content")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"notes.md", live.name, old_style_fresh.name, other_target.name}
