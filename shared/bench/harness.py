"""The benchmark harness: every generation x task x seed, each run in its own worker process.

    config = BenchConfig(generations=["plain", "phase3"], tasks=["fizzbuzz", "word_count"], seeds=2)
    records = run_bench(runs_root() / "bench" / "phase5" / "my-run", config)
    records = replay(run_dir)          # re-grade the kept workspaces: no model needed

What one run of one item ((model, generation, task, seed)) does, in a child process:
1. copy the task's starting files into <run>/items/<model>/<generation>/<task>/seed<k>/workspace;
2. build the backend (each worker its own: one model object per process) and run the generation,
   its trajectory going to trajectory.jsonl beside the workspace;
3. grade a copy of the workspace with the task's hidden tests and write record.json.
The parent starts at most `workers` children at once, kills one that passes its task's time limit
(its whole process group: the sandboxed programs too) and records "timeout", gives each record
its failure class (taxonomy.py) and appends it to results.jsonl, one JSON line at a time. A run
that is interrupted is resumed by calling run_bench on the same folder: items whose record says
"done" or "timeout" are not run again.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from tqdm import tqdm

from shared.atomic_write import atomic_write_text
from shared.bench.generations import MAX_STEPS, check_generations, get_generation
from shared.bench.run_info import git_commit, model_meta
from shared.bench.taxonomy import coordination, failure_class
from shared.errors import AgentlabError
from shared.llm import ChatBackend
from shared.trajectory import read_trajectory, slugify

RESULTS = "results.jsonl"
REPLAYED = "replay.jsonl"
RUN_INFO = "run.json"
TIME_LIMIT_S = 900.0        # seconds one generation may work on one task (grading comes on top)
SETUP_ALLOWANCE_S = 60.0    # added to every item's limit for building the backend
DESCRIBE_LIMIT_S = 300.0    # loading a model to read its quantisation (first use assembles it)
OUTPUT_CHARS = 1500         # of the grading output kept in a record
FINAL = {"done", "timeout"}  # statuses that resume does not run again ("error" runs again)

LlmFactory = Callable[[str, int], ChatBackend]  # (model spec, threads) -> a backend


@dataclass
class TaskSuite:
    """Where tasks come from and how they are prepared and graded (task_set.py by default; tests
    hand in small stand-ins)."""

    load: Callable[..., list[Any]]
    prepare: Callable[[Any, Path], Path]
    grade: Callable[..., Any]

    def by_name(self, names: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(names))
        return {t.name: t for t in self.load(names=wanted)}


def default_suite() -> TaskSuite:
    """The benchmark's own tasks (phase5_planning/benchmark/task_set.py)."""
    from shared.bench import task_set

    return TaskSuite(task_set.load_tasks, task_set.prepare_workspace, task_set.grade)


def default_llm(model: str, threads: int) -> ChatBackend:
    """The configured backend (shared.llm), with `model` in place of its default when given."""
    from shared.config import load_settings
    from shared.llm import get_llm

    overrides: dict[str, Any] = {"model": model} if model else {}
    if threads:
        overrides["n_threads"] = threads
    return get_llm(load_settings(**overrides), verbose=False)


@dataclass
class BenchConfig:
    """What to run. models: model names for the configured backend ("" = its default model).
    temperature: for every generation (several seeds only differ when sampling is on).
    time_limit_s: seconds one generation may work on one task before it is killed ("timeout");
        the hidden tests' own limit (task.timeout_s) comes on top for grading."""

    generations: list[str]
    tasks: list[str]
    seeds: int = 1
    models: list[str] = field(default_factory=lambda: [""])
    temperature: float = 0.3
    max_steps: int = MAX_STEPS
    workers: int = 1
    time_limit_s: float = TIME_LIMIT_S

    def items(self) -> list[Item]:
        """Every run, seed 0 of everything first (the first-try figures come in early)."""
        return [Item(m, g, t, s) for s in range(self.seeds) for m in self.models
                for g in self.generations for t in self.tasks]


@dataclass(frozen=True)
class Item:
    """One run: a model, a generation, a task and a seed."""

    model: str
    generation: str
    task: str
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.model, self.generation, self.task, self.seed)

    @property
    def folder(self) -> Path:
        """Where its workspace, trajectory and record go, relative to the run folder."""
        model = slugify(self.model, 60) if self.model else "default"
        return Path("items") / model / self.generation / self.task / f"seed{self.seed}"


def record_key(record: dict[str, Any]) -> tuple[str, str, str, int]:
    return (record["model_spec"], record["generation"], record["task"], int(record["seed"]))


# -- the results file ---------------------------------------------------------------------------
def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one JSON line, flushed to disk before returning (only the parent
    writes, so a line is either whole or, after a crash, a torn last line that readers skip)."""
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        if handle.tell() and not ends_with_newline(path):
            handle.write("\n")  # a torn last line from a crash: start a fresh one
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a results file, the latest per item (a run that was redone replaces the
    earlier one); torn or foreign lines are skipped."""
    latest: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    if not path.is_file():
        return []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            latest[record_key(record)] = record
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
    return list(latest.values())


# -- one item, in the child process -------------------------------------------------------------
def sha256_of(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def entry_hashes(task: Any, workspace: Path) -> dict[str, str | None]:
    """The SHA-256 of each entry file of the task in `workspace` (None: missing)."""
    return {name: sha256_of(workspace / name) for name in task.entry}


def delivered(task: Any, workspace: Path, at_start: dict[str, str | None]) -> bool:
    """Some entry file exists and is not as it was at the start: the run delivered something."""
    now = entry_hashes(task, workspace)
    return any(sha is not None and sha != at_start.get(name) for name, sha in now.items())


def grade_copy(suite: TaskSuite, task: Any, workspace: Path) -> dict[str, Any]:
    """Grade a copy of the workspace (the hidden tests never enter the kept one)."""
    with tempfile.TemporaryDirectory(prefix="agentlab-grade-") as tmp:
        copy = Path(tmp) / "workspace"
        shutil.copytree(workspace, copy, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        grade = suite.grade(task, copy)
    output = next((getattr(grade, a) for a in ("output_tail", "output", "tail")
                   if isinstance(getattr(grade, a, None), str)), "")
    return {"passed": bool(grade.passed), "n_passed": int(getattr(grade, "n_passed", 0)),
            "n_failed": int(getattr(grade, "n_failed", 0)),
            "n_errors": int(getattr(grade, "n_errors", 0)),
            "grade_seconds": round(float(getattr(grade, "seconds", 0.0)), 2),
            "grade_output": output[-OUTPUT_CHARS:]}


def base_record(item: Item, task: Any) -> dict[str, Any]:
    return {"model_spec": item.model, "generation": item.generation, "task": item.task,
            "seed": item.seed, "track": getattr(task, "track", ""),
            "level": getattr(task, "level", ""), "folder": str(item.folder)}


def run_item(item: Item, task: Any, run_dir: Path, config: BenchConfig, suite: TaskSuite,
             make_llm: LlmFactory, threads: int) -> dict[str, Any]:
    """Run one item and grade it; returns its record (without the parent's additions)."""
    folder = run_dir / item.folder
    shutil.rmtree(folder, ignore_errors=True)  # a run cut off earlier starts again from scratch
    folder.mkdir(parents=True)
    workspace = Path(suite.prepare(task, folder / "workspace"))
    at_start = entry_hashes(task, workspace)
    record = {**base_record(item, task), "entry": task.entry, "entry_at_start": at_start,
              "workspace": str(item.folder / "workspace"),
              "trajectory": str(item.folder / "trajectory.jsonl")}
    llm = make_llm(item.model, threads)
    started = time.perf_counter()
    outcome = get_generation(item.generation)(llm, task, workspace, item.seed,
                                           folder / "trajectory.jsonl",
                                           temperature=config.temperature,
                                           max_steps=config.max_steps)
    record.update(outcome.as_dict(), wall_seconds=round(time.perf_counter() - started, 3),
                  delivered=delivered(task, workspace, at_start),
                  first_action_s=trajectory_figures(folder / "trajectory.jsonl")[
                      "first_action_s"])
    record.update(grade_copy(suite, task, workspace), status="done")
    if outcome.stop_reason.startswith(("llm_error", "llm error")):
        record.update(status="error", error="the model did not answer (see the trajectory's "
                                            "llm_error event)")
    return record


def child(target: Callable[[], dict[str, Any]], out: Path) -> None:
    """The body of a worker process: its own process group (so a timeout kills everything it
    started), the job, and its record (or its error) written to `out`."""
    os.setpgrp()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: a kill is a kill
    try:
        result = target()
    except BaseException as err:  # noqa: BLE001 - whatever went wrong, the parent must hear it
        message = str(err) if isinstance(err, AgentlabError) else f"{type(err).__name__}: {err}"
        result = {"status": "error", "error": message.splitlines()[0] if message else "error",
                  "traceback": traceback.format_exc()[-4000:]}
    atomic_write_text(out, json.dumps(result, default=str))


@dataclass
class Running:
    item: Any
    process: Any
    out: Path
    deadline: float
    started: float


def process_context() -> Any:
    """fork where the platform has it: a child inherits the factory and the tasks as they are."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def start_job(target: Callable[[], dict[str, Any]], out: Path, item: Any,
              limit_s: float) -> Running:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    process = process_context().Process(target=child, args=(target, out), daemon=False)
    process.start()
    now = time.monotonic()
    return Running(item, process, out, now + limit_s, now)


def stop(job: Running) -> None:
    """Kill the job's whole process group (the generation and the programs it ran)."""
    try:
        os.killpg(job.process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        job.process.kill()
    job.process.join(5)


def run_jobs(jobs: list[tuple[Any, Callable[[], dict[str, Any]], Path, float]], workers: int,
             on_result: Callable[[Any, dict[str, Any]], None]) -> None:
    """Run (item, target, out, limit_s) jobs, at most `workers` at a time. on_result(item, result)
    gets each job's result: its record, an error, or {"status": "timeout"}."""
    pending, running = list(jobs), []
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop_on_sigterm)  # a kill of the parent ends its workers too
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                item, target, out, limit_s = pending.pop(0)
                running.append(start_job(target, out, item, limit_s))
            soonest = min(job.deadline for job in running)
            wait([job.process.sentinel for job in running],
                 timeout=max(0.0, soonest - time.monotonic()))
            for job in list(running):
                if not job.process.is_alive():
                    job.process.join()
                    running.remove(job)
                    on_result(job.item, read_result(job))
                elif time.monotonic() >= job.deadline:
                    stop(job)
                    running.remove(job)
                    on_result(job.item, {"status": "timeout",
                                         "wall_seconds": round(time.monotonic() - job.started, 2)})
    finally:
        for job in running:  # interrupted: no orphan keeps running (or holding the model)
            stop(job)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}: finished runs are kept, --resume goes on")


def read_result(job: Running) -> dict[str, Any]:
    try:
        return json.loads(job.out.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"status": "error", "error": f"the worker process died (exit code "
                                            f"{job.process.exitcode}) before it wrote a result"}


# -- the parent: a whole run -------------------------------------------------------------------
def first_action_seconds(events: list[dict[str, Any]]) -> float | None:
    """Seconds from the start of the run (the trajectory's first line) to its first executed
    action: an agent's first valid tool call other than final_answer, or, for plain and phase 2,
    its first program (the code it writes or runs). None when it never acted."""
    for event in events:
        kind = event.get("kind")
        if (kind == "action" and event.get("valid") and event.get("name") != "final_answer") or (
                kind == "code" and event.get("code") is not None):
            return round(float(event.get("t", 0.0)), 3)
    return None


def trajectory_figures(path: Path) -> dict[str, Any]:
    """Steps, tokens and the time to the first action read from a trajectory (steps and tokens:
    for a run killed before it could report them)."""
    events = read_trajectory(path) if path.is_file() else []
    replies = [e for e in events if e.get("kind") in ("llm_reply", "reply")]
    return {"steps": len(replies), "replies": len(replies),
            "prompt_tokens": sum(int(e.get("prompt_tokens") or 0) for e in replies),
            "completion_tokens": sum(int(e.get("completion_tokens") or 0) for e in replies),
            "first_action_s": first_action_seconds(events)}


def score(record: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """Give the record its failure class, read from its trajectory, and (a multi-agent run,
    whose message log lies beside it) its coordination failures."""
    path = run_dir / record.get("trajectory", "")
    events = read_trajectory(path) if record.get("trajectory") and path.is_file() else []
    record["failure"] = failure_class(record, events)
    found = coordination(record, path) if record.get("trajectory") else None
    if found is not None:
        record["coordination"] = found
    return record


def complete(item: Item, task: Any, result: dict[str, Any], run_dir: Path,
             info: dict[str, Any], config: BenchConfig) -> dict[str, Any]:
    """A child's result as a full record: item, model figures, run figures, failure class."""
    record = {**base_record(item, task), "status": "error", "passed": False, "finished": False,
              "steps": 0, "replies": 0, "well_formed": 0, "prompt_tokens": 0,
              "completion_tokens": 0, "seconds": 0.0, "first_action_s": None,
              "stop_reason": "", "delivered": False,
              "n_passed": 0, "n_failed": 0, "n_errors": 0,
              "trajectory": str(item.folder / "trajectory.jsonl"),
              "workspace": str(item.folder / "workspace"), "temperature": config.temperature}
    record.update(result)
    if record["status"] == "timeout":
        record.update(trajectory_figures(run_dir / record["trajectory"]), stop_reason="timeout")
    record["tokens"] = int(record["prompt_tokens"]) + int(record["completion_tokens"])
    meta = info["models"].get(item.model, {})
    record.update(model=meta.get("model") or item.model or "default",
                  backend=meta.get("backend", ""), quantisation=meta.get("quantisation", ""),
                  n_ctx=meta.get("n_ctx"), commit=info["commit"],
                  finished_at=datetime.now().isoformat(timespec="seconds"))
    return score(record, run_dir)


def describe_models(models: list[str], make_llm: LlmFactory, run_dir: Path) -> dict[str, Any]:
    """Each model's figures (name, quantisation, context size), read in a child process so that
    the parent never loads a model (its forked workers would share it)."""
    described: dict[str, Any] = {}

    def keep(model: str, result: dict[str, Any]) -> None:
        if result.get("status") in ("error", "timeout"):
            raise AgentlabError(f"could not start the model {model or '(default)'}: "
                                f"{result.get('error', 'it took too long to load')}")
        described[model] = result

    jobs = [(m, lambda m=m: model_meta(make_llm(m, 0)), run_dir / "models" / f"{i}.json",
             DESCRIBE_LIMIT_S) for i, m in enumerate(models)]
    run_jobs(jobs, 1, keep)
    return described


def load_info(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / RUN_INFO).read_text(encoding="utf-8"))


def start_run(run_dir: Path, config: BenchConfig, make_llm: LlmFactory) -> dict[str, Any]:
    """The run's run.json: written once when the run starts, read again when it is resumed."""
    if (run_dir / RUN_INFO).is_file():
        return load_info(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    info = {"config": asdict(config), "created_at": datetime.now().isoformat(timespec="seconds"),
            "commit": git_commit(), "command": " ".join(sys.argv),
            "models": describe_models(config.models, make_llm, run_dir)}
    atomic_write_text(run_dir / RUN_INFO, json.dumps(info, indent=2) + "\n")
    return info


def config_of(run_dir: Path) -> BenchConfig:
    """The configuration a run was started with (to resume it as it was)."""
    return BenchConfig(**load_info(run_dir)["config"])


def run_bench(run_dir: Path, config: BenchConfig, *, suite: TaskSuite | None = None,
              make_llm: LlmFactory = default_llm, progress: bool = True) -> list[dict[str, Any]]:
    """Run every item of `config` not yet finished in `run_dir`; returns all its records."""
    check_generations(config.generations)
    suite = suite or default_suite()
    tasks = suite.by_name(config.tasks)
    missing = [name for name in config.tasks if name not in tasks]
    if missing:
        raise AgentlabError(f"no benchmark task named {', '.join(missing)}: see "
                            "phase5_planning/benchmark/tasks for the names")
    run_dir = Path(run_dir)
    info = start_run(run_dir, config, make_llm)
    results = run_dir / RESULTS
    finished = {record_key(r) for r in read_records(results) if r.get("status") in FINAL}
    todo = [item for item in config.items() if item.key not in finished]
    threads = max(1, (os.cpu_count() or 1) // config.workers) if config.workers > 1 else 0
    jobs = []
    for item in todo:
        task = tasks[item.task]
        limit = config.time_limit_s + float(task.timeout_s) + SETUP_ALLOWANCE_S

        def target(item: Item = item, task: Any = task) -> dict[str, Any]:
            return run_item(item, task, run_dir, config, suite, make_llm, threads)

        jobs.append((item, target, run_dir / item.folder.parent / f"{item.folder.name}.json",
                     limit))
    bar = tqdm(total=len(config.items()), initial=len(config.items()) - len(todo),
               desc="benchmark", unit="run", disable=not progress)

    def on_result(item: Item, result: dict[str, Any]) -> None:
        record = complete(item, tasks[item.task], result, run_dir, info, config)
        append_record(results, record)
        bar.update(1)
        verdict = "pass" if record["passed"] else (record["failure"] or record["status"])
        bar.set_postfix_str(f"{item.generation}/{item.task}#{item.seed}: {verdict}")

    try:
        run_jobs(jobs, config.workers, on_result)
    finally:
        bar.close()
    return read_records(results)


def replay(run_dir: Path, *, suite: TaskSuite | None = None,
           progress: bool = True) -> list[dict[str, Any]]:
    """Re-grade every kept workspace of a run and re-classify its failures, with no model; the
    new records go to replay.jsonl (the original results stay as they were)."""
    run_dir = Path(run_dir)
    records = read_records(run_dir / RESULTS)
    if not records:
        raise AgentlabError(f"{run_dir / RESULTS} holds no results to replay: give the folder of "
                            "a benchmark run (runs/bench/phase5/<run id>)")
    suite = suite or default_suite()
    tasks = suite.by_name(r["task"] for r in records)
    replayed = []
    for record in tqdm(records, desc="replay", unit="run", disable=not progress):
        record = dict(record)
        workspace = run_dir / record.get("workspace", "")
        if record.get("status") == "done" and record["task"] in tasks and workspace.is_dir():
            task = tasks[record["task"]]
            record.update(grade_copy(suite, task, workspace),
                          delivered=delivered(task, workspace,
                                              record.get("entry_at_start") or {}))
        replayed.append(score(record, run_dir))
    text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in replayed)
    atomic_write_text(run_dir / REPLAYED, text)
    return replayed


def latest_run(root: Path) -> Path | None:
    """The most recently started run folder under `root` (None when there is none)."""
    runs = [p for p in Path(root).glob("*") if (p / RUN_INFO).is_file()]
    return max(runs, key=lambda p: load_info(p).get("created_at", ""), default=None)
