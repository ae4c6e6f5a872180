"""Phase 3's agent with a context manager plugged into its loop (a subclass: nothing is copied).

    agent = ContextAgent(llm, build_registry(ws), ContextBudget(4096, 700), "combined", workspace=ws)
    result = agent.run("The /users endpoint returns 500: find and fix it.")
    result.max_request, result.sent_tokens, result.evaluated_tokens, result.compactions

Three seams of `shared.agent.Agent` are extended:
- initial_messages: the phase 3 prompt plus a few rules for working in a small context; the
  manager learns how many messages are pinned (system, worked examples, task);
- execute: the tool output is truncated (if the strategy says so) before it enters the history,
  and a traceback in it gets one line naming the project line it was raised at;
- step: with reproduce on, the command the task names runs before the model's first reply,
  and again when the model calls final_answer: while it fails, the answer is refused;
- query: the strategy fits the conversation to the budget, the request is counted (tokens sent,
  and tokens the model must evaluate after its prefix cache), the counts go into the trajectory,
  and a request over the budget is never sent: the run stops with "context_overflow".
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from shared.agent import Action, Agent, AgentResult, Observation, ToolRegistry
from shared.context.context_manager import ContextBudget, ContextManager, ContextPolicy, get_policy
from shared.context.demonstrations import demonstration
from shared.context.file_map import file_list
from shared.context.reproduce import THINK, task_command
from shared.context.token_count import PromptCache, TokenCounter, counter_for
from shared.context.traceback_hint import traceback_hint
from shared.context.truncation import cut_middle
from shared.llm import ChatBackend, ChatResult, LLMError, Message
from shared.reply_checks import check_summary

CONTEXT_RULES = """
Working in a small context:
- To find code, use search_files (e.g. the name of a function) instead of reading every file.
- read_file shows numbered lines, 80 at a time; read the part you need with start and end. The \
numbers are not part of the file: never copy them into edit_file.
- Long outputs are cut in the middle; the note in their place says how to see the cut lines.
- Old steps may be replaced by a summary; the task stays at the top.
"""
ACTIONS_IN_NOTES = 8  # the last actions listed under a summary
CUT_REPLY_TOKENS = 120  # what the history keeps of a reply cut off by its token limit
MAX_FINISH_REFUSALS = 2  # final answers refused while the task's command still fails


class ContextOverflow(Exception):
    """A request that does not fit the budget even after the strategy did what it could."""

    def __init__(self, tokens: int, limit: int) -> None:
        super().__init__(f"the request has {tokens} tokens, over the budget of {limit}: the "
                         "context strategy could not make it fit")
        self.tokens, self.limit = tokens, limit


@dataclass
class RequestRecord:
    """One request sent to the model: what it cost. kind: "action" or "summary"."""

    step: int
    kind: str
    sent: int              # prompt tokens sent (counted before sending)
    evaluated: int         # of those, the ones the model computes (the rest come from its cache)
    reported: int = 0      # prompt tokens the backend reported
    messages: int = 0


@dataclass
class ContextResult(AgentResult):
    """AgentResult plus the context figures of the run."""

    strategy: str = ""
    budget: int = 0
    counter: str = ""
    requests: list[RequestRecord] = field(default_factory=list)
    compactions: int = 0
    wall_seconds: float = 0.0

    @property
    def sent_tokens(self) -> int:
        return sum(r.sent for r in self.requests)

    @property
    def evaluated_tokens(self) -> int:
        return sum(r.evaluated for r in self.requests)

    @property
    def max_request(self) -> int:
        return max((r.sent for r in self.requests), default=0)

    @property
    def over_budget(self) -> list[RequestRecord]:
        """Requests over the budget (none are sent: the run stops at the first)."""
        return [r for r in self.requests if r.sent > self.budget]

    @property
    def count_mismatches(self) -> list[RequestRecord]:
        """Requests whose count differs from what the backend reported."""
        return [r for r in self.requests if r.reported and r.reported != r.sent]


class ContextAgent(Agent):
    """The phase 3 agent whose every request is fitted to a token budget."""

    trajectory_kind = "phase4"

    def __init__(
        self,
        llm: ChatBackend,
        registry: ToolRegistry,
        budget: ContextBudget | None = None,
        strategy: str | ContextPolicy = "combined",
        counter: TokenCounter | None = None,
        workspace: Path | None = None,
        point_at_errors: bool = True,
        reproduce: bool = False,
        show_files: bool = False,
        **agent_options: Any,
    ) -> None:
        """strategy: a name of context_manager.STRATEGIES or a ContextPolicy. workspace: where cut
        tool outputs are saved whole (None: they are not saved). point_at_errors: after a tool
        output holding a traceback, name the project line it was raised at (traceback_hint.py).
        reproduce: before the first step, run the command the task names (reproduce.py), and
        refuse a final answer while that command still fails. show_files: list the
        workspace's files under the task (file_map.py)."""
        super().__init__(llm, registry, **agent_options)
        self.point_at_errors, self.reproduce = point_at_errors, reproduce
        self.show_files = show_files
        self.finish_refusals = 0
        policy = get_policy(strategy) if isinstance(strategy, str) else strategy
        self.budget = budget or ContextBudget(reserve=self.max_tokens)
        self.context = ContextManager(self.budget, policy, counter or counter_for(llm))
        self.workspace = workspace
        self.cache = PromptCache()
        self.requests: list[RequestRecord] = []

    def run(self, task: str, trajectory_path: Path | None = None) -> ContextResult:
        self.requests = []
        self.finish_refusals = 0
        start = time.perf_counter()
        result = super().run(task, trajectory_path)
        values = {f.name: getattr(result, f.name) for f in fields(AgentResult)}
        return ContextResult(**values, strategy=self.context.policy.name, budget=self.budget.limit,
                             counter=self.context.counter.name, requests=self.requests,
                             compactions=self.context.summaries,
                             wall_seconds=time.perf_counter() - start)

    def step(self, n: int) -> bool:
        if n == 1 and self.reproduce:
            self.run_task_command()
        try:
            over = super().step(n)
        except ContextOverflow as err:
            self.log.log("context_overflow", step=n, prompt_tokens=err.tokens, budget=err.limit)
            self.say(f"[{n}] stopped: {err}")
            self.result.stop_reason, self.result.answer = "context_overflow", str(err)
            return True
        if over and self.result.stop_reason == "final_answer" and self.finish_refused(n):
            return False
        return over

    # -- the seams ----------------------------------------------------------------------------
    def initial_messages(self, task: str) -> list[Message]:
        """Phase 3's system prompt plus CONTEXT_RULES, phase 4's worked examples in place of
        phase 3's (if demonstrate), then the task (with the workspace's files, if show_files).
        All of it is pinned."""
        phase3 = super().initial_messages(task)
        system = {**phase3[0], "content": phase3[0]["content"] + CONTEXT_RULES}
        examples = demonstration(self.fmt) if self.demonstrate else []
        the_task = phase3[-1]
        files = file_list(self.workspace) if self.show_files and self.workspace else ""
        if files:
            the_task = {**the_task, "content": f"{the_task['content']}\n\nThe files: {files}"}
        messages = [system, *examples, the_task]
        self.context.start(pinned=len(messages))
        return messages

    def describe(self, task: str) -> dict[str, Any]:
        policy = self.context.policy
        return {**super().describe(task), "strategy": policy.name, "policy": asdict(policy),
                "window": self.budget.window, "budget": self.budget.limit,
                "counter": self.context.counter.name, "point_at_errors": self.point_at_errors,
                "reproduce": self.reproduce, "show_files": self.show_files}

    def record_reply(self, n: int, reply: ChatResult) -> None:
        """Log the reply whole; then, with truncation on, a reply cut off by its token limit
        keeps only its head in the history (it cannot be parsed anyway, and measured with the
        0.5B, three such replies of 700 tokens filled the budget)."""
        super().record_reply(n, reply)
        limit = self.context.policy.truncate_tokens
        if reply.truncated and limit:
            reply.content = cut_middle(reply.content, CUT_REPLY_TOKENS,
                                       self.context.counter.count_text)

    def execute(self, action: Action, n: int) -> Observation:
        observation = super().execute(action, n)
        text = self.context.shrink_observation(observation.text, action.name, n, self.workspace)
        if text != observation.text:
            self.log.log("truncated", step=n, tool=action.name,
                         tokens_before=self.context.counter.count_text(observation.text),
                         tokens_after=self.context.counter.count_text(text))
        hint = traceback_hint(observation.text, self.workspace) if self.point_at_errors else ""
        if hint:  # after the cut, so that it is never cut away
            text += "\n" + hint
        return Observation(text, observation.kind, observation.changed_files)

    def query(self, n: int) -> ChatResult:
        request = self.fmt.request(self.registry)
        tools = request.get("tools")
        for event in self.context.fit(self.messages, tools, self.summarise):
            self.log.log("compaction", step=n, **event)
            self.say(f"[{n}] context: {event['how']} "
                     + json.dumps({k: v for k, v in event.items() if k not in ("how", "summary")}))
        record = self.count_request(n, "action", self.messages, tools)
        if record.sent > self.budget.limit:
            raise ContextOverflow(record.sent, self.budget.limit)
        reply = super().query(n)
        self.note_reported(record, reply)
        return reply

    def finish_refused(self, n: int) -> bool:
        """With reproduce on, the command the task names is also the check before finishing: it
        runs again, and while it still fails the final answer is refused (MAX_FINISH_REFUSALS
        times at most, so that the run still ends). True when the answer was refused."""
        command = task_command(self.result.task)
        if not (self.reproduce and command) or self.finish_refusals >= MAX_FINISH_REFUSALS:
            return False
        observation = self.execute(Action("run_shell", {"command": command}), n)
        self.log.log("finish_check", step=n, command=command, outcome=observation.kind)
        if observation.kind == "ok":
            return False
        self.finish_refusals += 1
        self.result.stop_reason, self.result.answer = "", ""
        self.say(f"    <- (refused) `{command}` still fails: not finished")
        self.messages.append({"role": "user", "content": (
            f"Observation (refused):\nNot finished: `{command}` still fails.\n{observation.text}"
            "\nFix the problem, run the command again, then call final_answer.")})
        return True

    def run_task_command(self) -> None:
        """Reproduce first: run the command the task names through run_shell, and add the call
        and its output to the conversation as the agent's own first turn (not a model reply)."""
        command = task_command(self.result.task)
        if not command or "run_shell" not in self.registry.names:
            return
        action = Action("run_shell", {"command": command}, think=THINK, source="reproduce")
        observation = self.execute(action, 0)
        self.repeats.seen(action.name, action.arguments)  # the same run again is refused
        self.result.actions.append(action)
        self.result.observations.append(observation)
        self.log.log("reproduce", step=0, command=command, outcome=observation.kind,
                     text=observation.text)
        self.say(f"[0] {THINK}\n    -> run_shell({command!r})\n"
                 f"    <- ({observation.kind}) {observation.text[:200]}")
        self.messages.append({"role": "assistant",
                              "content": self.fmt.render(THINK, action.name, action.arguments)})
        self.messages.append({"role": "user",
                              "content": f"Observation ({observation.kind}):\n{observation.text}"})

    # -- counting and summarising ----------------------------------------------------------------
    def count_request(self, n: int, kind: str, messages: list[Message],
                      tools: list[dict[str, Any]] | None) -> RequestRecord:
        """Count a request about to be sent, log it, and keep it in self.requests."""
        counter = self.context.counter
        tokens = counter.tokens(messages, tools)
        sent = counter.count(messages, tools)
        evaluated = round(self.cache.evaluated(tokens, counter.cached()) * counter.scale)
        record = RequestRecord(n, kind, sent, evaluated, messages=len(messages))
        self.requests.append(record)
        self.log.log("context", step=n, request=kind, prompt_tokens=sent,
                     evaluated_tokens=evaluated, budget=self.budget.limit,
                     window=self.budget.window, messages=len(messages), counter=counter.name)
        return record

    def note_reported(self, record: RequestRecord, reply: ChatResult) -> None:
        record.reported = reply.usage.prompt_tokens
        if record.reported:
            self.context.counter.observe(record.sent, record.reported)
            if record.reported != record.sent and self.context.counter.exact:
                self.log.log("count_mismatch", step=record.step, counted=record.sent,
                             reported=record.reported)

    def summarise(self, request: list[Message] | None) -> str:
        """The model's summary of the conversation (`request` ends by asking for it), followed
        by the list of the last actions, which no summary may lose."""
        n = self.result.steps
        text = "(no summary: the request for one did not fit the budget)"
        if request is not None:
            record = self.count_request(n, "summary", request, None)
            try:
                reply = self.llm.chat(request, temperature=self.temperature, seed=self.seed,
                                      max_tokens=self.context.policy.summary_tokens)
            except LLMError as err:
                text = f"(no summary: the model failed to write one: {err})"
            else:
                self.note_reported(record, reply)
                self.result.prompt_tokens += reply.usage.prompt_tokens
                self.result.completion_tokens += reply.usage.completion_tokens
                self.result.seconds += reply.latency_s
                check = check_summary(reply.content)
                self.log.log("summary_check", step=n, **check.fields())
                text = (reply.content.strip() if check.valid
                        else f"(no summary: {check.problem})")
        return f"{text}\n\nYour last actions and their outcome:\n{self.action_notes()}"

    def action_notes(self) -> str:
        """One line per recent action: the call and how it went."""
        lines = []
        pairs = list(zip(self.result.actions, self.result.observations, strict=False))
        for action, observation in pairs[-ACTIONS_IN_NOTES:]:
            arguments = json.dumps(action.arguments)
            if len(arguments) > 80:
                arguments = arguments[:80] + "...}"
            first_line = observation.text.strip().split("\n")[0][:60]
            lines.append(f"- {action.name} {arguments} -> {observation.kind}: {first_line}")
        return "\n".join(lines) or "- (none yet)"
