"""One adapter per agent generation, all with the same signature, so the harness runs any of them.

    outcome = GENERATIONS["phase3"](llm, task, workspace, seed=0, trajectory_path=path)
    outcome.finished, outcome.steps, outcome.well_formed, outcome.replies, outcome.stop_reason

The generations, oldest first (each later one should beat the one before it):
- plain:  ONE reply of the model, its code written to the task's entry file (the baseline);
- phase2: the dumb loop (shared.code_loop.solve): write a program, run it, feed errors back;
- phase3: the tool-using agent (shared.agent) with the workspace tools;
- phase4: the context agent (shared.context) with search and line-range reads;
- phase5: the planning agent of this phase (plan, tests as the judge, verified finish);
  "phase5-no_plan", "phase5-none", ...: the same agent with techniques switched off (the
  ablations of shared.planning.techniques.ABLATIONS), to measure what each one buys;
- phase6: the multi-agent team (shared.multiagent): a planner, a coder and a reviewer routed by
  an orchestrator, with the same budget of model replies (max_steps, every agent together);
  its message log goes beside the trajectory (<trajectory stem>.messages.jsonl).
Besides the generations: "agentlab", the phase 5 agent through the `agentlab run --yes` code path
(shared.agentlab_command.run_goal), so that the command's pass rate can be set beside phase5's
(it is the same agent: the two should agree within the spread over seeds).
Every generation comes through `shared` (the architecture rule): the frozen API of its phase.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shared.agent import ToolRegistry, final_answer, run_agent
from shared.agentlab_command import run_goal
from shared.code_loop import extract_code, solve
from shared.code_loop.loop import STOP  # stop after the closing fence, as phase 2 does
from shared.context import ContextAgent, ContextBudget
from shared.errors import AgentlabError
from shared.llm import ChatBackend, LLMError
from shared.multiagent import run_team
from shared.planning import ABLATIONS, run_planning_agent
from shared.reply_checks import check_code
from shared.tools import build_registry, workspace_tools
from shared.trajectory import Trajectory

ORDER = ["plain", "phase2", "phase3", "phase4", "phase5", "phase6"]  # oldest first
MAX_STEPS = 20        # model replies per agent run: the same budget for phase 3, 4 and 5
MAX_TOKENS = 700      # per reply
WINDOW = 8192         # tokens: the context budget of the phase 4 agent (the embedded n_ctx)
PLAIN_TOKENS = 1000   # the plain reply: room for a whole file
FILE_CHARS = 4000     # how much of each starting file the plain and phase 2 prompts show
PLAIN_SYSTEM = ("You are a careful Python programmer. Reply with the complete contents of the "
                "file you are asked to write, in one ```python code block.")


class GenerationMissing(AgentlabError):
    """A generation whose code is not there (yet)."""


@dataclass
class Outcome:
    """How one generation's run on one task ended, in figures every generation has.

    finished: the generation stopped by itself, believing it was done (a final answer, a clean
        run, a reply with code). well_formed / replies: replies the generation could act on (code
        found, an action that parsed and named a real tool with valid arguments). seconds: wall
        clock. stop_reason: the generation's own word for why it stopped."""

    finished: bool
    steps: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    well_formed: int
    replies: int
    stop_reason: str
    temperature: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Generation = Callable[..., Outcome]


def starting_files(workspace: Path, limit: int = FILE_CHARS) -> str:
    """The workspace's text files as the plain and phase 2 prompts show them (they cannot read)."""
    parts = []
    for path in sorted(p for p in workspace.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        cut = text if len(text) <= limit else text[:limit] + "\n# ... (cut)"
        parts.append(f"File {path.relative_to(workspace)}:\n```\n{cut}\n```")
    return "\n\n".join(parts)


def file_task(task: Any, workspace: Path) -> str:
    """The task as a prompt for a model without tools: the prompt, the files, the file to write."""
    files = starting_files(workspace)
    shown = f"\n\nThe starting files:\n\n{files}" if files else ""
    return (f"{task.prompt}{shown}\n\nWrite the complete file {task.main_entry} (the whole file, "
            "not only the changed part) in one ```python code block.")


def write_entry(task: Any, workspace: Path, code: str | None) -> None:
    """Put the generation's code into the task's main entry file (nothing when there is no
    code): a generation without tools writes one file."""
    if code is not None:
        target = workspace / task.main_entry
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code.rstrip() + "\n", encoding="utf-8")


def run_plain(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
              temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """The baseline: one reply, its code written to the entry file, nothing run or checked."""
    start = time.perf_counter()
    messages = [{"role": "system", "content": PLAIN_SYSTEM},
                {"role": "user", "content": file_task(task, workspace)}]
    meta = {"generation": "plain", "task": task.name, "model": llm.describe(), "seed": seed,
            "temperature": temperature}
    with Trajectory(trajectory_path, meta=meta) as log:
        log.log("messages", messages=messages)
        try:
            reply = llm.chat(messages, temperature=temperature, max_tokens=PLAIN_TOKENS,
                             seed=seed, stop=STOP)
        except LLMError as err:
            log.log("llm_error", step=1, error=str(err))
            return Outcome(False, 0, 0, 0, time.perf_counter() - start, 0, 0, "llm_error",
                           temperature)
        code = extract_code(reply.content)
        log.log("llm_reply", step=1, content=reply.content, finish_reason=reply.finish_reason,
                prompt_tokens=reply.usage.prompt_tokens,
                completion_tokens=reply.usage.completion_tokens)
        log.log("code", step=1, code=code,
                **check_code(reply.content, code, reply.truncated).fields())
        write_entry(task, workspace, code)
        stop = "answered" if code is not None else "no_code"
        log.log("result", stop_reason=stop)
    return Outcome(code is not None, 1, reply.usage.prompt_tokens, reply.usage.completion_tokens,
                   time.perf_counter() - start, int(code is not None), 1, stop, temperature)


def run_phase2(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
               temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """Phase 2's loop: the program must run cleanly; its last program becomes the entry file.
    The program runs in a copy of the starting files (solve's own attempt folders)."""
    files = {p.name: p.read_bytes() for p in sorted(workspace.iterdir()) if p.is_file()}
    before = (llm.usage.prompt_tokens, llm.usage.completion_tokens)  # solve counts totals only
    result = solve(file_task(task, workspace), llm, files=files, temperature=temperature,
                   seed=seed, trajectory_path=trajectory_path,
                   workspace_root=trajectory_path.parent / "phase2-attempts", label=task.name)
    write_entry(task, workspace, result.final_code)
    well_formed = sum(a.code is not None for a in result.history)
    return Outcome(result.success, result.attempts, llm.usage.prompt_tokens - before[0],
                   llm.usage.completion_tokens - before[1], result.seconds, well_formed,
                   result.attempts, result.stop_reason, temperature)


def agent_outcome(result: Any, seconds: float, temperature: float) -> Outcome:
    """An AgentResult (phase 3, 4 and 5 share its fields) as an Outcome."""
    return Outcome(result.finished, result.steps, result.prompt_tokens, result.completion_tokens,
                   seconds, result.valid_actions, result.steps, result.stop_reason, temperature)


def run_phase3(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
               temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """Phase 3's agent: the six workspace tools and final_answer."""
    start = time.perf_counter()
    registry = ToolRegistry(workspace_tools(workspace) + [final_answer])
    result = run_agent(task.prompt, llm, registry, max_steps=max_steps, max_tokens=MAX_TOKENS,
                       temperature=temperature, seed=seed, trajectory_path=trajectory_path)
    return agent_outcome(result, time.perf_counter() - start, temperature)


def run_phase4(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
               temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """Phase 4's agent: every request fitted to a token budget, search and line-range reads."""
    start = time.perf_counter()
    agent = ContextAgent(llm, build_registry(workspace), ContextBudget(WINDOW, MAX_TOKENS),
                         "combined", workspace=workspace, max_steps=max_steps,
                         max_tokens=MAX_TOKENS, temperature=temperature, seed=seed)
    result = agent.run(task.prompt, trajectory_path)
    return agent_outcome(result, time.perf_counter() - start, temperature)


def run_phase5(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
               temperature: float = 0.0, max_steps: int = MAX_STEPS,
               ablation: str = "all") -> Outcome:
    """Phase 5's planning agent (shared.planning) with the techniques of ABLATIONS[ablation]
    ("all": every technique on)."""
    start = time.perf_counter()
    result = run_planning_agent(llm, task.prompt, workspace, seed=seed, max_steps=max_steps,
                                trajectory_path=trajectory_path, quiet=True,
                                techniques=ABLATIONS[ablation], temperature=temperature)
    return agent_outcome(result, time.perf_counter() - start, temperature)


def run_phase6(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
               temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """Phase 6's team: planner, coder and reviewer (shared.multiagent), with `max_steps` model
    replies in all and the same reply length as the single agents."""
    start = time.perf_counter()
    result = run_team(llm, task.prompt, workspace, seed=seed, max_steps=max_steps,
                      trajectory_path=trajectory_path, temperature=temperature,
                      max_tokens=MAX_TOKENS)
    return agent_outcome(result, time.perf_counter() - start, temperature)


def run_agentlab(llm: ChatBackend, task: Any, workspace: Path, seed: int, trajectory_path: Path,
                 temperature: float = 0.0, max_steps: int = MAX_STEPS) -> Outcome:
    """`agentlab run --yes` on the task: the command's own run_goal, in the workspace itself."""
    start = time.perf_counter()
    summary = run_goal(task.prompt, workspace, llm, yes=True, max_steps=max_steps, seed=seed,
                       quiet=True, temperature=temperature, trajectory=trajectory_path)
    return Outcome(summary["stop_reason"] == "final_answer", summary["steps"],
                   summary["tokens"]["prompt"], summary["tokens"]["completion"],
                   time.perf_counter() - start, summary["valid_actions"], summary["steps"],
                   summary["stop_reason"], temperature)


GENERATIONS: dict[str, Generation] = {
    "plain": run_plain, "phase2": run_phase2, "phase3": run_phase3, "phase4": run_phase4,
    "phase5": run_phase5, "phase6": run_phase6, "agentlab": run_agentlab,
}


def get_generation(name: str) -> Generation:
    """The adapter of generation `name`; "phase5-<ablation>" is phase 5 with that ablation."""
    base, _, ablation = name.partition("-")
    if base == "phase5" and ablation:
        return functools.partial(run_phase5, ablation=ablation)
    return GENERATIONS[name]


def check_generations(names: list[str]) -> None:
    """Raise GenerationMissing, in one sentence, for a name we do not know or cannot run."""
    for name in names:
        base, _, ablation = name.partition("-")
        if base not in GENERATIONS or (ablation and base != "phase5"):
            raise GenerationMissing(f"unknown generation {name!r}: choose from "
                                    f"{', '.join(GENERATIONS)} (or phase5-<ablation>)")
        if base == "phase5":
            known = ABLATIONS
            if ablation and ablation not in known:
                raise GenerationMissing(f"phase 5 has no ablation {ablation!r}: choose from "
                                        f"{', '.join(known)}")
