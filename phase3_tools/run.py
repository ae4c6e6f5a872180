"""The milestone: the agent works on a task step by step with the configured model.

    .venv/bin/python -m phase3_tools.run              # fix_broken, default format, approve=ask
    .venv/bin/python -m phase3_tools.run --task=line_report --format=constrained
    .venv/bin/python -m phase3_tools.run --task="Write fizzbuzz.py and run it" --workspace=~/fb

--task is one of the built-in tasks (fix_broken, line_report, function_and_tests: each starts
from a fresh copy of its files and is checked afterwards) or a task of your own in plain words
(--prompt="..." says the same). A task of your own runs in --workspace (by default a new folder
under runs/phase3/); the agent reads, writes and runs files in that folder only. Nothing checks
a task of your own: the run ends with the agent's answer, the files that changed and the
trajectory, for you to judge.

Hyperparameters are plain values at the top of phase3_tools/run.py; each one can be overridden
as --name=value (listed below).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import sys
from datetime import datetime
from pathlib import Path

from phase3_tools.tasks import TASKS, build_registry, run_task
from shared.agent.action_formats import FORMATS
from shared.agent.guardrails import APPROVERS
from shared.agent.loop import DEFAULT_FORMAT, AgentResult, run_agent
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import get_llm
from shared.trajectory import runs_root, slugify

task = "fix_broken"          # one of TASKS, or a task of your own in plain words
prompt = ""                  # a task of your own (the same as --task="...")
workspace = ""               # the folder the agent works in ("" = a folder under runs/phase3/)
format = DEFAULT_FORMAT      # json | tags | native | constrained  # noqa: A001
approve = "ask"              # ask (human in the loop) | approve-all | deny-risky
max_steps = 10
max_tokens = 700
temperature = 0.0
seed = 0

# Folders a project keeps that say nothing about the agent's work (and can be huge).
NOT_LISTED = {".git", ".venv", "venv", "__pycache__", "node_modules", ".pytest_cache",
              ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"}
HASHED_BYTES = 1_000_000  # files up to this size are compared by content, larger ones by stat


def own_task(options: dict) -> str | None:
    """The text of a task of the learner's own, or None for a built-in task. Raises UsageError."""
    text, name = options["prompt"].strip(), options["task"].strip()
    if text:
        if name != task:
            raise UsageError("give the task once: --task=... or --prompt=..., not both.")
        return text
    if name in TASKS:
        return None
    if not name:
        raise UsageError('--task is empty: name a built-in task or write one, like '
                         '--task="Write fizzbuzz.py and run it".')
    if " " not in name:  # one word: most likely a misspelt built-in task
        close = difflib.get_close_matches(name, list(TASKS), n=1)
        hint = (f"did you mean {close[0]}?" if close
                else f"the built-in tasks are {', '.join(TASKS)}.")
        raise UsageError(f"unknown task {name!r}: {hint} A task of your own is a sentence, like "
                         '--task="Write fizzbuzz.py and run it".')
    return name


def check_choices(options: dict) -> None:
    """--format and --approve name things that exist. Raises UsageError."""
    for option, known in (("format", FORMATS), ("approve", APPROVERS)):
        if options[option] not in known:
            raise UsageError(f"--{option}={options[option]} is not one of {', '.join(known)}.")


def builtin_workspace(name: str, given: str) -> Path:
    """Where a built-in task runs. The task rebuilds that folder from its fixture, so a folder
    of the learner's that holds files is refused rather than emptied. Raises UsageError."""
    if not given:
        return runs_root() / "phase3" / f"workspace-{name}"
    folder = Path(given).expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder, and the built-in task {name} starts "
                         "from a fresh copy of its own files (which would delete what is there): "
                         "give a new or empty folder, or leave out --workspace.")
    return folder


def own_workspace(text: str, given: str) -> Path:
    """The folder a task of the learner's own runs in, created if missing. Raises UsageError."""
    if not given:
        stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
        folder = runs_root() / "phase3" / f"own-{stamp}-{slugify(text, 30)}"
    else:
        folder = Path(given).expanduser().resolve()
    if folder in (Path(folder.anchor), Path.home().resolve()):
        raise UsageError(f"--workspace={given} is the whole disk or your home folder: give the "
                         "agent a project folder of its own, like --workspace=~/my-project.")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--workspace={given} is a file: give a folder (created if missing).")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snapshot(root: Path) -> dict[str, tuple]:
    """relative path -> (size, mtime in ns, SHA-256 of small files) for every file under
    `root`, leaving out folders like .git and .venv."""
    files: dict[str, tuple] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_LISTED]
        for name in names:
            path = Path(folder) / name
            try:
                info = path.stat()
                digest = (hashlib.sha256(path.read_bytes()).hexdigest()
                          if info.st_size <= HASHED_BYTES else "")
            except OSError:
                continue  # vanished or unreadable: nothing to compare
            key = path.relative_to(root).as_posix()
            files[key] = (info.st_size, info.st_mtime_ns, digest)
    return files


def changed_files(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """'notes.txt (new)', 'app.py (changed)', 'old.txt (deleted)', sorted by path."""
    changes = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            changes.append(f"{path} (new)")
        elif path not in after:
            changes.append(f"{path} (deleted)")
        elif before[path] != after[path]:
            changes.append(f"{path} (changed)")
    return changes


def figures(r: AgentResult) -> str:
    return (f"stop: {r.stop_reason}; {r.steps} steps, {r.valid_actions} valid actions, "
            f"{r.prompt_tokens}+{r.completion_tokens} tokens, {r.seconds:.1f} s")


def run_builtin(name: str, options: dict) -> int:
    """A built-in task in a fresh copy of its files, checked afterwards."""
    folder = builtin_workspace(name, options["workspace"])
    llm = get_llm()
    print(f"Task: {TASKS[name].prompt}\nWorkspace: {folder}\n")
    run = run_task(name, llm, folder, options["format"], approve=APPROVERS[options["approve"]],
                   max_steps=options["max_steps"], max_tokens=options["max_tokens"],
                   temperature=options["temperature"], seed=options["seed"], verbose=True)
    print(f"\n{'PASSED' if run.passed else 'FAILED'}: {run.detail}")
    print(figures(run.result))
    print(f"Trajectory: {run.result.trajectory}")
    return 0 if run.passed else 1


def run_own(text: str, options: dict) -> int:
    """A task of the learner's own in their folder. Nothing checks it: report what happened."""
    folder = own_workspace(text, options["workspace"])
    llm = get_llm()
    print(f"Task: {text}\nWorkspace: {folder}\n")
    before = snapshot(folder)
    r = run_agent(text, llm, build_registry(folder, APPROVERS[options["approve"]]),
                  options["format"], max_steps=options["max_steps"],
                  max_tokens=options["max_tokens"], temperature=options["temperature"],
                  seed=options["seed"], verbose=True)
    changes = changed_files(before, snapshot(folder))
    ended = "the agent gave its answer" if r.finished else f"the agent stopped ({r.stop_reason})"
    print(f"\nDONE, NOT CHECKED: {ended}; a task of your own has no checker, so read the "
          "answer and the files to judge the work.")
    print(f"Answer: {r.answer.strip() or '(none)'}")
    print(f"Files changed in {folder}: {', '.join(changes) if changes else 'none'}")
    print(figures(r))
    print(f"Trajectory: {r.trajectory}")
    return 0 if r.finished else 1


def main(argv: list[str] | None = None) -> int:
    options = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "task": task, "prompt": prompt, "workspace": workspace, "format": format,
        "approve": approve, "max_steps": max_steps, "max_tokens": max_tokens,
        "temperature": temperature, "seed": seed}, doc=__doc__)
    check_choices(options)
    text = own_task(options)
    if text is None:
        return run_builtin(options["task"].strip(), options)
    return run_own(text, options)


if __name__ == "__main__":
    sys.exit(run_main(main))
