"""The multi-step tool-using agent: act, observe, decide, until a final answer or a limit.

    registry = ToolRegistry(workspace_tools(Path("runs/ws")) + [final_answer])
    result = run_agent("List the files.", get_llm(), registry, action_format="json")
    result.answer, result.stop_reason, result.steps

The loop fits on one screen. Around it: the action format (how the model writes a call and how
we read it), the registry (validates and runs the call, errors become observations), the
guardrails (step limit, repeated calls; the shell policy sits in run_shell) and a trajectory
file that records every reply, action and observation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.agent.action_formats import get_format
from shared.agent.actions import Action
from shared.agent.guardrails import RepeatDetector
from shared.agent.registry import Observation, ToolRegistry
from shared.llm import ChatBackend, LLMError
from shared.trajectory import Trajectory, new_trajectory_path

DEFAULT_FORMAT = "constrained"  # the most reliable with the embedded 0.5B (measured: see README)
MAX_STEPS = 10     # model replies per task
MAX_TOKENS = 700   # per reply: room for a small file inside write_file
MAY_CHANGE_FILES = {"run_shell"}  # write_file and edit_file say whether they changed a file
MAX_REPEATS = 2    # the same call refused this many times ends the run as "repeating"


@dataclass
class AgentResult:
    """How a run ended. stop_reason: "final_answer", "step_limit", "repeating" or "llm_error"."""

    task: str
    answer: str = ""
    stop_reason: str = ""
    steps: int = 0                 # model replies
    valid_actions: int = 0         # replies that parsed into a valid action (right tool, right args)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    actions: list[Action] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    trajectory: Path | None = None

    @property
    def finished(self) -> bool:
        return self.stop_reason == "final_answer"

    @property
    def valid_share(self) -> float:
        return self.valid_actions / self.steps if self.steps else 0.0


def run_agent(
    task: str,
    llm: ChatBackend,
    registry: ToolRegistry,
    action_format: str = DEFAULT_FORMAT,
    max_steps: int = MAX_STEPS,
    max_tokens: int = MAX_TOKENS,
    temperature: float = 0.0,
    seed: int | None = None,
    trajectory_path: Path | None = None,
    verbose: bool = False,
    demonstrate: bool = True,
) -> AgentResult:
    """Run `task` to a final answer or a limit; every step is logged to a trajectory file.

    demonstrate: show the model a worked example (few-shot) before its task.
    """
    fmt = get_format(action_format)
    say = print if verbose else (lambda *a, **k: None)
    messages: list[dict[str, Any]] = [{"role": "system", "content": fmt.system_prompt(registry)}]
    if demonstrate:
        messages += fmt.demonstration()
    messages.append({"role": "user", "content": task})
    result = AgentResult(task=task, messages=messages)
    repeats = RepeatDetector()
    path = trajectory_path or new_trajectory_path("phase3", task)
    meta = {"task": task, "format": action_format, "model": llm.describe(),
            "temperature": temperature, "seed": seed, "max_steps": max_steps,
            "demonstrate": demonstrate}
    with Trajectory(path, meta=meta) as log:
        result.trajectory = log.path
        for step in range(1, max_steps + 1):
            try:
                reply = llm.chat(messages, **fmt.request(registry), temperature=temperature,
                                 max_tokens=max_tokens, seed=seed)
            except LLMError as err:
                log.log("llm_error", step=step, error=str(err))
                result.stop_reason, result.answer = "llm_error", str(err)
                break
            result.steps = step
            result.prompt_tokens += reply.usage.prompt_tokens
            result.completion_tokens += reply.usage.completion_tokens
            result.seconds += reply.latency_s
            log.log("llm_reply", step=step, content=reply.content, finish_reason=reply.finish_reason,
                    tool_calls=[c.__dict__ for c in reply.tool_calls], latency_s=reply.latency_s,
                    prompt_tokens=reply.usage.prompt_tokens,
                    completion_tokens=reply.usage.completion_tokens)
            messages.append(fmt.assistant_message(reply))
            action = fmt.parse(reply)

            if not isinstance(action, Action):  # malformed or truncated: say which, try again
                note = fmt.correction(action, max_tokens)
                log.log("parse_error", step=step, reason=action.reason, truncated=action.truncated)
                say(f"[{step}] unreadable reply ({'truncated' if action.truncated else action.reason})")
                messages.append({"role": "user", "content": note})
                continue
            result.actions.append(action)
            valid, problem = registry.validate(action.name, action.arguments)
            result.valid_actions += valid is not None
            log.log("action", step=step, name=action.name, arguments=action.arguments,
                    think=action.think, source=action.source, valid=valid is not None)
            say(f"[{step}] {action.think}\n    -> {action.name}({_short(action.arguments)})")
            if action.is_final and valid is not None:
                result.stop_reason, result.answer = "final_answer", action.answer
                break

            before = repeats.seen(action.name, action.arguments)
            if before >= MAX_REPEATS:
                result.stop_reason = "repeating"
                log.log("stopped", step=step, reason="the same call was repeated")
                break
            if before:
                observation = Observation(
                    "refused: you already made exactly this call and saw its result above. "
                    "Do something different, or call final_answer if the task is done.", "refused")
            else:
                observation = registry.run(action.name, action.arguments)
            if observation.changed_files or (action.name in MAY_CHANGE_FILES and observation.ok):
                repeats.forget()  # the files (may have) changed: the same call again is fair
            result.observations.append(observation)
            log.log("observation", step=step, outcome=observation.kind, text=observation.text)
            say(f"    <- ({observation.kind}) {_short(observation.text, 200)}")
            messages.append(fmt.observation_message(reply, observation))
        else:
            result.stop_reason = "step_limit"
        log.log("result", stop_reason=result.stop_reason, answer=result.answer, steps=result.steps,
                valid_actions=result.valid_actions, prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens)
    return result


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."
