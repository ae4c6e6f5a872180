"""The multi-step tool-using agent: act, observe, decide, until a final answer or a limit.

    registry = ToolRegistry(workspace_tools(Path("runs/ws")) + [final_answer])
    result = run_agent("List the files.", get_llm(), registry, action_format="json")
    result.answer, result.stop_reason, result.steps

The loop fits on one screen (`Agent.run`). It is split into four small steps that a later phase
extends by subclassing, never by copying:

    run(task)            set up the conversation and the trajectory, call step() until it stops
    step(n)              one turn: query the model, parse its reply, execute the action
    query(n)             send the conversation to the model (phase 4 fits it to a budget here)
    execute(action, n)   run one validated action and return its observation

Around it: the action format (how the model writes a call and how we read it), the registry
(validates and runs the call, errors become observations), the guardrails (step limit, repeated
calls; the shell policy sits in run_shell) and a trajectory file that records every reply,
action and observation.
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
from shared.llm import ChatBackend, ChatResult, LLMError
from shared.reply_checks import first_sentence
from shared.trajectory import Trajectory, new_trajectory_path

DEFAULT_FORMAT = "constrained"  # the most reliable with the embedded 0.5B (measured: see phase3 README)
MAX_STEPS = 10     # model replies per task
MAX_TOKENS = 700   # per reply: room for a small file inside write_file
MAY_CHANGE_FILES = {"run_shell"}  # write_file and edit_file say whether they changed a file
REPEAT_TEMPERATURE = 0.7  # the next reply after a refused repeat is sampled, not greedy
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


class Agent:
    """The phase 3 agent: a model, a tool registry and an action format, with its guardrails.

    Later phases subclass it and override one step (query, execute, ...) to add what they teach.
    """

    trajectory_kind = "phase3"  # the runs/ sub-folder its trajectories go to

    def __init__(
        self,
        llm: ChatBackend,
        registry: ToolRegistry,
        action_format: str = DEFAULT_FORMAT,
        max_steps: int = MAX_STEPS,
        max_tokens: int = MAX_TOKENS,
        temperature: float = 0.0,
        seed: int | None = None,
        verbose: bool = False,
        demonstrate: bool = True,
    ) -> None:
        """demonstrate: show the model worked examples (few-shot) before its task."""
        self.llm, self.registry = llm, registry
        self.action_format, self.fmt = action_format, get_format(action_format)
        self.max_steps, self.max_tokens = max_steps, max_tokens
        self.temperature, self.seed = temperature, seed
        self.verbose, self.demonstrate = verbose, demonstrate
        self.messages: list[dict[str, Any]] = []
        self.result = AgentResult(task="")
        self.repeats = RepeatDetector()
        self.log: Trajectory | None = None

    # -- the loop -------------------------------------------------------------------------------
    def run(self, task: str, trajectory_path: Path | None = None) -> AgentResult:
        """Run `task` to a final answer or a limit; every step is logged to a trajectory file."""
        self.messages = self.initial_messages(task)
        self.result = AgentResult(task=task, messages=self.messages)
        self.repeats = RepeatDetector()
        path = trajectory_path or new_trajectory_path(self.trajectory_kind, task)
        with Trajectory(path, meta=self.describe(task)) as self.log:
            self.result.trajectory = self.log.path
            for n in range(1, self.max_steps + 1):
                if self.step(n):
                    break
            else:
                self.result.stop_reason = "step_limit"
            r = self.result
            self.log.log("result", stop_reason=r.stop_reason, answer=r.answer, steps=r.steps,
                         valid_actions=r.valid_actions, prompt_tokens=r.prompt_tokens,
                         completion_tokens=r.completion_tokens)
        return self.result

    def step(self, n: int) -> bool:
        """One turn: ask the model, read its action, run it. Returns True when the run is over."""
        try:
            reply = self.query(n)
        except LLMError as err:
            self.log.log("llm_error", step=n, error=str(err))
            self.result.stop_reason, self.result.answer = "llm_error", str(err)
            return True
        self.record_reply(n, reply)
        self.messages.append(self.fmt.assistant_message(reply))
        action = self.fmt.parse(reply)

        if not isinstance(action, Action):  # malformed or truncated: say which, try again
            self.log.log("parse_error", step=n, reason=action.reason, truncated=action.truncated)
            self.say(f"[{n}] unreadable reply ({'truncated' if action.truncated else action.reason})")
            self.messages.append({"role": "user", "content": self.fmt.correction(action, self.max_tokens)})
            return False
        self.result.actions.append(action)
        valid, problem = self.registry.validate(action.name, action.arguments)
        self.result.valid_actions += valid is not None
        # Output validation: the trajectory says of every action whether it was valid, and if
        # not, why in one sentence (an unknown tool, arguments the tool does not take).
        self.log.log("action", step=n, name=action.name, arguments=action.arguments,
                     think=action.think, source=action.source, valid=valid is not None,
                     **({"problem": first_sentence(problem)} if valid is None else {}))
        self.say(f"[{n}] {action.think}\n    -> {action.name}({_short(action.arguments)})")
        if action.is_final and valid is not None:
            self.result.stop_reason, self.result.answer = "final_answer", action.answer
            return True

        before = self.repeats.seen(action.name, action.arguments)
        if before >= MAX_REPEATS:
            self.result.stop_reason = "repeating"
            self.log.log("stopped", step=n, reason="the same call was repeated")
            return True
        if before:
            observation = Observation(
                "refused: you already made exactly this call and saw its result above. "
                "Do something different, or call final_answer if the task is done.", "refused")
        else:
            observation = self.execute(action, n)
        if observation.changed_files or (action.name in MAY_CHANGE_FILES and observation.ok):
            self.repeats.forget()  # the files (may have) changed: the same call again is fair
        self.result.observations.append(observation)
        self.log.log("observation", step=n, outcome=observation.kind, text=observation.text)
        self.say(f"    <- ({observation.kind}) {_short(observation.text, 200)}")
        self.messages.append(self.fmt.observation_message(reply, observation))
        return False

    # -- the seams later phases extend ---------------------------------------------------------
    def initial_messages(self, task: str) -> list[dict[str, Any]]:
        """System prompt, worked examples (if demonstrate), then the task."""
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.fmt.system_prompt(self.registry)}]
        if self.demonstrate:
            messages += self.fmt.demonstration()
        messages.append({"role": "user", "content": task})
        return messages

    def query(self, n: int) -> ChatResult:
        """Send the conversation to the model and return its reply (raises LLMError)."""
        return self.llm.chat(self.messages, **self.fmt.request(self.registry),
                             temperature=self.sampling_temperature(), max_tokens=self.max_tokens,
                             seed=self.seed)

    def sampling_temperature(self) -> float:
        """The configured temperature, raised to REPEAT_TEMPERATURE right after a repeated call
        was refused: at temperature 0 the same conversation gives the same reply, and measured
        with the 1.5B, the model sent the refused call again until the run stopped."""
        last = self.result.observations[-1] if self.result.observations else None
        if last is not None and last.kind == "refused":
            return max(self.temperature, REPEAT_TEMPERATURE)
        return self.temperature

    def execute(self, action: Action, n: int) -> Observation:
        """Run one action through the registry (which validates it first)."""
        return self.registry.run(action.name, action.arguments)

    def describe(self, task: str) -> dict[str, Any]:
        """The trajectory's header: what ran, with which model and settings."""
        return {"task": task, "format": self.action_format, "model": self.llm.describe(),
                "temperature": self.temperature, "seed": self.seed, "max_steps": self.max_steps,
                "demonstrate": self.demonstrate}

    def record_reply(self, n: int, reply: ChatResult) -> None:
        """Count the reply's tokens and time, and log it."""
        self.result.steps = n
        self.result.prompt_tokens += reply.usage.prompt_tokens
        self.result.completion_tokens += reply.usage.completion_tokens
        self.result.seconds += reply.latency_s
        self.log.log("llm_reply", step=n, content=reply.content, finish_reason=reply.finish_reason,
                     tool_calls=[c.__dict__ for c in reply.tool_calls], latency_s=reply.latency_s,
                     prompt_tokens=reply.usage.prompt_tokens,
                     completion_tokens=reply.usage.completion_tokens)

    def say(self, text: str) -> None:
        if self.verbose:
            print(text)


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
    """Run `task` with the phase 3 agent: `Agent(...).run(task)` in one call."""
    agent = Agent(llm, registry, action_format, max_steps=max_steps, max_tokens=max_tokens,
                  temperature=temperature, seed=seed, verbose=verbose, demonstrate=demonstrate)
    return agent.run(task, trajectory_path)


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."
