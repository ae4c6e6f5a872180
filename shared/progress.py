"""The learner's progress: LearningPlan.md (the plan, with ticks) and history.md (a dated log).

    python -m shared.progress next      # where did we leave off? (asking again: the step is done)
    python -m shared.progress status    # steps ticked per phase; changes nothing
    python -m shared.progress record PHASE TITLE [DETAIL ...]   # append a milestone by hand

The files live in $AGENTLAB_PROGRESS_DIR if it is set (the tests point it at a copy), else at
the repository root.

LearningPlan.md, the shape we read (everything else in the file is kept as written):
- a line `**Current phase:** `folder` — title` names the current phase;
- each phase is a heading `## <title> (`folder`)`; its steps are the `- [ ]` / `- [x]` lines
  under it, in order.

history.md: a title, then entries, each a heading `## YYYY-MM-DD HH:MM · phase · title` and
optional `- detail` lines. Every `## ` line must be such an entry.

The rules, kept simple on purpose:
1. `next` shows a recap of history.md and the first unticked step of the current phase, and
   remembers which step it showed (`.agentlab_session.json` in the same folder).
2. `next` again within 8 hours of that means "I finished it": the step is ticked in
   LearningPlan.md, a "finished step" entry goes to history.md, and the following step is shown.
3. When every step of the current phase is ticked, the next phase after it that still has an
   unticked step becomes current (the marker line is rewritten). `next` applies this after
   ticking; `record_milestone` (a phase's `make check` passing) applies it when the phase it
   records is the current one.
4. A file we cannot read raises ProgressFileError naming the file and the line, before anything
   is written. Every write goes to a temp file in the same folder and is renamed into place, so a
   crash never leaves half a file; a lock on the folder keeps two writers from losing an entry.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from shared.atomic_write import atomic_write_text

PLAN_FILE = "LearningPlan.md"
HISTORY_FILE = "history.md"
SESSION_FILE = ".agentlab_session.json"
SESSION_HOURS = 8.0  # a second `next` within this many hours belongs to the same session
STEP_PREFIX = "finished step: "

HISTORY_HEADER = (
    "# History\n\n"
    "Entries are added by `make next` (each step you finish) and by every phase's `make check`"
    " when it passes.\n"
)


class ProgressFileError(Exception):
    """LearningPlan.md or history.md does not have the shape we read; names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str, hint: str = "") -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{self.path}, line {line}" if line else str(self.path)
        text = f"{where}: {problem}"
        super().__init__(f"{text}; {hint}" if hint else text)


# Where the files are ------------------------------------------------------------------------


def progress_dir() -> Path:
    """$AGENTLAB_PROGRESS_DIR if set, else the repository root."""
    if os.environ.get("AGENTLAB_PROGRESS_DIR"):
        return Path(os.environ["AGENTLAB_PROGRESS_DIR"])
    return Path(__file__).resolve().parents[1]


def _read(path: Path) -> str:
    """The file's text, exactly (line endings kept); a bad byte is reported with its line."""
    if not path.is_file():
        raise ProgressFileError(path, None, "file not found", "restore it with `git checkout -- "
                                f"{path.name}` or point AGENTLAB_PROGRESS_DIR at its folder")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ProgressFileError(path, line, "this line is not valid UTF-8 text",
                                "save the file as UTF-8") from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder while we read, change and write its files."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; atomic writes still protect the files
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
STEP_LINE = re.compile(r"^\s*[-*] \[(?P<mark>[ xX])\] (?P<text>\S.*?)\s*$")
LOOKS_LIKE_STEP = re.compile(r"^\s*[-*] \[.?\](\s|$)")  # a checkbox, well-formed or not
MARKER_LINE = re.compile(r"^\*\*Current phase:\*\*\s+`(?P<folder>[A-Za-z0-9_]+)`")
MARKER_START = "**Current phase:**"


@dataclass
class Step:
    text: str
    done: bool
    line: int  # 0-based index into Plan.lines
    mark_col: int  # column of the character between the brackets


@dataclass
class Phase:
    folder: str
    title: str
    line: int
    steps: list[Step] = field(default_factory=list)

    @property
    def ticked(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


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

    def tick(self, step: Step) -> None:
        line = self.lines[step.line]
        self.lines[step.line] = line[: step.mark_col] + "x" + line[step.mark_col + 1 :]
        step.done = True

    def set_current(self, phase: Phase) -> None:
        ending = "\r" if self.lines[self.marker_line].endswith("\r") else ""
        self.lines[self.marker_line] = f"{MARKER_START} `{phase.folder}` — {phase.title}{ending}"

    def advance_if_complete(self) -> Phase | None:
        """Rule 3: if the current phase is all ticked, make the next unfinished phase current.
        Returns the new current phase, or None when nothing changed."""
        current = self.current
        if not current.complete:
            return None
        later = self.phases[self.phases.index(current) + 1 :]
        following = next((p for p in later if not p.complete), None)
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
                raise ProgressFileError(path, number, "a step must look like '- [ ] text' "
                                        "or '- [x] text'", "fix the box or the missing text")
            if phases and phases[-1].folder:
                phases[-1].steps.append(Step(step.group("text"), step.group("mark") != " ",
                                             index, step.start("mark")))
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
        return self.title.startswith(STEP_PREFIX)

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


# Session state: which step `next` showed last -------------------------------------------------


def _read_session(folder: Path) -> dict | None:
    try:
        state = json.loads((folder / SESSION_FILE).read_text())
    except (OSError, ValueError):
        return None  # no session, or a damaged one: start a new session
    return state if isinstance(state, dict) else None


def _same_session(state: dict | None, now: float) -> bool:
    shown_at = state.get("shown_at") if state else None
    return isinstance(shown_at, int | float) and 0 <= now - shown_at <= SESSION_HOURS * 3600


# The API -------------------------------------------------------------------------------------


def record_milestone(phase: str, title: str, details: list[str]) -> None:
    """Append a dated entry to history.md (a phase's `make check` calls this when it passes).
    If `phase` is the current phase and all its steps are ticked, the next phase becomes current."""
    folder = progress_dir()
    with _locked(folder):
        history_path = folder / HISTORY_FILE
        text = _read(history_path) if history_path.exists() else ""
        parse_history(text, history_path)  # refuse to append to a file we cannot read
        atomic_write_text(history_path, _appended(text, make_entry(phase, title, details)))
        if not (folder / PLAN_FILE).exists():
            return
        try:
            plan = load_plan(folder)
        except ProgressFileError as err:  # the milestone counts even when the plan has a typo
            print(f"Recorded the milestone, but could not update the plan: {err}", file=sys.stderr)
            return
        if plan.phase(phase) is plan.current and plan.advance_if_complete():
            atomic_write_text(plan.path, plan.text())


def current_phase() -> str:
    """The folder of the current phase, e.g. 'phase0_setup'."""
    return load_plan().current.folder


def next_step() -> str | None:
    """The first unticked step of the current phase (None when it has none left)."""
    step = load_plan().current.next_step()
    return step.text if step else None


def _recap(entries: list[Entry], last_step: bool = True) -> list[str]:
    if not entries:
        return ["Nothing recorded yet: history.md has no entries."]
    out = []
    milestones = [e for e in entries if not e.is_step]
    if milestones:
        last = milestones[-1]
        out.append(f"Last milestone: {last.when:%Y-%m-%d %H:%M}, {last.phase}: {last.title}")
        out += [f"    {detail}" for detail in last.details[:4]]
    if last_step and entries[-1].is_step:
        last = entries[-1]
        out.append(f"Last step done: {last.when:%Y-%m-%d %H:%M}, {last.phase}: "
                   f"{last.title[len(STEP_PREFIX):]}")
    return out


def _describe_next(plan: Plan) -> list[str]:
    phase = plan.current
    step = phase.next_step()
    out = [f"Current phase: {phase.title} ({phase.folder}), "
           f"{phase.ticked} of {len(phase.steps)} steps done"]
    if step is None:
        if all(p.complete for p in plan.phases):
            out.append("Every step of the plan is ticked: well done. Add your own steps to "
                       "LearningPlan.md to keep going.")
        else:
            out.append("Every step of this phase is ticked; run `make next` to move on.")
        return out
    out.append(f"Next step: {step.text}")
    out.append(f"(The lesson: {phase.folder}/README.md.)")
    return out


def where_we_left_off() -> str:
    """A short recap of the last milestone, then the next step. Reads only; changes nothing."""
    plan = load_plan()
    entries = load_history()
    out = _recap(entries) + [""] + _describe_next(plan)
    if plan.current.next_step() is not None:
        out.append("Run `make next` to take it on, and again when it is done: that ticks it.")
    return "\n".join(out)


def ask_next(now: datetime | None = None) -> str:
    """`python -m shared.progress next`: the recap and the next step; asked again in the same
    session, the step shown last is ticked and logged first (see the rules at the top)."""
    now = now or datetime.now()
    folder = progress_dir()
    with _locked(folder):
        plan = load_plan(folder)
        history_path = folder / HISTORY_FILE
        history_text = _read(history_path) if history_path.exists() else ""
        parse_history(history_text, history_path)  # both files are readable before any write
        state = _read_session(folder)
        news: list[str] = []
        if _same_session(state, now.timestamp()):
            phase = plan.phase(str(state.get("phase", "")))  # type: ignore[union-attr]
            shown = str(state.get("step", ""))  # type: ignore[union-attr]
            step = next((s for s in phase.steps if s.text == shown and not s.done), None) if phase else None
            if phase is not None and step is not None:
                plan.tick(step)
                news.append(f"Ticked: {step.text} (logged in history.md)")
                entry = make_entry(phase.folder, STEP_PREFIX + step.text, [], now)
                history_text = _appended(history_text, entry)
        moved = plan.advance_if_complete()
        if moved is not None:
            news.append(f"Every step of the previous phase is ticked: {moved.title} "
                        f"({moved.folder}) is now current.")
        if news:
            atomic_write_text(plan.path, plan.text())
            atomic_write_text(history_path, history_text)
        step = plan.current.next_step()
        session = {"phase": plan.current.folder, "step": step.text if step else "",
                   "shown_at": now.timestamp()}
        atomic_write_text(folder / SESSION_FILE, json.dumps(session) + "\n")
    entries = parse_history(history_text, history_path)
    recap = _recap(entries, last_step=not news)
    out = news + ([""] if news else []) + recap + ([""] if recap else []) + _describe_next(plan)
    if step is not None:
        out.append("When it is done, run `make next` again: it ticks the step in LearningPlan.md "
                   "and logs it in history.md.")
    return "\n".join(out)


def status() -> str:
    """Steps ticked per phase, and which is current. Reads only."""
    plan = load_plan()
    width = max(len(p.folder) for p in plan.phases)
    out = []
    for phase in plan.phases:
        total = len(phase.steps)
        filled = round(10 * phase.ticked / total) if total else 10
        mark = "->" if phase is plan.current else "  "
        out.append(f"{mark} {phase.folder.ljust(width)}  [{'#' * filled}{'.' * (10 - filled)}] "
                   f"{phase.ticked:>2}/{total:<2} {phase.title}")
    done = sum(p.ticked for p in plan.phases)
    total = sum(len(p.steps) for p in plan.phases)
    out.append(f"{done} of {total} steps done; current phase: {plan.current.folder}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Where did we leave off? Progress per phase.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("next", help="recap and the next step; asking again marks that step done")
    sub.add_parser("status", help="steps ticked per phase")
    record = sub.add_parser("record", help="append a milestone to history.md")
    record.add_argument("phase")
    record.add_argument("title")
    record.add_argument("details", nargs="*")
    args = parser.parse_args(argv)
    try:
        if args.command == "next":
            print(ask_next())
        elif args.command == "status":
            print(status())
        else:
            record_milestone(args.phase, args.title, args.details)
            print(f"Recorded in {progress_dir() / HISTORY_FILE}.")
    except ProgressFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
