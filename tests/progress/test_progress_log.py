"""shared.progress: the plan and the log parse, `next` shows and `next done` ticks, the learner's
copies stay out of the tracked files, and writes are atomic and careful."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import progress, start
from shared.progress import ProgressFileError, StepRefused

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 16, 0)
SHIPPED_PHASES = ["phase0_setup", "phase1_tinylm", "phase2_dumb_loop", "phase3_tools",
                  "phase4_context", "phase5_planning", "phase6_multiagent_rag", "nanochat_track"]
BUILT = ["phase0_setup", "phase1_tinylm", "phase2_dumb_loop", "phase3_tools", "nanochat_track"]

SMALL_PLAN = """# Plan

**Current phase:** `phase_a` — Phase A

## Phase A · First (`phase_a`)
- [ ] step one
- [ ] Optional: step two
- [ ] Run `make -C phase_a check` and see it pass.

## Notes
- [ ] not a step: notes are not phases

## Phase B · Second (`phase_b`)
- [ ] step three

## Track · Side (`track_c`)
- [ ] step four
"""

BUILT_MAKEFILE = "run:  ## the milestone\n\t@echo milestone\ncheck:\n\t@echo check\n"
PLACEHOLDER_MAKEFILE = (".PHONY: run check\nrun check:\n\t@echo \"This phase is not built yet: "
                        "see README.md and LearningPlan.md.\"\n\t@exit 1\n")


def make_course(folder: Path, plan: str, history: str, built: list[str], not_built: list[str]) -> Path:
    """A course folder: the plan, the log as shipped, and phase folders built or not."""
    folder.mkdir()
    (folder / "LearningPlan.md").write_text(plan)
    (folder / "history.md").write_text(history)
    for name, makefile in [(f, BUILT_MAKEFILE) for f in built] + [(f, PLACEHOLDER_MAKEFILE) for f in not_built]:
        (folder / name).mkdir()
        (folder / name / "Makefile").write_text(makefile)
    return folder


def use_course(monkeypatch: pytest.MonkeyPatch, course: Path) -> Path:
    """Point the commands at `course` and at a progress folder inside it; returns that folder."""
    monkeypatch.setenv("AGENTLAB_COURSE_DIR", str(course))
    monkeypatch.setenv("AGENTLAB_PROGRESS_DIR", str(course / "progress"))
    return course / "progress"


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A course made of the repository's own LearningPlan.md and history.md (read, never written
    here), phases 0-3 and the track built; returns the learner's progress folder."""
    course = make_course(tmp_path / "course", (REPO / "LearningPlan.md").read_text(),
                         (REPO / "history.md").read_text(), BUILT,
                         [f for f in SHIPPED_PHASES if f not in BUILT])
    return use_course(monkeypatch, course)


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    course = make_course(tmp_path / "course", SMALL_PLAN, progress.HISTORY_HEADER,
                         ["phase_a", "phase_b", "track_c"], [])
    return use_course(monkeypatch, course)


def assert_as_shipped(course: Path) -> None:
    """The course's plan and log are as a learner starts: nothing ticked, no entry, phase 0 first."""
    plan = progress.parse_plan((course / "LearningPlan.md").read_text(), course / "LearningPlan.md")
    assert [p.folder for p in plan.phases] == SHIPPED_PHASES
    assert all(p.steps and p.ticked == 0 for p in plan.phases)
    assert plan.current.folder == "phase0_setup"
    assert (course / "history.md").read_text() == progress.HISTORY_HEADER, "the log ships empty"
    for phase in plan.phases:  # each phase names its definition of done
        section = plan.text().split(f"(`{phase.folder}`)")[1].split("\n## ")[0]
        assert f"make -C {phase.folder} check" in section
        assert phase.verified_steps(), f"{phase.folder} has a step its check ticks"
    for name in ("LearningPlan.md", "history.md"):  # each says where the learner's copy is
        assert f"progress/{name}" in (course / name).read_text()


def test_the_tracked_plan_and_log_are_the_course_as_a_learner_starts_it() -> None:
    assert_as_shipped(REPO)


def test_the_plan_marks_exactly_the_parts_not_built_and_the_track() -> None:
    plan = progress.parse_plan((REPO / "LearningPlan.md").read_text())
    for phase in plan.phases:
        section = plan.text().split(f"(`{phase.folder}`)")[1].split("\n## ")[0]
        marked = "**Not built yet:**" in section
        built = progress.phase_is_built(phase.folder, REPO)
        assert marked != built, (
            f"{phase.folder} is {'built' if built else 'not built'}: " + (
                "remove its '**Not built yet:**' paragraph from LearningPlan.md" if built else
                "add a '**Not built yet:**' paragraph under its heading in LearningPlan.md"))
    track = plan.phase("nanochat_track")
    assert track is not None and track.is_track and progress.phase_is_built(track.folder, REPO)
    assert "**Built; in parallel:**" in plan.text().split("(`nanochat_track`)")[1]


def test_phase_is_built_reads_the_folders_makefile(tmp_path: Path) -> None:
    (tmp_path / "no_makefile").mkdir()
    (tmp_path / "no_run").mkdir()
    (tmp_path / "no_run" / "Makefile").write_text("check:\n\t@echo check\nrunner:\n\t@echo x\n")
    (tmp_path / "placeholder").mkdir()
    (tmp_path / "placeholder" / "Makefile").write_text(PLACEHOLDER_MAKEFILE)
    (tmp_path / "built").mkdir()
    (tmp_path / "built" / "Makefile").write_text("PY ?= python\n.PHONY: run check\n" + BUILT_MAKEFILE)
    (tmp_path / "built_two").mkdir()
    (tmp_path / "built_two" / "Makefile").write_text("check run: venv\n\t@echo both\n")
    found = {name: progress.phase_is_built(name, tmp_path)
             for name in ("missing", "no_makefile", "no_run", "placeholder", "built", "built_two")}
    assert found == {"missing": False, "no_makefile": False, "no_run": False,
                     "placeholder": False, "built": True, "built_two": True}
    assert all(progress.phase_is_built(folder, REPO) for folder in BUILT)


def test_parse_round_trip_is_byte_for_byte() -> None:
    text = (REPO / "LearningPlan.md").read_text()
    assert progress.parse_plan(text).text() == text
    crlf = text.replace("\n", "\r\n")
    plan = progress.parse_plan(crlf)
    assert plan.text() == crlf
    plan.tick(plan.phases[0].steps[0])
    plan.tick(plan.phases[0].steps[2], "-")
    assert plan.text().count("\r\n") == crlf.count("\r\n"), "ticking keeps the line endings"
    again = progress.parse_plan(plan.text()).phases[0].steps
    assert (again[0].done, again[1].finished, again[2].skipped, again[2].done) == (True, False, True, False)

    entry = progress.make_entry("phase1_tinylm", "Bigram works", ["val loss: 2.45", "a · b"], T0)
    history = progress._appended(progress.HISTORY_HEADER, entry)
    assert progress.parse_history(history) == [entry]


def test_next_ticks_nothing_however_often_it_is_asked(shipped: Path) -> None:
    first = progress.where_we_left_off()
    assert "Made your copy of the plan" in first and "Nothing recorded yet" in first
    step1 = progress.load_plan().phases[0].steps[0].text
    files = {name: (shipped / name).read_bytes() for name in ("LearningPlan.md", "history.md")}
    for _ in range(3):  # the old `next` ticked the step shown when asked twice
        out = progress.where_we_left_off()
        assert f"Next step: {step1}" in out and "`make next done` ticks it" in out
        assert progress.main(["next"]) == 0
    assert files == {name: (shipped / name).read_bytes() for name in files}
    assert progress.load_history() == [] and progress.load_plan().phases[0].ticked == 0


def test_next_done_ticks_the_step_shown_and_logs_it(shipped: Path) -> None:
    shown = progress.where_we_left_off()
    step1, step2 = (s.text for s in progress.load_plan().phases[0].steps[:2])
    assert f"Next step: {step1}" in shown
    out = progress.finish_step(now=T0)
    assert f"Ticked: {step1}" in out and f"Next step: {step2}" in out
    assert [s.done for s in progress.load_plan().phases[0].steps[:2]] == [True, False]
    [entry] = progress.load_history()
    assert (entry.phase, entry.title, entry.when) == ("phase0_setup", "finished step: " + step1, T0)
    assert progress.next_step() == step2
    assert "Last step:" in progress.where_we_left_off()
    assert "Your progress: progress/LearningPlan.md and progress/history.md" in out


def test_only_an_optional_step_can_be_skipped(small: Path) -> None:
    with pytest.raises(StepRefused, match="only an optional step can be skipped"):
        progress.finish_step(now=T0, skip=True)
    progress.finish_step(now=T0)
    assert "`make next skip` passes over it" in progress.where_we_left_off()
    out = progress.finish_step(now=T0, skip=True)
    assert "Skipped: Optional: step two" in out
    assert "- [-] Optional: step two" in (small / "LearningPlan.md").read_text()
    assert [e.title for e in progress.load_history()] == [
        "finished step: step one", "skipped step: Optional: step two"]


def test_a_check_step_is_ticked_by_its_check_and_refused_by_hand_until_one_passed(small: Path) -> None:
    progress.finish_step(now=T0)
    progress.finish_step(now=T0, skip=True)
    assert "`make -C phase_a check` ticks this step when it passes" in progress.where_we_left_off()
    before = {name: (small / name).read_bytes() for name in ("LearningPlan.md", "history.md")}
    with pytest.raises(StepRefused) as refused:
        progress.finish_step(now=T0)
    assert "no pass of it is logged yet" in str(refused.value)
    assert progress.main(["next", "done"]) == 1, "the command line says so, without a traceback"
    assert before == {name: (small / name).read_bytes() for name in before}

    notes = progress.record_milestone("phase_a", "First check passes", ["loss: 1.5"])
    assert any("Ticked" in n and "make -C phase_a check" in n for n in notes)
    assert any("Phase B · Second (phase_b) is now current" in n for n in notes)
    plan = progress.load_plan()
    assert plan.phases[0].complete and plan.current.folder == "phase_b"
    assert "- [x] Run `make -C phase_a check`" in (small / "LearningPlan.md").read_text()
    assert "- [ ] not a step" in (small / "LearningPlan.md").read_text(), "notes are left alone"


def test_a_logged_pass_lets_the_check_step_be_ticked_by_hand(small: Path) -> None:
    progress.record_milestone("phase_b", "B passes early", [])  # no check step in B: nothing ticked
    progress.record_milestone("phase_a", "A passes early", [])  # ticks A's check step, A not done
    plan = progress.load_plan()
    assert plan.current.folder == "phase_a" and plan.phases[0].ticked == 1, "the phase stays current"
    assert plan.phases[1].ticked == 0
    # the step was re-made unticked (say the course changed its text): the logged pass still counts
    (small / "LearningPlan.md").write_text(SMALL_PLAN)
    progress.finish_step(now=T0)
    progress.finish_step(now=T0, skip=True)
    assert "Its check has passed before" in progress.where_we_left_off()
    assert "Ticked: Run `make -C phase_a check`" in progress.finish_step(now=T0)


def test_finishing_phases_moves_on_and_wraps_round_to_what_is_left(small: Path) -> None:
    progress.switch_to("phase_b")
    out = progress.finish_step(now=T0)  # phase B done: nothing follows but the track
    assert "Track · Side (track_c) is now current" in out
    out = progress.finish_step(now=T0)  # the track done: back to phase A, the one left
    assert "Phase A · First (phase_a) is now current" in out and "Next step: step one" in out
    for skip in (False, True):
        progress.finish_step(now=T0, skip=skip)
    progress.record_milestone("phase_a", "A passes", [])
    assert all(p.complete for p in progress.load_plan().phases)
    assert "Every step of the plan is done" in progress.where_we_left_off()
    with pytest.raises(StepRefused, match="Nothing to tick"):
        progress.finish_step(now=T0)


def test_a_phase_not_built_is_said_plainly_and_the_track_is_offered(shipped: Path) -> None:
    out = progress.where_we_left_off()
    assert "In parallel: Track · nanochat" in out and "`make next nanochat_track`" in out
    out = progress.switch_to("phase4_context")
    assert "Switched to Phase 4" in out and "phase4_context is not built yet" in out
    assert "Next step:" not in out, "no step of a phase that is not built is shown"
    assert "`make next nanochat_track` switches to one" in out and "nanochat_track, 0 of 9 steps" in out
    assert "Phase 0 · Set-up and your first calls to a local LLM (phase0_setup, 0 of 7 steps)" in out
    with pytest.raises(StepRefused, match="Nothing ticked: phase4_context is not built yet"):
        progress.finish_step(now=T0)
    assert "(not built yet)" in progress.status().split("phase4_context")[1].split("\n")[0]
    assert "Switched to Track · nanochat" in progress.switch_to("nanochat_track")
    assert progress.current_phase() == "nanochat_track"
    with pytest.raises(StepRefused, match="no phase or track called 'phase9'"):
        progress.switch_to("phase9")


def test_start_on_a_phase_not_built_says_so_and_succeeds(
        shipped: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(start.subprocess, "run", fake_run)
    progress.switch_to("phase4_context")  # where finishing phase 3 leads
    assert start.main() == 0
    out = capsys.readouterr().out
    assert "Nothing to run: phase4_context is not built yet" in out and "nanochat_track" in out
    assert [c[-1] for c in calls] == ["quick"], "only the doctor ran"

    progress.switch_to("phase1_tinylm")
    assert start.main() == 0
    assert calls[-1][-3:] == ["-C", str(shipped.parent / "phase1_tinylm"), "run"]


def test_a_changed_course_plan_remakes_the_copy_and_keeps_the_ticks(small: Path) -> None:
    course_plan = small.parent / "LearningPlan.md"
    progress.finish_step(now=T0)
    progress.finish_step(now=T0, skip=True)
    progress.switch_to("track_c")
    (small / "LearningPlan.md").write_text(  # a note of the learner's own, in their copy
        (small / "LearningPlan.md").read_text() + "\nMy note.\n")
    changed = (SMALL_PLAN.replace("- [ ] step one", "- [ ] step one, reworded")
               .replace("- [ ] step three", "- [ ] step three\n- [ ] step three and a half"))
    course_plan.write_text(changed)  # what a `git pull` does

    out = progress.where_we_left_off()
    assert "The course plan changed" in out and "1 of your marks kept" in out
    assert "1 on steps whose text changed were dropped" in out
    plan = progress.load_plan()
    assert [(s.text, s.mark) for s in plan.phases[0].steps] == [
        ("step one, reworded", " "), ("Optional: step two", "-"),
        ("Run `make -C phase_a check` and see it pass.", " ")]
    assert [s.text for s in plan.phases[1].steps] == ["step three", "step three and a half"]
    assert plan.current.folder == "track_c", "the current phase is kept"
    assert "My note." in (small / progress.PREVIOUS_PLAN_FILE).read_text()
    assert course_plan.read_text() == changed, "the course plan is only read"
    again = (small / "LearningPlan.md").read_bytes()
    progress.where_we_left_off()
    assert (small / "LearningPlan.md").read_bytes() == again, "re-made once, not on every call"


def test_ticks_in_old_top_level_files_come_along_into_the_copy(small: Path) -> None:
    course = small.parent
    (course / "LearningPlan.md").write_text(SMALL_PLAN.replace("- [ ] step one", "- [x] step one"))
    entry = progress.make_entry("phase_a", "an old milestone", [], T0)
    (course / "history.md").write_text(progress._appended(progress.HISTORY_HEADER, entry))
    out = progress.where_we_left_off()
    assert "came along" in out and "git checkout -- LearningPlan.md history.md" in out
    assert progress.load_plan().phases[0].steps[0].done
    assert [e.title for e in progress.load_history()] == ["an old milestone"]


def test_a_learner_path_leaves_the_tracked_files_as_shipped(shipped: Path) -> None:
    """The definition of done of the issue, for progress: phase 0 as the plan says, both checks
    pass, and the course files are byte for byte as shipped, so their tests still pass."""
    course = shipped.parent
    assert progress.main(["next"]) == 0
    for _ in range(6):  # phase 0's steps, one by one, the optional one skipped
        word = "skip" if progress.load_plan().current.next_step().optional else "done"  # type: ignore[union-attr]
        assert progress.main(["next", word]) == 0
    assert progress.main(["next", "done"]) == 1, "the check step waits for the check"
    progress.record_milestone("phase0_setup", "Set-up works", ["round trip: 40 tokens/s"])
    assert progress.current_phase() == "phase1_tinylm"
    while progress.load_plan().current.next_step().checked_by is None:  # type: ignore[union-attr]
        progress.finish_step(skip=progress.load_plan().current.next_step().optional)  # type: ignore[union-attr]
    progress.record_milestone("phase1_tinylm", "Three models", ["val loss: 1.9"])
    assert progress.main(["next"]) == 0 and progress.main(["status"]) == 0

    plan = progress.load_plan()
    assert plan.current.folder == "phase2_dumb_loop"
    assert plan.phases[0].complete and plan.phases[1].complete
    assert len(progress.load_history()) == 2 + 7 + 10 - 2  # milestones + steps (checks tick theirs)
    for name in ("LearningPlan.md", "history.md"):
        assert (course / name).read_bytes() == (REPO / name).read_bytes(), f"{name} was written"
    assert_as_shipped(course)


def test_the_test_session_keeps_away_from_the_learners_progress() -> None:
    session = Path(os.environ["AGENTLAB_PROGRESS_DIR"]).resolve()
    assert REPO.resolve() not in session.parents, "conftest points the progress at a temp folder"
    assert progress.progress_dir().resolve() == session
    assert progress.course_dir() == progress.REPO


def test_status_and_recap_tick_nothing(shipped: Path) -> None:
    progress.record_milestone("phase0_setup", "Set-up works", ["round trip: 40 tokens/s"])
    files = {p.name: p.read_bytes() for p in shipped.iterdir()}
    out = progress.status()
    assert "-> phase0_setup" in out and " 1/7 " in out, "the check ticked its own step"
    assert "Your progress: " in out
    recap = progress.where_we_left_off()
    assert "Set-up works" in recap and "round trip: 40 tokens/s" in recap and "Next step:" in recap
    assert files == {p.name: p.read_bytes() for p in shipped.iterdir()}


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [("- [] a step without its box", "a step must look like"),
     ("**Current phase:** phase1_tinylm", "names no folder"),
     ("## Phase 9 · No folder here", "must end with its folder"),
     ("**Current phase:** `phase0_setup`", "a second current-phase line")],
)
def test_a_malformed_copy_of_the_plan_names_the_line_and_is_left_unchanged(
        shipped: Path, bad_line: str, expected: str) -> None:
    progress.where_we_left_off()  # makes the copy
    path = shipped / "LearningPlan.md"
    lines = path.read_text().split("\n")
    lines.insert(30, bad_line)
    path.write_text("\n".join(lines))
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    for action in (progress.where_we_left_off, progress.finish_step, progress.status,
                   progress.current_phase):
        with pytest.raises(ProgressFileError) as caught:
            action()
        assert caught.value.line == 31 and caught.value.path == path
        assert expected in str(caught.value) and "LearningPlan.md, line 31" in str(caught.value)
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before


def test_a_malformed_course_plan_is_named_as_such(shipped: Path) -> None:
    course_plan = shipped.parent / "LearningPlan.md"
    course_plan.write_text(course_plan.read_text().replace("- [ ] Run `make start`", "- [] Run"))
    with pytest.raises(ProgressFileError) as caught:
        progress.where_we_left_off()
    assert caught.value.path == course_plan
    assert not (shipped / "LearningPlan.md").exists()


def test_a_malformed_log_is_never_overwritten(shipped: Path) -> None:
    progress.where_we_left_off()
    path = shipped / "history.md"
    path.write_text(progress.HISTORY_HEADER + "\n## yesterday · phase0_setup · oops\n- detail\n")
    before = path.read_bytes()
    with pytest.raises(ProgressFileError) as caught:
        progress.record_milestone("phase0_setup", "Set-up works", [])
    assert caught.value.line == 7 and "history.md, line 7" in str(caught.value)
    with pytest.raises(ProgressFileError):
        progress.finish_step(now=T0)
    assert path.read_bytes() == before
    assert progress.main(["next"]) == 1, "the command line reports it, without a traceback"


def test_bad_bytes_are_reported_with_their_line(shipped: Path) -> None:
    shipped.mkdir()
    (shipped / "history.md").write_bytes(b"# History\n\nfine\n\xff\xfe broken\n")
    with pytest.raises(ProgressFileError) as caught:
        progress.load_history()
    assert caught.value.line == 4


def test_an_atomic_write_that_fails_midway_leaves_the_old_files(
        shipped: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    progress.finish_step(now=T0)
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        progress.finish_step(now=T0 + timedelta(minutes=1))
    with pytest.raises(OSError, match="disk full"):
        progress.record_milestone("phase0_setup", "Set-up works", ["x"])
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before, "no temp file left"
    monkeypatch.undo()
    progress.parse_plan((shipped / "LearningPlan.md").read_text())  # still readable


def test_a_milestone_is_logged_where_there_is_no_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTLAB_COURSE_DIR", str(tmp_path / "no_course"))
    monkeypatch.setenv("AGENTLAB_PROGRESS_DIR", str(tmp_path / "progress"))
    notes = progress.record_milestone("phase0_setup", "Set-up works", [])
    assert notes == [f"Logged in {tmp_path / 'progress' / 'history.md'}."]
    assert [e.title for e in progress.load_history()] == ["Set-up works"]


def test_make_next_hands_the_words_after_it_to_the_command() -> None:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    for words in (["done"], ["skip"], ["nanochat_track"], []):
        out = subprocess.run(["make", "-n", "-C", str(REPO), "next", *words], capture_output=True,
                             text=True, check=True).stdout
        command = next(line for line in out.splitlines() if "-m shared.progress" in line)
        assert command.split("-m shared.progress ")[1].split() == ["next", *words]


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
