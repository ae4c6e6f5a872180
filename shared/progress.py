"""The learner's progress: their copy of the plan (with ticks) and their dated log.

    python -m shared.progress next         # where did we leave off? changes no tick
    python -m shared.progress next done    # tick the step `next` shows, log it, show the next one
    python -m shared.progress next skip    # pass over the step shown, if it is an optional one
    python -m shared.progress next FOLDER  # work on that phase or track now (e.g. nanochat_track)
    python -m shared.progress status       # steps done per phase; which parts are not built yet
    python -m shared.progress record PHASE TITLE [DETAIL ...]   # append a milestone by hand

Two places, so that a `git pull` never conflicts with a learner's progress:
- the course: the tracked `LearningPlan.md` and `history.md` at the repository root (or in
  $AGENTLAB_COURSE_DIR). They stay as the course ships them; no command here writes them.
- the learner's copies: `progress/LearningPlan.md` and `progress/history.md` (or in
  $AGENTLAB_PROGRESS_DIR; the tests point it at a temporary folder). Git ignores them. Every
  command makes them from the course files on first use. When the course plan changes (a pull),
  the copy is re-made from it, keeping the marks of steps whose text is unchanged and the
  current phase; the copy before that is kept as `progress/LearningPlan.previous.md`.
  `progress/.course-plan.md` is the course plan the copy was made from, to notice a change.

LearningPlan.md, the shape we read (everything else in the file is kept as written):
- a line `**Current phase:** `folder` — title` names the current phase;
- each phase is a heading `## <title> (`folder`)`; its steps are the lines under it that look
  like `- [ ] text` (to do), `- [x] text` (done) or `- [-] text` (skipped, optional steps only).
  A heading whose title starts with "Track" is a track, taken in parallel with the phases.

history.md: a title, then entries, each a heading `## YYYY-MM-DD HH:MM · phase · title` and
optional `- detail` lines. Every `## ` line must be such an entry.

The rules, kept simple on purpose:
1. `next` shows a recap of the log and the first step of the current phase not yet done. It
   ticks nothing: ticking is an explicit act.
2. `next done` ticks that step and logs it. A step that names its phase's `make -C FOLDER check`
   is ticked by that check passing (`record_milestone`); by hand only once a pass is logged.
3. When every step of the current phase is done (or skipped), the next phase after it that is
   not finished becomes current (or, after the last, the first one left). `next done` and a
   passing check apply this.
4. A phase is built when its folder has a Makefile with a `run` target that is not the "not
   built yet" placeholder. `next` on a phase that is not built says so and names the built parts
   to work on meanwhile; no step of it is shown or ticked.
5. A file we cannot read raises ProgressFileError naming the file and the line, before anything
   is written. Every write goes to a temp file in the same folder and is renamed into place, so a
   crash never leaves half a file; a lock on the folder keeps two writers from losing an entry.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from shared.atomic_write import atomic_write_text
from shared.errors import AgentlabError

REPO = Path(__file__).resolve().parents[1]
PLAN_FILE = "LearningPlan.md"
HISTORY_FILE = "history.md"
COURSE_PLAN_COPY = ".course-plan.md"  # the course plan the learner's copy was made from
PREVIOUS_PLAN_FILE = "LearningPlan.previous.md"  # the learner's copy before the last re-make
STEP_PREFIX = "finished step: "
SKIP_PREFIX = "skipped step: "

# The shipped history.md, word for word: the log as a learner starts it.
HISTORY_HEADER = (
    "# History\n\n"
    "Your log: `make next done` adds each step you finish, and every phase's `make check` adds\n"
    "its pass. It is kept in `progress/history.md`, made from the top-level `history.md` on first\n"
    "use; git ignores that folder, so the top-level file stays as the course ships it.\n"
)


class ProgressFileError(AgentlabError):
    """LearningPlan.md or history.md does not have the shape we read; names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str, hint: str = "") -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{self.path}, line {line}" if line else str(self.path)
        text = f"{where}: {problem}"
        super().__init__(f"{text}; {hint}" if hint else text)


class StepRefused(AgentlabError):
    """`next done` or `next skip` that we will not do; the message says why and what instead."""


# Where the files are ------------------------------------------------------------------------


def course_dir() -> Path:
    """Where the course's LearningPlan.md, history.md and phase folders are: $AGENTLAB_COURSE_DIR
    if set, else the repository root. Read only."""
    return Path(os.environ.get("AGENTLAB_COURSE_DIR") or REPO)


def progress_dir() -> Path:
    """Where the learner's copies are: $AGENTLAB_PROGRESS_DIR if set, else `progress/` in the
    repository (git ignores it)."""
    return Path(os.environ.get("AGENTLAB_PROGRESS_DIR") or REPO / "progress")


def shown(path: Path) -> str:
    """`path` as a learner types it: relative to the course folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(course_dir().resolve()))
    except ValueError:
        return str(path)


def _read(path: Path) -> str:
    """The file's text, exactly (line endings kept); a bad byte is reported with its line."""
    if not path.is_file():
        raise ProgressFileError(path, None, "file not found", "restore it with `git checkout -- "
                                f"{path.name}`, or delete the folder it is in to start it over")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ProgressFileError(path, line, "this line is not valid UTF-8 text",
                                "save the file as UTF-8") from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder while we read, change and write its files.
    Not re-entrant: each public function takes it once."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; atomic writes still protect the files
        folder.mkdir(parents=True, exist_ok=True)
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# LearningPlan.md ------------------------------------------------------------------------------

PHASE_HEADING = re.compile(r"^## (?P<title>.+?) \(`(?P<folder>[A-Za-z0-9_]+)`\)\s*$")
STEP_LINE = re.compile(r"^\s*[-*] \[(?P<mark>[ xX-])\] (?P<text>\S.*?)\s*$")
LOOKS_LIKE_STEP = re.compile(r"^\s*[-*] \[.?\](\s|$)")  # a checkbox, well-formed or not
MARKER_LINE = re.compile(r"^\*\*Current phase:\*\*\s+`(?P<folder>[A-Za-z0-9_]+)`")
MARKER_START = "**Current phase:**"
CHECK_COMMAND = re.compile(r"`make -C (?P<folder>[A-Za-z0-9_]+) check`")


@dataclass
class Step:
    text: str
    mark: str  # " " to do, "x" done, "-" skipped
    line: int  # 0-based index into Plan.lines
    mark_col: int  # column of the character between the brackets

    @property
    def done(self) -> bool:
        return self.mark in ("x", "X")

    @property
    def skipped(self) -> bool:
        return self.mark == "-"

    @property
    def finished(self) -> bool:
        return self.mark != " "

    @property
    def optional(self) -> bool:
        text = self.text.lower()
        return text.startswith("optional") or "(optional)" in text

    @property
    def checked_by(self) -> str | None:
        """The phase folder whose `make -C FOLDER check` this step names, if any."""
        found = CHECK_COMMAND.search(self.text)
        return found.group("folder") if found else None


@dataclass
class Phase:
    folder: str
    title: str
    line: int
    steps: list[Step] = field(default_factory=list)

    @property
    def ticked(self) -> int:
        """Steps done or skipped."""
        return sum(step.finished for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.finished for step in self.steps)

    @property
    def is_track(self) -> bool:
        return self.title.lower().startswith("track")

    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.finished), None)

    def verified_steps(self) -> list[Step]:
        """The steps that this phase's own `make check` ticks when it passes."""
        return [step for step in self.steps if step.checked_by == self.folder]


@dataclass
class Plan:
    """LearningPlan.md as its lines (so writing it back changes only what we changed)."""

    path: Path
    lines: list[str]  # split on "\n" only: "\n".join(lines) is the file, byte for byte
    phases: list[Phase]
    marker_line: int

    @property
    def current(self) -> Phase:
        folder = MARKER_LINE.match(self.lines[self.marker_line]).group("folder")  # type: ignore[union-attr]
        return self.phase(folder)  # type: ignore[return-value]

    def phase(self, name: str) -> Phase | None:
        """The phase whose folder or title is `name` (case-insensitive), if any."""
        wanted = name.strip().lower()
        return next((p for p in self.phases if wanted in (p.folder.lower(), p.title.lower())), None)

    def text(self) -> str:
        return "\n".join(self.lines)

    def tick(self, step: Step, mark: str = "x") -> None:
        line = self.lines[step.line]
        self.lines[step.line] = line[: step.mark_col] + mark + line[step.mark_col + 1 :]
        step.mark = mark

    def set_current(self, phase: Phase) -> None:
        ending = "\r" if self.lines[self.marker_line].endswith("\r") else ""
        self.lines[self.marker_line] = f"{MARKER_START} `{phase.folder}` — {phase.title}{ending}"

    def advance_if_complete(self) -> Phase | None:
        """Rule 3: if the current phase is finished, make the next unfinished phase current (the
        first one left when none follows). Returns the new current phase, or None."""
        current = self.current
        if not current.complete:
            return None
        at = self.phases.index(current)
        in_order = self.phases[at + 1 :] + self.phases[:at]
        following = next((p for p in in_order if not p.complete), None)
        if following is None:
            return None
        self.set_current(following)
        return following


def parse_plan(text: str, path: Path | str = PLAN_FILE) -> Plan:
    """Read LearningPlan.md; a line we cannot read raises ProgressFileError with its number."""
    path = Path(path)
    lines = text.split("\n")
    phases: list[Phase] = []
    marker: int | None = None
    marker_folder = ""
    for index, raw in enumerate(lines):
        line = raw.rstrip("\r")
        number = index + 1
        if line.startswith("## "):
            heading = PHASE_HEADING.match(line)
            if heading:
                folder = heading.group("folder")
                if any(p.folder == folder for p in phases):
                    raise ProgressFileError(path, number, f"phase `{folder}` appears twice",
                                            "keep one heading per phase folder")
                phases.append(Phase(folder, heading.group("title").strip(), index))
                continue
            if line[3:].lstrip().lower().startswith(("phase", "track")):
                raise ProgressFileError(
                    path, number, "a phase heading must end with its folder in backticks",
                    "write it like '## Phase 1 · A tiny LM (`phase1_tinylm`)'")
            phases.append(Phase("", line[3:].strip(), index))  # a section of notes, not a phase
            continue
        if line.startswith(MARKER_START):
            found = MARKER_LINE.match(line)
            if not found:
                raise ProgressFileError(path, number, "the current-phase line names no folder",
                                        "write it like '**Current phase:** `phase0_setup`'")
            if marker is not None:
                raise ProgressFileError(path, number, "a second current-phase line",
                                        f"keep only the one on line {marker + 1}")
            marker, marker_folder = index, found.group("folder")
            continue
        if LOOKS_LIKE_STEP.match(line):
            step = STEP_LINE.match(line)
            if not step:
                raise ProgressFileError(path, number, "a step must look like '- [ ] text', "
                                        "'- [x] text' or '- [-] text'",
                                        "fix the box or the missing text")
            if phases and phases[-1].folder:
                mark = step.group("mark").lower()
                phases[-1].steps.append(Step(step.group("text"), mark, index, step.start("mark")))
    phases = [p for p in phases if p.folder]
    if not phases:
        raise ProgressFileError(path, None, "no phase headings like '## Phase 0 · Set-up "
                                "(`phase0_setup`)'", "restore the file from git")
    if marker is None:
        raise ProgressFileError(path, None, "no '**Current phase:** `folder`' line",
                                f"add one naming a phase, e.g. '{MARKER_START} `{phases[0].folder}`'")
    if not any(p.folder == marker_folder for p in phases):
        raise ProgressFileError(path, marker + 1, f"the current phase `{marker_folder}` has no "
                                "heading in this file", "name one of: "
                                + ", ".join(p.folder for p in phases))
    return Plan(path, lines, phases, marker)


def load_plan(folder: Path | None = None) -> Plan:
    """The learner's copy of the plan, as it is (see `_follow_the_course` for making it)."""
    path = (folder or progress_dir()) / PLAN_FILE
    return parse_plan(_read(path), path)


# history.md -----------------------------------------------------------------------------------

ENTRY_HEADING = re.compile(
    r"^## (?P<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) · (?P<phase>.+?) · (?P<title>.*\S)\s*$"
)


@dataclass
class Entry:
    when: datetime
    phase: str
    title: str
    details: list[str] = field(default_factory=list)

    @property
    def is_step(self) -> bool:
        return self.title.startswith((STEP_PREFIX, SKIP_PREFIX))

    def render(self) -> str:
        head = f"## {self.when:%Y-%m-%d %H:%M} · {self.phase} · {self.title}\n"
        return head + "".join(f"- {detail}\n" for detail in self.details)


def one_line(text: str) -> str:
    """Text safe for one line of the log: whitespace (newlines included) collapsed to spaces."""
    text = str(text).encode("utf-8", "replace").decode("utf-8")
    return " ".join(text.split())


def make_entry(phase: str, title: str, details: list[str], when: datetime | None = None) -> Entry:
    """An entry whose rendering always parses back to itself, whatever text it is given."""
    phase = one_line(phase).replace("·", "-") or "unknown"
    title = one_line(title) or "(no title)"
    cleaned = [one_line(d) for d in details]
    when = (when or datetime.now()).replace(second=0, microsecond=0)
    return Entry(when, phase, title, [d for d in cleaned if d])


def parse_history(text: str, path: Path | str = HISTORY_FILE) -> list[Entry]:
    """The entries of history.md, oldest first; a bad '## ' line raises ProgressFileError."""
    path = Path(path)
    entries: list[Entry] = []
    for index, raw in enumerate(text.split("\n")):
        line = raw.rstrip("\r")
        if line.startswith("## "):
            found = ENTRY_HEADING.match(line)
            when = None
            if found:
                with contextlib.suppress(ValueError):
                    when = datetime.strptime(found.group("date"), "%Y-%m-%d %H:%M")
            if when is None or found is None:
                raise ProgressFileError(
                    path, index + 1, "a '## ' heading here must be an entry like "
                    "'## 2026-11-23 16:40 · phase0_setup · title'",
                    "fix the date or use '###' for a heading of your own")
            entries.append(Entry(when, found.group("phase"), found.group("title")))
        elif entries and line.startswith("- "):
            entries[-1].details.append(line[2:])
    return entries


def load_history(folder: Path | None = None) -> list[Entry]:
    """The entries of the learner's log (none when it is not made yet)."""
    path = (folder or progress_dir()) / HISTORY_FILE
    if not path.exists():
        return []
    return parse_history(_read(path), path)


def _appended(text: str, entry: Entry) -> str:
    """history.md's text with `entry` added at the end (same line endings as the file)."""
    if not text:
        text = HISTORY_HEADER
    ending = "\r\n" if "\r\n" in text else "\n"
    if not text.endswith("\n"):
        text += ending
    block = entry.render().replace("\n", ending)
    return text + ending + block


def _check_passed(entries: list[Entry], folder: str) -> bool:
    """Whether the log holds a milestone (a check's pass, not a ticked step) of this phase."""
    return any(e.phase == folder and not e.is_step for e in entries)


# The learner's copies: made from the course files, re-made when the course plan changes --------


def _follow_the_course(folder: Path, course: Path) -> list[str]:
    """Make the learner's copies if they are missing, and re-make the plan's copy when the course
    plan changed since it was made. Call with the folder locked. Returns notes for the learner."""
    _make_history_copy(folder, course)
    notes: list[str] = []
    course_path, copy_path = course / PLAN_FILE, folder / PLAN_FILE
    if not course_path.exists():
        return notes  # a course without a plan (some tests): the copy is used as it is
    course_text = _read(course_path)
    made_from = folder / COURSE_PLAN_COPY
    if not copy_path.exists():
        course_plan = parse_plan(course_text, course_path)  # report a broken course plan as such
        atomic_write_text(copy_path, course_text)
        atomic_write_text(made_from, course_text)
        notes.append(f"Made your copy of the plan, {shown(copy_path)}, from {shown(course_path)}.")
        if any(p.ticked for p in course_plan.phases) or load_history(course):
            notes.append("Your ticks and log entries in the top-level files came along; "
                         "`git checkout -- LearningPlan.md history.md` restores those as shipped.")
        return notes
    if not made_from.exists():  # made by hand, or the record was deleted: take the copy as it is
        atomic_write_text(made_from, course_text)
        return notes
    if _read(made_from) == course_text:
        return notes
    old = load_plan(folder)
    new = parse_plan(course_text, copy_path)
    kept, dropped = _carry_marks(old, new)
    previous = folder / PREVIOUS_PLAN_FILE
    atomic_write_text(previous, old.text())
    atomic_write_text(copy_path, new.text())
    atomic_write_text(made_from, course_text)  # last: a crash before it re-makes the copy again
    note = (f"The course plan changed: {shown(copy_path)} was re-made from it with {kept} of your "
            "marks kept")
    if dropped:
        note += f" ({dropped} on steps whose text changed were dropped)"
    notes.append(f"{note}; your copy before it is {shown(previous)}.")
    return notes


def _make_history_copy(folder: Path, course: Path) -> None:
    """Make the learner's log from the course's history.md (or the usual header) if missing."""
    path = folder / HISTORY_FILE
    if path.exists():
        return
    course_path = course / HISTORY_FILE
    text = _read(course_path) if course_path.exists() else HISTORY_HEADER
    parse_history(text, course_path)  # a log we cannot read is not copied
    atomic_write_text(path, text)


def _carry_marks(old: Plan, new: Plan) -> tuple[int, int]:
    """Mark the steps of `new` that `old` marked, step by step where phase and text match;
    keep `old`'s current phase if `new` has it. Returns (marks kept, marks dropped)."""
    marks = {(p.folder, s.text): s.mark for p in old.phases for s in p.steps if s.finished}
    kept = 0
    for phase in new.phases:
        for step in phase.steps:
            mark = marks.get((phase.folder, step.text))
            if mark is not None:
                kept += 1
                if not step.finished:
                    new.tick(step, mark)
    current = new.phase(old.current.folder)
    if current is not None:
        new.set_current(current)
    return kept, len(marks) - kept


# Built or not -----------------------------------------------------------------------------------

RUN_TARGET = re.compile(r"^(?:[^\s:#=]+[ \t]+)*run(?:[ \t]+[^\s:#=]+)*[ \t]*:(?!=)", re.MULTILINE)


def phase_is_built(folder: str, root: Path | None = None) -> bool:
    """Rule 4: the phase's folder has a Makefile with a `run` target that is not the placeholder
    of a phase to come (its text says "not built yet")."""
    makefile = (root or course_dir()) / folder / "Makefile"
    if not makefile.is_file():
        return False
    text = makefile.read_text(encoding="utf-8", errors="replace")
    return bool(RUN_TARGET.search(text)) and "not built yet" not in text.lower()


def not_built_advice(plan: Plan, phase: Phase) -> list[str]:
    """What to do while `phase` is not built: the built parts not finished, and how to switch."""
    out = [f"{phase.folder} is not built yet: its lesson, code and `make check` come in a later "
           "part of the course (a `git pull` brings them)."]
    others = [p for p in plan.phases if p is not phase and not p.complete and phase_is_built(p.folder)]
    others.sort(key=lambda p: not p.is_track)  # a track first: it is the part meant for meanwhile
    if others:
        out.append("Meanwhile, built and not finished: " + ", ".join(
            f"{p.title} ({p.folder}, {p.ticked} of {len(p.steps)} steps)" for p in others) + ".")
        out.append(f"`make next {others[0].folder}` switches to one; `make start` then runs its "
                   "milestone.")
    else:
        out.append("Every built part is finished: try the benchmarks (`make bench`) meanwhile.")
    return out


# The API -------------------------------------------------------------------------------------


def record_milestone(phase: str, title: str, details: list[str]) -> list[str]:
    """Append a dated entry to the learner's log (a phase's `make check` calls this when it
    passes), tick the steps naming that check, and move on if the phase is current and now
    finished. Returns what changed, in sentences for the learner."""
    folder = progress_dir()
    with _locked(folder):
        _make_history_copy(folder, course_dir())
        history_path = folder / HISTORY_FILE
        text = _read(history_path)
        parse_history(text, history_path)  # refuse to append to a file we cannot read
        atomic_write_text(history_path, _appended(text, make_entry(phase, title, details)))
        notes = [f"Logged in {shown(history_path)}."]
        try:
            notes += _follow_the_course(folder, course_dir())
            if not (folder / PLAN_FILE).exists():
                return notes
            plan = load_plan(folder)
        except ProgressFileError as err:  # the milestone counts even when the plan has a typo
            print(f"Recorded the milestone, but could not update the plan: {err}", file=sys.stderr)
            return notes
        checked = plan.phase(phase)
        if checked is None:
            return notes
        ticked = [step for step in checked.verified_steps() if not step.finished]
        for step in ticked:
            plan.tick(step)
            notes.append(f"Ticked in {shown(plan.path)}: {step.text}")
        moved = plan.advance_if_complete() if checked is plan.current else None
        if moved is not None:
            notes.append(f"Every step of {checked.folder} is done: {moved.title} ({moved.folder}) "
                         "is now current; `make next` shows its first step.")
        if ticked or moved is not None:
            atomic_write_text(plan.path, plan.text())
        return notes


def _load_both(folder: Path) -> tuple[list[str], Plan, str]:
    """With the folder locked: follow the course, then the plan and the log's text (both read)."""
    notes = _follow_the_course(folder, course_dir())
    plan = load_plan(folder)
    history_path = folder / HISTORY_FILE
    history_text = _read(history_path)
    parse_history(history_text, history_path)  # both files are readable before any write
    return notes, plan, history_text


def current_phase() -> str:
    """The folder of the current phase, e.g. 'phase0_setup'."""
    folder = progress_dir()
    with _locked(folder):
        _follow_the_course(folder, course_dir())
        return load_plan(folder).current.folder


def next_step() -> str | None:
    """The first step of the current phase not yet done (None when it has none left)."""
    folder = progress_dir()
    with _locked(folder):
        _follow_the_course(folder, course_dir())
        step = load_plan(folder).current.next_step()
    return step.text if step else None


def _recap(entries: list[Entry], last_step: bool = True) -> list[str]:
    if not entries:
        return ["Nothing recorded yet: your log has no entries."]
    out = []
    milestones = [e for e in entries if not e.is_step]
    if milestones:
        last = milestones[-1]
        out.append(f"Last milestone: {last.when:%Y-%m-%d %H:%M}, {last.phase}: {last.title}")
        out += [f"    {detail}" for detail in last.details[:4]]
    if last_step and entries[-1].is_step:
        last = entries[-1]
        out.append(f"Last step: {last.when:%Y-%m-%d %H:%M}, {last.phase}: {last.title}")
    return out


def _how_to_finish(phase: Phase, step: Step, entries: list[Entry]) -> str:
    if step.checked_by == phase.folder:
        if _check_passed(entries, phase.folder):
            return (f"Its check has passed before (see the log): `make next done` ticks it, or run "
                    f"`make -C {phase.folder} check` again.")
        return f"`make -C {phase.folder} check` ticks this step when it passes."
    if step.optional:
        return ("It is optional: when it is done, `make next done` ticks it; "
                "`make next skip` passes over it.")
    return "When it is done, `make next done` ticks it and logs it."


def _describe(plan: Plan, entries: list[Entry], last_step: bool = True) -> list[str]:
    """The recap, the current phase and its next step, the tracks open in parallel, the files."""
    phase = plan.current
    recap = _recap(entries, last_step)
    out = recap + ([""] if recap else [])
    out.append(f"Current phase: {phase.title} ({phase.folder}), "
               f"{phase.ticked} of {len(phase.steps)} steps done")
    step = phase.next_step()
    if not phase_is_built(phase.folder):
        out += not_built_advice(plan, phase)
    elif step is None:
        out.append("Every step of the plan is done: well done. Add your own steps to your copy "
                   "of the plan to keep going.")
    else:
        out.append(f"Next step: {step.text}")
        out.append(f"(The lesson: {phase.folder}/README.md.) " + _how_to_finish(phase, step, entries))
    if phase_is_built(phase.folder):
        for track in plan.phases:
            if track.is_track and track is not phase and not track.complete \
                    and phase_is_built(track.folder):
                out.append(f"In parallel: {track.title} ({track.folder}) is built, "
                           f"{track.ticked} of {len(track.steps)} steps done; "
                           f"`make next {track.folder}` switches to it.")
    history = plan.path.parent / HISTORY_FILE
    out += ["", f"Your progress: {shown(plan.path)} and {shown(history)} (git ignores them)."]
    return out


def where_we_left_off() -> str:
    """`next`: a recap of the last milestone, then the next step. Ticks nothing."""
    folder = progress_dir()
    with _locked(folder):
        notes, plan, history_text = _load_both(folder)
    entries = parse_history(history_text)
    return "\n".join(notes + ([""] if notes else []) + _describe(plan, entries))


def finish_step(now: datetime | None = None, skip: bool = False) -> str:
    """`next done` (or `next skip`): mark the step `next` shows, log it, and show the next one.
    Raises StepRefused, before writing anything, when the step cannot be marked that way."""
    folder = progress_dir()
    with _locked(folder):
        notes, plan, history_text = _load_both(folder)
        entries = parse_history(history_text)
        phase = plan.current
        step = phase.next_step()
        _refuse_if_needed(plan, phase, step, entries, skip)
        assert step is not None  # _refuse_if_needed refuses a phase with no step left
        plan.tick(step, "-" if skip else "x")
        prefix = SKIP_PREFIX if skip else STEP_PREFIX
        history_text = _appended(history_text, make_entry(phase.folder, prefix + step.text, [], now))
        notes.append(f"{'Skipped' if skip else 'Ticked'}: {step.text} (logged)")
        moved = plan.advance_if_complete()
        if moved is not None:
            notes.append(f"Every step of {phase.folder} is done: {moved.title} ({moved.folder}) "
                         "is now current.")
        atomic_write_text(plan.path, plan.text())
        atomic_write_text(folder / HISTORY_FILE, history_text)
    entries = parse_history(history_text)
    return "\n".join(notes + [""] + _describe(plan, entries, last_step=False))


def _refuse_if_needed(plan: Plan, phase: Phase, step: Step | None, entries: list[Entry],
                      skip: bool) -> None:
    if not phase_is_built(phase.folder):
        advice = not_built_advice(plan, phase)
        raise StepRefused(f"Nothing ticked: {advice[0]} {' '.join(advice[1:])}")
    if step is None:
        raise StepRefused(f"Nothing to tick: every step of {phase.folder} is done already; "
                          "`make status` shows what is left elsewhere.")
    if skip and not step.optional:
        raise StepRefused(f"Not skipped: only an optional step can be skipped, and this one is "
                          f"not ({step.text}); `make next done` ticks it once you have done it.")
    if not skip and step.checked_by == phase.folder and not _check_passed(entries, phase.folder):
        raise StepRefused(f"Not ticked: this step is ticked by `make -C {phase.folder} check` "
                          "when it passes, and no pass of it is logged yet, so run that check.")


def switch_to(name: str) -> str:
    """`next FOLDER`: make that phase or track current (to work on it now), and show its step."""
    folder = progress_dir()
    with _locked(folder):
        notes, plan, history_text = _load_both(folder)
        phase = plan.phase(name)
        if phase is None:
            raise StepRefused(f"There is no phase or track called {name!r} in the plan: name one "
                              "of " + ", ".join(p.folder for p in plan.phases)
                              + " (or `done`, or `skip`).")
        if phase is not plan.current:
            plan.set_current(phase)
            atomic_write_text(plan.path, plan.text())
            notes.append(f"Switched to {phase.title} ({phase.folder}).")
    entries = parse_history(history_text)
    return "\n".join(notes + ([""] if notes else []) + _describe(plan, entries))


def status() -> str:
    """Steps done per phase, which is current, and which are not built yet. Ticks nothing."""
    folder = progress_dir()
    with _locked(folder):
        notes, plan, _ = _load_both(folder)
    width = max(len(p.folder) for p in plan.phases)
    out = notes + ([""] if notes else [])
    for phase in plan.phases:
        total = len(phase.steps)
        filled = round(10 * phase.ticked / total) if total else 10
        mark = "->" if phase is plan.current else "  "
        built = "" if phase_is_built(phase.folder) else "  (not built yet)"
        out.append(f"{mark} {phase.folder.ljust(width)}  [{'#' * filled}{'.' * (10 - filled)}] "
                   f"{phase.ticked:>2}/{total:<2} {phase.title}{built}")
    done = sum(p.ticked for p in plan.phases)
    total = sum(len(p.steps) for p in plan.phases)
    out.append(f"{done} of {total} steps done; current phase: {plan.current.folder}")
    out.append(f"Your progress: {shown(plan.path)} and {shown(folder / HISTORY_FILE)} "
               "(git ignores them).")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Where did we leave off? Progress per phase.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("next", help="recap and the next step; `next done` ticks it, "
                                      "`next skip` passes over an optional one, `next FOLDER` "
                                      "switches to that phase")
    ask.add_argument("word", nargs="?", default="", help="done, skip, or a phase folder")
    sub.add_parser("status", help="steps done per phase")
    record = sub.add_parser("record", help="append a milestone to the log")
    record.add_argument("phase")
    record.add_argument("title")
    record.add_argument("details", nargs="*")
    args = parser.parse_args(argv)
    try:
        if args.command == "status":
            print(status())
        elif args.command == "record":
            print("\n".join(record_milestone(args.phase, args.title, args.details)))
        elif args.word in ("done", "skip"):
            print(finish_step(skip=args.word == "skip"))
        elif args.word:
            print(switch_to(args.word))
        else:
            print(where_we_left_off())
    except AgentlabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
