"""The dumb loop: ask for a program, run it, send the error back, repeat.

    from shared.llm import get_llm
    from shared.code_loop.loop import solve
    result = solve("Print the numbers 1 to 10", get_llm())
    print(result.success, result.attempts, result.final_code)

"Dumb" because the only judge is the program itself: a run that exits with code 0 ends the
loop. Whether the output is *right* is not checked here (tasks.py checks it afterwards, and later
phases teach the agent to test its own work).

Every attempt:
1. the model replies; no code in it -> a format nudge goes back and the attempt is used up;
2. the code runs in a fresh sandbox workspace (with the task's files written into it);
3. exit 0 -> done; otherwise the useful tail of stderr goes back with a request for a fix.
A small model at temperature 0 often answers an error with the very same program (or one that
fails with the very same error): the conversation holds its earlier answer and it copies it.
When that happens the conversation
starts over (the task, plus the error to avoid) and the next replies are sampled at
REPEAT_TEMPERATURE, with a seed per attempt so a run is still reproducible.
Everything that happens is written to a trajectory file (JSON lines) as it happens.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.code_loop.extract import extract_code
from shared.code_loop.prompts import (
    NO_CODE_NUDGE,
    SYSTEM_PROMPT,
    error_message,
    last_error,
    restart_message,
    task_message,
)
from shared.llm import ChatBackend, LLMError
from shared.reply_checks import check_code
from shared.sandbox import RunResult, SandboxLimits, run_code
from shared.trajectory import Trajectory, new_trajectory_path

MAX_ATTEMPTS = 5
TIMEOUT_S = 10.0  # per run of the program, wall clock
MAX_TOKENS = 512  # per model reply
TEMPERATURE = 0.0
REPEAT_TEMPERATURE = 0.8  # after the model sent a program it had already sent: sample more freely
SEED = 0
STOP = ["\n```\n\n"]  # stop after the closing fence: the explanation that follows costs time
LOG_CHARS = 4000  # how much of stdout/stderr goes into the trajectory per run


@dataclass
class Attempt:
    """One round: the model's reply, the code found in it, how its run went, what went back."""

    number: int
    reply: str
    code: str | None
    run: RunResult | None  # None when the reply held no code
    feedback: str  # the message sent back ("" after the successful attempt)
    tokens: int
    llm_seconds: float

    @property
    def ok(self) -> bool:
        return self.run is not None and self.run.ok


@dataclass
class LoopResult:
    """What `solve` returns. seconds: wall clock for the whole loop; tokens: prompt + completion
    tokens of every model call. stop_reason: "success", "retry limit" or "llm error: ..."."""

    task: str
    success: bool
    attempts: int
    final_code: str | None
    seconds: float
    tokens: int
    stop_reason: str
    trajectory: Path
    history: list[Attempt] = field(default_factory=list)

    @property
    def final_run(self) -> RunResult | None:
        runs = [a.run for a in self.history if a.run is not None]
        return runs[-1] if runs else None

    @property
    def stdout(self) -> str:
        return self.final_run.stdout if self.final_run else ""


Event = Callable[[str, dict[str, Any]], None]


def write_files(workspace: Path, files: dict[str, str | bytes]) -> None:
    """Write each file into `workspace`: text as UTF-8, bytes as they are."""
    for name, content in files.items():
        if isinstance(content, bytes):
            (workspace / name).write_bytes(content)
        else:
            (workspace / name).write_text(content, encoding="utf-8")


def solve(
    task: str,
    llm: ChatBackend,
    *,
    files: dict[str, str | bytes] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    timeout_s: float = TIMEOUT_S,
    limits: SandboxLimits | None = None,
    max_tokens: int = MAX_TOKENS,
    temperature: float = TEMPERATURE,
    seed: int = SEED,
    on_event: Event | None = None,
    trajectory_path: Path | None = None,
    workspace_root: Path | None = None,
    label: str = "",
) -> LoopResult:
    """Ask `llm` for a program that does `task`, run it sandboxed, feed errors back until it
    runs cleanly or `max_attempts` replies have been used.

    files: name -> content (text, or bytes for a copy of any file) written into every
        attempt's fresh workspace (e.g. a CSV to read); the task message names them.
    on_event(kind, fields): called as things happen ("reply", "code", "run", "feedback",
        "done"), for a live display; the same events go to the trajectory file.
    """
    start = time.perf_counter()
    files = files or {}
    path = trajectory_path or new_trajectory_path("phase2", label or task)
    root = Path(workspace_root or tempfile.mkdtemp(prefix="agentlab-phase2-"))
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": task_message(task, sorted(files))},
    ]
    history: list[Attempt] = []
    tokens, stop_reason, success = 0, "retry limit", False
    meta = {"task": task, "files": sorted(files), "model": getattr(llm, "model", ""),
            "backend": getattr(llm, "name", ""), "max_attempts": max_attempts,
            "timeout_s": timeout_s, "temperature": temperature, "seed": seed}

    with Trajectory(path, meta=meta) as traj:

        def emit(kind: str, **fields: Any) -> None:
            traj.log(kind, **fields)
            if on_event is not None:
                on_event(kind, fields)

        emit("messages", messages=messages)
        repeated = False
        for number in range(1, max_attempts + 1):
            heat = max(temperature, REPEAT_TEMPERATURE) if repeated else temperature
            try:
                reply = llm.chat(messages, temperature=heat, max_tokens=max_tokens,
                                 seed=seed + number - 1, stop=STOP)
            except LLMError as err:
                stop_reason = f"llm error: {err}"
                emit("llm_error", attempt=number, error=str(err))
                break
            used = reply.usage.total_tokens
            tokens += used
            messages.append({"role": "assistant", "content": reply.content})
            emit("reply", attempt=number, content=reply.content, tokens=used,
                 seconds=round(reply.latency_s, 3), finish_reason=reply.finish_reason,
                 temperature=heat)

            code = extract_code(reply.content)
            seen_before = code is not None and any(code == a.code for a in history)
            emit("code", attempt=number, code=code, repeated=seen_before,
                 **check_code(reply.content, code, reply.truncated).fields())
            if code is None:
                feedback, run = NO_CODE_NUDGE, None
            else:
                workspace = root / f"attempt-{number}"
                workspace.mkdir(parents=True, exist_ok=True)
                write_files(workspace, files)
                run = run_code(code, workspace=workspace, timeout_s=timeout_s, limits=limits)
                # Stuck: the same program again, or a "fix" that ends in the very same error.
                seen_before = seen_before or (not run.ok and bool(last_error(run.stderr)) and any(
                    a.run is not None and last_error(a.run.stderr) == last_error(run.stderr)
                    for a in history[-1:]))
                repeated = repeated or seen_before
                emit("run", attempt=number, returncode=run.returncode, timed_out=run.timed_out,
                     seconds=round(run.duration_s, 3), isolation=run.isolation,
                     stdout=run.stdout[-LOG_CHARS:], stderr=run.stderr[-LOG_CHARS:],
                     stdout_cut_bytes=run.stdout_cut_bytes, stderr_cut_bytes=run.stderr_cut_bytes,
                     workspace=str(run.workspace))
                if run.ok:
                    feedback = ""
                elif seen_before:
                    errors = [last_error(a.run.stderr) for a in history if a.run is not None]
                    feedback = restart_message(task, sorted(files),
                                               [*errors, last_error(run.stderr)])
                else:
                    feedback = error_message(run.stderr, run.stdout, run.returncode,
                                             str(run.workspace))
            history.append(Attempt(number, reply.content, code, run, feedback, used,
                                   reply.latency_s))
            if run is not None and run.ok:
                success, stop_reason = True, "success"
                break
            if seen_before and run is not None:
                messages = [messages[0], {"role": "user", "content": feedback}]
                emit("restart", attempt=number, content=feedback)
            else:
                messages.append({"role": "user", "content": feedback})
                emit("feedback", attempt=number, content=feedback)

        final_code = next((a.code for a in reversed(history) if a.code is not None), None)
        result = LoopResult(task, success, len(history), final_code,
                            time.perf_counter() - start, tokens, stop_reason, path, history)
        emit("done", success=success, attempts=result.attempts, tokens=tokens,
             seconds=round(result.seconds, 3), stop_reason=stop_reason, final_code=final_code)
    return result
