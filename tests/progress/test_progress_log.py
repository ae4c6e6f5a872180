"""shared.progress: the plan and the log parse, `next` advances, writes are atomic and careful."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import progress
from shared.progress import ProgressFileError

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 16, 0)

SMALL_PLAN = """# Plan

**Current phase:** `phase_a` — Phase A

## Phase A · First (`phase_a`)
- [ ] step one
- [ ] step two

## Notes
- [ ] not a step: notes are not phases

## Phase B · Second (`phase_b`)
- [ ] step three
"""


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's own LearningPlan.md and history.md, as a learner starts."""
    for name in ("LearningPlan.md", "history.md"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.setenv("AGENTLAB_PROGRESS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "LearningPlan.md").write_text(SMALL_PLAN)
    (tmp_path / "history.md").write_text(progress.HISTORY_HEADER)
    monkeypatch.setenv("AGENTLAB_PROGRESS_DIR", str(tmp_path))
    return tmp_path


def test_the_shipped_plan_starts_at_phase0_with_nothing_ticked(shipped: Path) -> None:
    plan = progress.load_plan()
    folders = [p.folder for p in plan.phases]
    assert folders == ["phase0_setup", "phase1_tinylm", "phase2_dumb_loop", "phase3_tools",
                       "phase4_context", "phase5_planning", "phase6_multiagent_rag",
                       "nanochat_track"]
    assert all(p.steps and p.ticked == 0 for p in plan.phases)
    assert progress.current_phase() == "phase0_setup"
    assert progress.load_history() == [], "history.md ships without entries"
    for phase in plan.phases:  # each phase names its definition of done
        section = plan.text().split(f"(`{phase.folder}`)")[1].split("\n## ")[0]
        assert f"make -C {phase.folder} check" in section


def test_parse_round_trip_is_byte_for_byte(shipped: Path) -> None:
    text = (shipped / "LearningPlan.md").read_text()
    assert progress.parse_plan(text).text() == text
    crlf = text.replace("\n", "\r\n")
    plan = progress.parse_plan(crlf)
    assert plan.text() == crlf
    plan.tick(plan.phases[0].steps[0])
    assert plan.text().count("\r\n") == crlf.count("\r\n"), "ticking keeps the line endings"
    assert progress.parse_plan(plan.text()).phases[0].steps[0].done

    entry = progress.make_entry("phase1_tinylm", "Bigram works", ["val loss: 2.45", "a · b"], T0)
    history = progress._appended(progress.HISTORY_HEADER, entry)
    assert progress.parse_history(history) == [entry]


def test_next_twice_advances_and_updates_both_files(shipped: Path) -> None:
    first = progress.ask_next(now=T0)
    plan = progress.load_plan()
    step1, step2 = plan.phases[0].steps[0].text, plan.phases[0].steps[1].text
    assert "Nothing recorded yet" in first and f"Next step: {step1}" in first
    assert progress.load_history() == [] and plan.phases[0].ticked == 0, "asking once changes nothing"

    second = progress.ask_next(now=T0 + timedelta(minutes=20))
    assert f"Ticked: {step1}" in second and f"Next step: {step2}" in second
    plan = progress.load_plan()
    assert [s.done for s in plan.phases[0].steps[:2]] == [True, False]
    entries = progress.load_history()
    assert [(e.phase, e.title) for e in entries] == [("phase0_setup", "finished step: " + step1)]
    assert entries[0].when == T0 + timedelta(minutes=20)
    assert progress.next_step() == step2

    later = progress.ask_next(now=T0 + timedelta(hours=20))  # a new session: nothing is ticked
    assert f"Next step: {step2}" in later and "Last step done" in later
    assert progress.load_plan().phases[0].ticked == 1


def test_finishing_a_phase_makes_the_next_one_current(small: Path) -> None:
    now = T0
    for _ in range(2):  # shows step one, then ticks it and shows step two
        progress.ask_next(now=now)
        now += timedelta(minutes=5)
    assert progress.current_phase() == "phase_a"
    out = progress.ask_next(now=now)  # ticks "step two", the last of phase A
    assert "Ticked: step two" in out and "Next step: step three" in out
    assert progress.current_phase() == "phase_b"
    assert "**Current phase:** `phase_b` — Phase B · Second" in (small / "LearningPlan.md").read_text()
    assert "- [ ] not a step" in (small / "LearningPlan.md").read_text(), "notes are left alone"
    assert [e.title for e in progress.load_history()] == [
        "finished step: step one", "finished step: step two"]
    out = progress.ask_next(now=now + timedelta(minutes=5))
    assert "Every step of the plan is ticked" in out
    assert progress.current_phase() == "phase_b", "the marker stays on the last phase"


def test_record_milestone_appends_and_moves_on_a_finished_phase(small: Path) -> None:
    before = (small / "history.md").read_text()
    progress.record_milestone("phase_a", "First check passes", ["loss: 1.5", "took 3 s"])
    text = (small / "history.md").read_text()
    assert text.startswith(before)
    [entry] = progress.load_history()
    assert (entry.phase, entry.title, entry.details) == ("phase_a", "First check passes",
                                                        ["loss: 1.5", "took 3 s"])
    assert progress.current_phase() == "phase_a", "steps are not all ticked yet"
    assert "Last milestone" in progress.where_we_left_off()

    plan = progress.load_plan()
    for step in plan.phases[0].steps:
        plan.tick(step)
    (small / "LearningPlan.md").write_text(plan.text())
    progress.record_milestone("phase_a", "Check passes again", [])
    assert progress.current_phase() == "phase_b"
    assert len(progress.load_history()) == 2


def test_status_and_recap_change_nothing(shipped: Path) -> None:
    progress.record_milestone("phase0_setup", "Set-up works", ["round trip: 40 tokens/s"])
    files = {name: (shipped / name).read_bytes() for name in ("LearningPlan.md", "history.md")}
    out = progress.status()
    assert "-> phase0_setup" in out and " 0/7 " in out
    recap = progress.where_we_left_off()
    assert "Set-up works" in recap and "round trip: 40 tokens/s" in recap and "Next step:" in recap
    assert files == {name: (shipped / name).read_bytes() for name in files}
    assert not (shipped / progress.SESSION_FILE).exists()


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [("- [] a step without its box", "a step must look like"),
     ("**Current phase:** phase1_tinylm", "names no folder"),
     ("## Phase 9 · No folder here", "must end with its folder"),
     ("**Current phase:** `phase0_setup`", "a second current-phase line")],
)
def test_a_malformed_plan_names_the_line_and_is_left_unchanged(
        shipped: Path, bad_line: str, expected: str) -> None:
    path = shipped / "LearningPlan.md"
    lines = path.read_text().split("\n")
    lines.insert(30, bad_line)
    path.write_text("\n".join(lines))
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    for action in (progress.ask_next, progress.status, progress.current_phase):
        with pytest.raises(ProgressFileError) as caught:
            action()
        assert caught.value.line == 31 and caught.value.path == path
        assert expected in str(caught.value) and "LearningPlan.md, line 31" in str(caught.value)
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before


def test_a_malformed_history_is_never_overwritten(shipped: Path) -> None:
    path = shipped / "history.md"
    path.write_text(progress.HISTORY_HEADER + "\n## yesterday · phase0_setup · oops\n- detail\n")
    before = path.read_bytes()
    with pytest.raises(ProgressFileError) as caught:
        progress.record_milestone("phase0_setup", "Set-up works", [])
    assert caught.value.line == 5 and "history.md, line 5" in str(caught.value)
    with pytest.raises(ProgressFileError):
        progress.ask_next(now=T0)
    assert path.read_bytes() == before
    assert progress.main(["next"]) == 1, "the command line reports it, without a traceback"


def test_bad_bytes_are_reported_with_their_line(shipped: Path) -> None:
    path = shipped / "history.md"
    path.write_bytes(b"# History\n\nfine\n\xff\xfe broken\n")
    with pytest.raises(ProgressFileError) as caught:
        progress.load_history()
    assert caught.value.line == 4


def test_an_atomic_write_that_fails_midway_leaves_the_old_files(
        shipped: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    progress.ask_next(now=T0)
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        progress.ask_next(now=T0 + timedelta(minutes=1))
    with pytest.raises(OSError, match="disk full"):
        progress.record_milestone("phase0_setup", "Set-up works", ["x"])
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before, "no temp file left"
    monkeypatch.undo()
    progress.parse_plan((shipped / "LearningPlan.md").read_text())  # still readable


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phase=st.text(max_size=30), title=st.text(max_size=80),
       details=st.lists(st.text(max_size=80), max_size=4))
def test_any_text_in_an_entry_keeps_the_log_readable(
        phase: str, title: str, details: list[str]) -> None:
    earlier = progress.make_entry("phase0_setup", "Set-up works", ["a detail"], T0)
    text = progress._appended(progress.HISTORY_HEADER, earlier)
    entry = progress.make_entry(phase, title, details, T0 + timedelta(days=1))
    text = progress._appended(text, entry)
    text.encode("utf-8")  # the file can be written
    assert progress.parse_history(text) == [earlier, entry]
    assert entry.title and "\n" not in entry.title and all("\n" not in d for d in entry.details)


def test_record_milestone_with_hostile_text_through_the_file(small: Path) -> None:
    progress.record_milestone("a · b\n## 2026", "## not a heading\r\nsecond line",
                              ["- [ ] not a step", "\u2028## x", ""])
    [entry] = progress.load_history()
    assert entry.phase == "a - b ## 2026"
    assert entry.title == "## not a heading second line"
    assert entry.details == ["- [ ] not a step", "## x"]
    assert progress.load_plan().phases[0].ticked == 0
