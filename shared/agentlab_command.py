"""The `agentlab` command: the agent you built, on your own code, without make.

    agentlab run "add a --verbose flag to cli.py and test it" --workspace ~/code/tool
    agentlab run "create calculator.py ... all tests pass" --workspace /tmp/calc --yes --json
    agentlab bench --generations=plain,phase5 --track=function --limit=5
    agentlab ask "How far ahead must I book?" --docs ~/notes     # answers with file:line citations
    agentlab doctor          # is this machine ready? (--quick: ~1 s; --check: phase 0's check)
    agentlab next            # where did we leave off?  (next done / next skip / next FOLDER)
    agentlab status          # progress per phase

`run` drives the phase 5 planning agent (shared.planning). Without --yes it works in a scratch
copy of the workspace, asks before each risky shell command, and at the end shows the diff of
every changed file and asks before copying it back. With --yes it works in the workspace itself
without questions: its tools cannot leave the workspace, and risky shell commands are refused.
Exit code 0 when it finished with its work verified, 1 when it did not, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.agent import ask_in_terminal, deny_risky
from shared.cli import UsageError
from shared.errors import AgentlabError
from shared.llm import ChatBackend, get_llm
from shared.planning import PlanningAgent
from shared.trajectory import runs_root

EXIT_VERIFIED, EXIT_NOT_VERIFIED, EXIT_USAGE = 0, 1, 2
SKIP = {".git", ".venv", "__pycache__", ".pytest_cache", ".agentlab", "node_modules"}
MAX_DIFF_LINES = 200


def changed_files(before: Path, after: Path) -> list[str]:
    """Paths (relative, sorted) that differ between two folder trees: new, changed or removed."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*")
                if p.is_file() and not SKIP & set(p.relative_to(root).parts)}
    old, new = files(before), files(after)
    changed = {f for f in old & new if not filecmp.cmp(before / f, after / f, shallow=False)}
    return sorted(changed | (old ^ new))


def file_diff(before: Path, after: Path, name: str) -> str:
    """A unified diff of one file between two trees (a note for a binary file)."""
    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else []
    try:
        diff = list(difflib.unified_diff(lines(before / name), lines(after / name),
                                         f"a/{name}", f"b/{name}"))
    except UnicodeDecodeError:
        return f"(binary file {name} changed)\n"
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} more lines)\n"]
    return "".join(diff)


def apply_changes(scratch: Path, workspace: Path, names: list[str],
                  ask: Callable[[str], str] = input) -> list[str]:
    """Show each change of the scratch copy and copy it into the workspace if the person says
    yes. Returns the files applied."""
    applied = []
    for name in names:
        print(file_diff(workspace, scratch, name) or f"(no text change in {name})")
        try:
            answer = ask(f"Apply this change to {workspace / name}? [y/N] ")
        except EOFError:  # no terminal: the safe answer is no
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            continue
        source, target = scratch / name, workspace / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.is_file():
            target.unlink()
        applied.append(name)
    return applied


def run_goal(goal: str, workspace: Path, llm: ChatBackend, *, yes: bool, max_steps: int,
             seed: int, quiet: bool, ask: Callable[[str], str] = input,
             temperature: float = 0.0, trajectory: Path | None = None) -> dict[str, Any]:
    """Run the planning agent on `goal`; returns the one-object summary that --json prints.
    (temperature and trajectory: for the benchmark, which runs the command's own path as its
    "agentlab" generation.)"""
    workspace = workspace.resolve()
    trajectory = trajectory or (runs_root() / "agentlab"
                                / f"{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agentlab-scratch-") as tmp:
        if yes:
            where, approve = workspace, deny_risky
            before = Path(tmp) / "before"
            shutil.copytree(workspace, before, ignore=shutil.ignore_patterns(*SKIP))
        else:
            where = Path(tmp) / "scratch"
            shutil.copytree(workspace, where, ignore=shutil.ignore_patterns(*SKIP))
            before = workspace
            def approve(tool: str, arguments: dict[str, Any], reason: str) -> bool:
                return ask_in_terminal(tool, arguments, reason, ask=ask)
        agent = PlanningAgent(llm, where, approve=approve, seed=seed, max_steps=max_steps,
                              temperature=temperature, verbose=not quiet)
        result = agent.run(goal, trajectory)
        changed = changed_files(before, where)
        if not yes and changed:
            print(f"\nThe agent changed {len(changed)} file(s) in its scratch copy:")
            changed = apply_changes(where, workspace, changed, ask=ask)
    return {"success": bool(result.finished and result.verified), "steps": result.steps,
            "stop_reason": result.stop_reason, "valid_actions": result.valid_actions,
            "tokens": {"prompt": result.prompt_tokens, "completion": result.completion_tokens},
            "seconds": round(time.perf_counter() - start, 1), "files_changed": changed,
            "trajectory": str(result.trajectory or trajectory)}


def cmd_run(args: argparse.Namespace) -> int:
    workspace = Path(args.workspace).expanduser()
    if not workspace.is_dir():
        print(f"error: the workspace {workspace} is not a folder: create it or name another "
              "with --workspace", file=sys.stderr)
        return EXIT_USAGE
    summary = run_goal(args.goal, workspace, get_llm(), yes=args.yes, max_steps=args.max_steps,
                       seed=args.seed, quiet=args.json)
    if args.json:
        print(json.dumps(summary))
    else:
        verdict = "finished, verified by its tests" if summary["success"] else (
            f"not verified (stop: {summary['stop_reason']})")
        print(f"\n{verdict}; {summary['steps']} steps, {summary['seconds']} s, files changed: "
              f"{', '.join(summary['files_changed']) or 'none'}; trajectory "
              f"{summary['trajectory']}")
    return EXIT_VERIFIED if summary["success"] else EXIT_NOT_VERIFIED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="agentlab", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="plan, act, test and report on a goal in a folder")
    run.add_argument("goal")
    run.add_argument("--workspace", default=".", help="the folder to work in (default: here)")
    run.add_argument("--yes", action="store_true",
                     help="no questions: work in the workspace, refuse risky shell commands")
    run.add_argument("--json", action="store_true", help="end with a one-object JSON summary")
    run.add_argument("--max-steps", type=int, default=30)
    run.add_argument("--seed", type=int, default=0)
    sub.add_parser("bench", help="the benchmark (options as in shared.bench.command)",
                   add_help=False)
    nxt = sub.add_parser("next", help="where did we leave off? (done / skip / FOLDER)")
    nxt.add_argument("word", nargs="?", default="")
    sub.add_parser("status", help="progress per phase")
    doctor = sub.add_parser("doctor", help="is this machine ready for the course? "
                            "(--quick, --check as in make -C phase0_setup quick|check)")
    doctor.add_argument("--quick", action="store_true",
                        help="skip the chat round trip, the full checksum and the GPU check")
    doctor.add_argument("--check", action="store_true",
                        help="phase 0's definition of done: record it in history.md on success")
    ask = sub.add_parser("ask", help="answer from a folder of markdown/text files, with citations")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--docs", required=True, help="the folder of .md, .txt and .rst files")
    ask.add_argument("--k", type=int, default=None, help="how many chunks the answer may use")
    ask.add_argument("--threshold", type=float, default=None,
                     help="the cosine below which the answer is 'not found in the documents'")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    for command in (run, ask):
        command.add_argument("--backend", help="embedded, ollama or openai (default: the configured one)")
        command.add_argument("--model", help="the model name for that backend")
    return p


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer from the documents (shared.retrieval.documents); 0 answered, 1 not found."""
    from shared.retrieval import answer as answer_module
    from shared.retrieval.documents import ask_docs

    k = args.k if args.k is not None else answer_module.SOURCES
    threshold = args.threshold if args.threshold is not None else answer_module.THRESHOLD
    answer = ask_docs(" ".join(args.question), Path(args.docs), get_llm(verbose=not args.json),
                      k=k, threshold=threshold, progress=not args.json)
    print(json.dumps(answer.as_dict(), indent=2) if args.json else answer.render())
    return 0 if answer.found else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its options are the benchmark's own (--generations=...)
        from shared.bench.command import main as bench_main
        from shared.cli import run_main
        return run_main(lambda: bench_main(argv[1:]))
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse: 2 for bad usage, 0 for --help
        return int(exit_.code or 0)
    if args.command == "doctor":  # the same module `make -C phase0_setup run|quick|check` runs
        from shared import doctor
        from shared.cli import run_main
        return run_main(lambda: doctor.main(["--quick"] * args.quick + ["--check"] * args.check,
                                            prog="agentlab doctor"))
    if args.command in ("next", "status"):
        from shared import progress
        return progress.main([args.command] + ([args.word] if args.command == "next"
                                               and args.word else []))
    if args.backend:
        os.environ["AGENTLAB_BACKEND"] = args.backend
    if args.model:  # the embedded model and a server's model are two settings
        if args.backend in (None, "auto", "embedded"):
            os.environ["AGENTLAB_EMBEDDED_MODEL"] = args.model
        if args.backend != "embedded":
            os.environ["AGENTLAB_MODEL"] = args.model
    try:
        return cmd_ask(args) if args.command == "ask" else cmd_run(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except AgentlabError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_NOT_VERIFIED


if __name__ == "__main__":
    sys.exit(main())
