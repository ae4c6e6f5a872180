"""The benchmark's tasks: load them from their folders, prepare a workspace, grade it.

    tasks = load_tasks(track="function")              # or names=["calculator", "line_report"]
    workspace = prepare_workspace(tasks[0], Path("runs/ws"))   # a copy of the task's start/
    ...an agent works in `workspace`...
    result = grade(tasks[0], workspace)               # the hidden tests, in a copy, sandboxed
    result.passed, result.n_passed, result.n_failed, result.output_tail

A task is a folder tasks/<track>/<name>/ holding task.json, start/ (what the agent gets),
hidden/ (pytest files it never sees, copied in only for grading) and solution/ (a reference
solution, which the tests use to prove the hidden tests right). README.md says more.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from shared.errors import AgentlabError
from shared.sandbox import SandboxLimits, run_command

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
TRACKS = ("project", "function")
LEVELS = ("easy", "medium", "hard")
DEFAULT_TIMEOUT_S = 30.0
HIDDEN_FOLDER = ".hidden_tests"  # inside the grading copy: where hidden/ goes
JUNIT_FILE = "junit.xml"          # pytest's report, written inside HIDDEN_FOLDER
OUTPUT_TAIL_CHARS = 3000
KEEP_FILE = ".keep"               # marks an empty start/ folder; never copied
NOT_COPIED = shutil.ignore_patterns(KEEP_FILE, "__pycache__", ".pytest_cache")
# The grading run's own pytest settings: the workspace's pytest.ini or conftest.py, if the agent
# wrote one, must not change how the hidden tests run.
PYTEST_INI = "[pytest]\naddopts =\n"


class BenchTaskError(AgentlabError):
    """A task folder that cannot be used, or a task name or track that does not exist."""


@dataclass(frozen=True)
class BenchTask:
    """One benchmark task. entry: the files the agent must write or change (the first is the
    main one); timeout_s: seconds the hidden tests may run; folder: tasks/<track>/<name>."""

    name: str
    track: str
    level: str
    prompt: str
    timeout_s: float
    entry: list[str]
    folder: Path
    start_dir: Path
    hidden_dir: Path
    solution_dir: Path

    @property
    def main_entry(self) -> str:
        """The main file the agent must write (the first of `entry`)."""
        return self.entry[0]

    def hidden_files(self) -> list[Path]:
        """The hidden test files, relative to hidden/."""
        return sorted(p.relative_to(self.hidden_dir) for p in self.hidden_dir.rglob("test_*.py"))


@dataclass
class GradeResult:
    """What the hidden tests said. passed: at least one test ran and none failed or erred,
    within the time limit. seconds: wall-clock time of the pytest run."""

    passed: bool
    n_passed: int
    n_failed: int
    n_errors: int
    output_tail: str
    seconds: float
    timed_out: bool = False

    def counts(self) -> str:
        return f"{self.n_passed} passed, {self.n_failed} failed, {self.n_errors} errors"


# Loading --------------------------------------------------------------------------------------


def load_tasks(track: str | None = None, names: list[str] | None = None,
               tasks_dir: Path = TASKS_DIR) -> list[BenchTask]:
    """Every task of the benchmark (of one track, or the named ones, in the order named),
    sorted by track, then name. A malformed task folder raises BenchTaskError naming it."""
    if track is not None and track not in TRACKS:
        raise BenchTaskError(f"there is no track {track!r}: choose one of {', '.join(TRACKS)}")
    tasks: dict[str, BenchTask] = {}
    for folder in sorted(Path(tasks_dir).glob("*/*/")):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        task = read_task(folder)
        if task.name in tasks:
            raise BenchTaskError(f"two tasks are named {task.name!r} ({tasks[task.name].folder} "
                                 f"and {folder}): rename one of the folders")
        tasks[task.name] = task
    if names is not None:
        unknown = [n for n in names if n not in tasks]
        if unknown:
            raise BenchTaskError(f"no benchmark task is named {', '.join(map(repr, unknown))}: "
                                 f"see the folders under {tasks_dir}")
        chosen = [tasks[n] for n in dict.fromkeys(names)]
    else:
        chosen = sorted(tasks.values(), key=lambda t: (TRACKS.index(t.track), t.name))
    return [t for t in chosen if track is None or t.track == track]


def read_task(folder: Path) -> BenchTask:
    """The task in one folder, checked: task.json's fields and the three sub-folders."""
    folder = Path(folder)
    spec_file = folder / "task.json"

    def bad(problem: str) -> BenchTaskError:
        return BenchTaskError(f"the benchmark task in {folder} is malformed: {problem}")

    if not spec_file.is_file():
        raise bad("it has no task.json")
    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise bad(f"task.json is not valid JSON ({err}); fix it") from None
    if not isinstance(spec, dict):
        raise bad("task.json must hold one JSON object")
    missing = [k for k in ("name", "track", "level", "prompt", "entry") if k not in spec]
    if missing:
        raise bad(f"task.json lacks {', '.join(missing)}")
    for key in ("name", "track", "level", "prompt"):
        if not isinstance(spec[key], str) or not spec[key].strip():
            raise bad(f"task.json's {key!r} must be a non-empty string")
    if spec["name"] != folder.name:
        raise bad(f"task.json's name {spec['name']!r} differs from its folder's name")
    if spec["track"] not in TRACKS or spec["track"] != folder.parent.name:
        raise bad(f"its track {spec['track']!r} must be one of {', '.join(TRACKS)} and match "
                  f"the folder it sits in ({folder.parent.name})")
    if spec["level"] not in LEVELS:
        raise bad(f"its level {spec['level']!r} must be one of {', '.join(LEVELS)}")
    entry = spec["entry"]
    if not isinstance(entry, list) or not entry or not all(isinstance(e, str) and e for e in entry):
        raise bad("task.json's 'entry' must be a non-empty list of file names")
    timeout = spec.get("timeout_s", DEFAULT_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise bad("task.json's 'timeout_s' must be a positive number of seconds")
    for part in ("start", "hidden", "solution"):
        if not (folder / part).is_dir():
            raise bad(f"it has no {part}/ folder")
    task = BenchTask(spec["name"], spec["track"], spec["level"], spec["prompt"], float(timeout),
                     list(entry), folder, folder / "start", folder / "hidden", folder / "solution")
    if not task.hidden_files():
        raise bad("its hidden/ folder holds no test_*.py file")
    return task


# Preparing and grading ------------------------------------------------------------------------


def prepare_workspace(task: BenchTask, dest: Path) -> Path:
    """Copy the task's start/ files into `dest` (made if missing) and return it. The hidden
    tests and the solution stay out."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(task.start_dir, dest, dirs_exist_ok=True, ignore=NOT_COPIED)
    return dest


def apply_solution(task: BenchTask, workspace: Path) -> Path:
    """Overwrite the workspace with the task's reference solution (for tests and lessons)."""
    shutil.copytree(task.solution_dir, workspace, dirs_exist_ok=True, ignore=NOT_COPIED)
    return Path(workspace)


def grade(task: BenchTask, workspace: Path, timeout_s: float | None = None) -> GradeResult:
    """Run the task's hidden tests against a fresh copy of `workspace`, in the sandbox.

    Only the hidden files run (the agent's own test files do not count); the workspace itself is
    left as it was. timeout_s: the limit for the pytest run (the task's own by default)."""
    limit = float(timeout_s if timeout_s is not None else task.timeout_s)
    holder = Path(tempfile.mkdtemp(prefix="agentlab-bench-grade-"))
    try:
        copy = holder / "workspace"
        shutil.copytree(workspace, copy, symlinks=True, ignore=NOT_COPIED)
        hidden = copy / HIDDEN_FOLDER
        shutil.rmtree(hidden, ignore_errors=True)  # one the agent made is not ours
        shutil.copytree(task.hidden_dir, hidden, ignore=NOT_COPIED)
        (hidden / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        junit = hidden / JUNIT_FILE
        junit.unlink(missing_ok=True)
        command = [sys.executable, "-m", "pytest", "-q", "--tb=short", "-p", "no:cacheprovider",
                   "--color=no", "-c", f"{HIDDEN_FOLDER}/pytest.ini", "--rootdir", HIDDEN_FOLDER,
                   f"--junitxml={HIDDEN_FOLDER}/{JUNIT_FILE}",
                   *(f"{HIDDEN_FOLDER}/{p.as_posix()}" for p in task.hidden_files())]
        limits = SandboxLimits(cpu_s=max(10, int(limit)))
        started = time.perf_counter()
        run = run_command(command, workspace=copy, timeout_s=limit, limits=limits)
        seconds = time.perf_counter() - started
        n_passed, n_failed, n_errors = junit_counts(junit)
        output = (run.stdout + ("\n" + run.stderr if run.stderr.strip() else "")).strip()
    finally:
        shutil.rmtree(holder, ignore_errors=True)
    passed = (run.returncode == 0 and not run.timed_out and n_passed > 0
              and n_failed == 0 and n_errors == 0)
    return GradeResult(passed, n_passed, n_failed, n_errors, output[-OUTPUT_TAIL_CHARS:],
                       round(seconds, 3), run.timed_out)


def junit_counts(junit: Path) -> tuple[int, int, int]:
    """(passed, failed, errors) from pytest's junit xml; (0, 0, 1) when there is none (pytest
    never got as far as writing it: a timeout, a crash)."""
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return 0, 0, 1
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = errors = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - errors - skipped, failed, errors
