"""Phase 4's context agent that plans, tests its own work, and may finish only when it works.

    result = run_planning_agent(get_llm(), "Create calculator.py ... all tests pass.", Path("ws"))
    result.finished, result.verified, result.plan_steps, result.replans, result.test_runs

A subclass of shared.context.ContextAgent (nothing copied); it plugs into the same seams:
- step: before the first step, the docstring examples become tests and the model writes a
  numbered plan; before a step, best-of-n when the tests keep failing; after a step, a refused
  finish is turned into an observation, and the run stops on a loop or when nothing progresses;
- execute: after every action the plan advances (or is revised), and its state is appended to
  the observation; `pytest` through run_shell is sent to run_tests;
- initial_messages: the planning rules and phase 5's worked example;
- the registry: phase 4's tools plus run_tests.

Each technique can be switched off (Techniques) so that a benchmark measures what it buys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from shared.agent import Action, Observation, RepeatDetector, ToolRegistry
from shared.agent.action_formats import final_answer
from shared.agent.guardrails import Approver, deny_risky
from shared.context import ContextAgent, ContextBudget, ContextResult, get_policy
from shared.llm import ChatBackend, ChatResult, LLMError, Message
from shared.planning import planning
from shared.planning.demonstrations import demonstration
from shared.planning.planning import Plan, parse_plan_lines
from shared.planning.self_eval import (
    EXAMPLES_FILE,
    best_of_messages,
    best_of_n,
    write_example_tests,
)
from shared.planning.techniques import ABLATIONS, Techniques
from shared.reply_checks import check_plan
from shared.tools import build_registry
from shared.tools.test_runner import TestSummary, run_pytest, run_tests_tool, workspace_test_files

__all__ = ["ABLATIONS", "PlanningAgent", "PlanningResult", "Techniques", "run_planning_agent"]

WINDOW = 8192            # tokens: the embedded model's context (AGENTLAB_N_CTX)
TRUNCATE_TOKENS = 500    # a run_tests summary must arrive whole (phase 4 cut outputs at 350)
PLAN_TOKENS = 160        # the longest plan the model may write
MAX_REPLANS = 3
REPLAN_AFTER = 2         # failed actions in a row on one step
BEST_OF_AFTER = 2        # failing test runs in a row before sampling
MAX_BEST_OF_ROUNDS = 2
MAX_REFUSED = 3          # finishes refused before the run stops as "unverified"
NO_PROGRESS_STEPS = 8    # steps with no file changed, no test gained, no plan step done
LOOP_REPEATS = 2         # the same write made this many times before: a loop
WRITES = {"write_file", "edit_file"}

RULES = {
    "plan": "- Follow your plan one step at a time; the [plan: ...] line after each observation "
            "says which step is now.\n",
    "self_tests": "- Write tests for your code in a test_<name>.py file: plain pytest functions "
                  "with assert, and pytest.raises(...) for errors.\n",
    "tests": "- Call run_tests to run the tests: it says which fail and why. Fix the code (or a "
             "wrong test), then call run_tests again.\n",
    "verified_finish": "- final_answer is accepted only once run_tests passes.\n",
}


@dataclass
class PlanningResult(ContextResult):
    """ContextResult plus the plan and test figures of the run."""

    techniques: dict[str, Any] = field(default_factory=dict)
    plan_steps: list[str] = field(default_factory=list)   # the plan at the end
    plan_done: int = 0                                    # of those, the steps done
    replans: int = 0
    test_runs: int = 0
    last_tests: dict[str, Any] | None = None              # TestSummary.figures() of the last run
    verified: bool = False                                # the finish was checked by tests or a run
    refused_finishes: int = 0
    best_of_rounds: int = 0
    example_tests: int = 0                                # tests written from docstring examples


class PlanningAgent(ContextAgent):
    """Plan, act, test, and finish only when the work is checked."""

    trajectory_kind = "phase5"

    def __init__(self, llm: ChatBackend, workspace: Path, techniques: Techniques | None = None,
                 budget: ContextBudget | None = None, strategy: Any = None,
                 approve: Approver = deny_risky, **agent_options: Any) -> None:
        self.techniques = techniques or Techniques()
        workspace = Path(workspace).resolve()
        registry = planning_registry(workspace, self.note_tests, approve)
        reserve = agent_options.get("max_tokens", 700)
        super().__init__(llm, registry, budget or ContextBudget(WINDOW, reserve),
                         strategy or get_policy("combined", truncate_tokens=TRUNCATE_TOKENS),
                         workspace=workspace, **agent_options)
        self.reset()

    def reset(self) -> None:
        self.task = ""
        self.plan: Plan | None = None
        self.last_tests: TestSummary | None = None
        self.test_runs = self.replans = self.refused = self.best_of_rounds = self.examples = 0
        self.failing_in_row = 0
        self.best_passed = -1
        self.changed_since_tests = self.changed_since_run = False
        self.last_run_ok = False
        self.verified = False
        self.last_progress = 0
        self.looping = False
        self.focus: list[str] = []  # tools the next reply is limited to (empty: every tool)
        self.loops = RepeatDetector()  # writes, never forgotten: the same write thrice is a loop
        self.written: list[str] = []
        self.last_reply: ChatResult | None = None

    # -- the run ----------------------------------------------------------------------------------
    def run(self, task: str, trajectory_path: Path | None = None) -> PlanningResult:
        self.reset()
        self.task = task
        result = super().run(task, trajectory_path)
        values = {f.name: getattr(result, f.name) for f in fields(ContextResult)}
        plan = self.plan
        return PlanningResult(
            **values, techniques=self.techniques.as_dict(),
            plan_steps=[s.text for s in plan.steps] if plan else [],
            plan_done=len(plan.done) if plan else 0, replans=self.replans,
            test_runs=self.test_runs,
            last_tests=self.last_tests.figures() if self.last_tests else None,
            verified=self.verified or (result.finished and self.is_verified()),
            refused_finishes=self.refused, best_of_rounds=self.best_of_rounds,
            example_tests=self.examples)

    def step(self, n: int) -> bool:
        if n == 1:
            self.prepare(n)
        if self.should_sample():
            self.sample(n)
        seen = len(self.result.observations)
        over = super().step(n)
        new = self.result.observations[seen:]
        if new and new[-1].kind == "refused" and self.plan is not None:  # a repeated call
            repeated = self.result.actions[-1].name if self.result.actions else ""
            self.focus = [t for t in self.plan.tools_for_current() if t != repeated]
        if over and self.result.stop_reason == "final_answer":
            over = self.judge_finish(n)
        return over or self.should_stop(n)

    # -- the seams ----------------------------------------------------------------------------------
    def initial_messages(self, task: str) -> list[Message]:
        """Phase 4's messages with the planning rules added to the system prompt and phase 5's
        worked examples in place of phase 4's. All of it is pinned."""
        phase4 = super().initial_messages(task)
        rules = "".join(text for name, text in RULES.items()
                        if name == "tests" or getattr(self.techniques, name))
        system = {**phase4[0], "content": phase4[0]["content"]
                  + "\nWorking with a plan and tests:\n" + rules}
        examples = demonstration(self.fmt) if self.demonstrate else []
        messages = [system, *examples, phase4[-1]]
        self.context.start(pinned=len(messages))
        return messages

    def query(self, n: int) -> ChatResult:
        """Phase 4's query; after the model went off its plan (a refused call, tests that do not
        exist yet), the next reply may only call the tools of the current step: with the
        constrained format the grammar itself leaves out the others."""
        focus, self.focus = self.focus, []
        full = self.registry
        if not focus:
            return super().query(n)
        self.registry = ToolRegistry([full.tools[name].function for name in focus])
        self.log.log("focus", step=n, tools=focus)
        try:
            return super().query(n)
        finally:
            self.registry = full

    def describe(self, task: str) -> dict[str, Any]:
        return {**super().describe(task), "techniques": self.techniques.as_dict()}

    def record_reply(self, n: int, reply: ChatResult) -> None:
        super().record_reply(n, reply)
        self.last_reply = reply

    def execute(self, action: Action, n: int) -> Observation:
        command = str(action.arguments.get("command", "")) if action.name == "run_shell" else ""
        if "pytest" in command:  # the tests, read back as a summary the model can act on
            self.log.log("redirected", step=n, command=command, to="run_tests")
            action = Action("run_tests", {"path": "."}, action.think, action.source)
        observation = super().execute(action, n)
        note = self.after_action(action, observation, n)
        return Observation(observation.text + note, observation.kind, observation.changed_files)

    # -- before the first step: example tests and the plan -------------------------------------------
    def prepare(self, n: int) -> None:
        task_message = self.messages[-1]
        if self.techniques.self_tests:
            path, count = write_example_tests(self.workspace, self.task)
            self.examples = count
            if path is not None:
                self.log.log("example_tests", step=n, path=path.name, tests=count)
                self.say(f"[{n}] {count} tests written from docstring examples to {path.name}")
                task_message["content"] += (
                    f"\n\nThe `>>>` examples of the docstrings were turned into {count} tests in "
                    f"{EXAMPLES_FILE}: run_tests runs them.")
        if self.techniques.plan:
            self.plan = self.make_plan(n)
            task_message["content"] += ("\n\nYour plan:\n" + "\n".join(
                f"{i}. {s.text}" for i, s in enumerate(self.plan.steps, 1)))

    def make_plan(self, n: int) -> Plan:
        """Ask the model for a numbered plan; a plan that cannot be read becomes the default."""
        files = ", ".join(sorted(str(p.relative_to(self.workspace)) for p in self.workspace.rglob("*")
                                 if p.is_file() and not p.name.startswith(".")
                                 and "__pycache__" not in p.parts)[:20]) or "none"
        request = planning.plan_request(self.task, files)
        reply = self.side_request(n, "plan", request)
        plan, note = Plan.from_reply(reply, self.task, needs_tests=self.techniques.self_tests)
        check = check_plan(reply, parse_plan_lines(reply))
        self.log.log("plan", step=n, reply=reply, note=note, **check.fields(), **plan.state())
        self.say(f"[{n}] plan{f' ({note})' if note else ''}:\n{plan.render()}")
        return plan

    def side_request(self, n: int, kind: str, request: list[Message]) -> str:
        """A request outside the conversation (a plan): counted, its tokens added to the run."""
        record = self.count_request(n, kind, request, None)
        try:
            reply = self.llm.chat(request, temperature=self.temperature, seed=self.seed,
                                  max_tokens=PLAN_TOKENS, stop=["```"])  # a plan has no code
        except LLMError as err:
            self.log.log("llm_error", step=n, error=str(err), request=kind)
            return ""
        self.note_reported(record, reply)
        self.result.prompt_tokens += reply.usage.prompt_tokens
        self.result.completion_tokens += reply.usage.completion_tokens
        self.result.seconds += reply.latency_s
        return reply.content

    # -- after every action: state, plan, replan ------------------------------------------------------
    def after_action(self, action: Action, observation: Observation, n: int) -> str:
        """Update what the agent knows after an action; returns the text to add to the observation."""
        if observation.changed_files:
            self.changed_since_tests = self.changed_since_run = True
            self.last_progress = n
            path = str(action.arguments.get("path", ""))
            if path and path not in self.written[-1:]:
                self.written.append(path)
            if action.name in WRITES and self.loops.seen(action.name, action.arguments) >= LOOP_REPEATS:
                self.looping = True
        if action.name in ("run_python", "run_shell"):
            self.last_run_ok = observation.ok
            self.changed_since_run = self.changed_since_run and not observation.ok
        if self.plan is None:
            return ""
        passed = action.name == "run_tests" and observation.ok
        self.advance_plan(n, action.name, action.arguments, observation.ok, passed)
        no_tests = action.name == "run_tests" and "No tests ran" in observation.text
        if observation.kind == "refused" or no_tests:
            self.focus = self.plan.tools_for_current()
        reason = self.replan_reason(action, observation)
        if reason and self.techniques.plan and self.replans < MAX_REPLANS:
            return "\n" + self.replan(n, reason)
        return "\n" + self.plan.status_line()

    def advance_plan(self, n: int, tool: str, arguments: dict[str, Any], ok: bool,
                     passed: bool) -> None:
        """Mark the plan's steps this action did, and log each."""
        assert self.plan is not None
        for i in self.plan.advance(tool, arguments, ok, passed):
            self.log.log("plan_step", step=n, completed=i + 1, text=self.plan.steps[i].text,
                         **self.plan.state())
            self.say(f"    plan: step {i + 1} done ({self.plan.steps[i].text})")
            self.last_progress = n

    def replan_reason(self, action: Action, observation: Observation) -> str:
        """Why the plan no longer holds ("" when it does): its step failed twice, or an
        observation contradicts it (a file it names is missing; the tests fail when only the
        finish was left)."""
        plan = self.plan
        if plan is None or observation.ok:
            return ""
        first_line = observation.text.strip().split("\n")[0][:160]
        if plan.failures >= REPLAN_AFTER:
            return f"{action.name} failed {plan.failures} times in a row ({first_line})"
        named = {f.split("/")[-1] for s in plan.steps for f in s.files}
        missing = str(action.arguments.get("path", "")).split("/")[-1]
        if "there is no file" in observation.text and missing in named:
            return f"{missing} does not exist ({first_line})"
        now = plan.current
        if action.name == "run_tests" and (now is None or plan.steps[now].kind == "finish"):
            return f"the tests fail although only the finish was left ({first_line})"
        return ""

    def replan(self, n: int, reason: str) -> str:
        """Ask for a new plan of what is left; the steps done stay done."""
        plan = self.plan
        assert plan is not None
        now = plan.current if plan.current is not None else len(plan.steps) - 1
        request = planning.replan_request(self.task, plan.render(), now + 1,
                                          plan.steps[now].text, reason)
        reply = self.side_request(n, "replan", request)
        read = parse_plan_lines(reply)
        steps = planning.fit_rest(read, self.techniques.self_tests)
        plan.replace_rest(steps)
        self.replans += 1
        check = check_plan(reply, read, minimum=planning.MIN_REST_STEPS, maximum=4)
        self.log.log("replan", step=n, reason=reason, reply=reply, **check.fields(),
                     **plan.state())
        self.say(f"    replan ({reason}):\n{plan.render()}")
        return f"The plan was revised ({reason}):\n{plan.render()}"

    # -- tests ----------------------------------------------------------------------------------
    def note_tests(self, summary: TestSummary) -> None:
        """Every run_tests result passes through here (the tool's callback)."""
        self.test_runs += 1
        self.last_tests = summary
        self.changed_since_tests = False
        self.failing_in_row = 0 if summary.ok else self.failing_in_row + 1
        if summary.passed > self.best_passed:
            self.best_passed = summary.passed
            self.last_progress = self.result.steps
        if self.log is not None:
            self.log.log("tests", step=self.result.steps, **summary.figures())

    def run_tests_now(self) -> TestSummary:
        """Run every test of the workspace, as run_tests would (the agent's own check)."""
        summary = run_pytest(self.workspace)
        self.note_tests(summary)
        if summary.ok and self.plan is not None:
            self.advance_plan(self.result.steps, "run_tests", {}, True, True)
        return summary

    def is_verified(self) -> bool:
        """The tests pass on the files as they are, or (with no tests) the last run succeeded."""
        if workspace_test_files(self.workspace):
            return bool(self.last_tests and self.last_tests.ok and not self.changed_since_tests)
        return self.last_run_ok and not self.changed_since_run

    # -- finishing and stopping ------------------------------------------------------------------
    def judge_finish(self, n: int) -> bool:
        """The model called final_answer: accept it (True), or refuse it with the reason as the
        observation and go on (False)."""
        problem = self.finish_problem() if self.techniques.verified_finish else ""
        if not problem:
            self.verified = self.is_verified()
            if self.plan is not None:
                self.advance_plan(n, "final_answer", {}, True, False)
            self.log.log("finish", step=n, verified=self.verified)
            return True
        self.refused += 1
        self.result.stop_reason, self.result.answer = "", ""
        observation = Observation(f"refused: {problem}", "refused")
        self.result.observations.append(observation)
        self.log.log("finish_refused", step=n, reason=problem, refused=self.refused)
        self.say(f"    <- (refused) {problem[:200]}")
        if self.plan is not None:
            observation.text += "\n" + self.plan.status_line()
            self.focus = self.plan.tools_for_current()
        self.messages.append(self.fmt.observation_message(self.last_reply or ChatResult(""), observation))
        if self.refused >= MAX_REFUSED:
            self.result.stop_reason = "unverified"
            self.log.log("stopped", step=n, reason="the finish was refused too often")
            return True
        return False

    def finish_problem(self) -> str:
        """Why the work cannot be called done yet ("" when it can)."""
        if workspace_test_files(self.workspace):
            if self.last_tests is None or self.changed_since_tests:
                self.say("    (finish: running the tests first)")
                self.run_tests_now()
            summary = self.last_tests
            assert summary is not None
            if summary.ok:
                return ""
            return f"final_answer is refused: the tests do not pass yet.\n{summary.text()}"
        if self.techniques.self_tests and self.refused == 0:
            return ("final_answer is refused: there are no tests yet. Write a test file (e.g. "
                    "test_<module>.py) with pytest tests of normal and edge cases, call "
                    "run_tests, then finish.")
        if self.last_run_ok and not self.changed_since_run:
            return ""
        return ("final_answer is refused: nothing has checked the work yet. Write tests and call "
                "run_tests, or run the code with run_python, then finish.")

    def should_stop(self, n: int) -> bool:
        """Stop on a loop (the same write a third time) or after NO_PROGRESS_STEPS steps without
        progress (no file changed, no test gained, no plan step done)."""
        reason = ""
        if self.looping:
            reason, why = "loop", "the same write was made three times"
        elif n - self.last_progress >= NO_PROGRESS_STEPS:
            reason, why = "no_progress", f"{NO_PROGRESS_STEPS} steps without progress"
        if not reason:
            return False
        self.result.stop_reason = reason
        self.log.log("stopped", step=n, reason=why)
        self.say(f"[{n}] stopped: {why}")
        return True

    # -- best of n --------------------------------------------------------------------------------
    def should_sample(self) -> bool:
        s = self.last_tests
        return (self.techniques.best_of > 1 and self.failing_in_row >= BEST_OF_AFTER
                and self.best_of_rounds < MAX_BEST_OF_ROUNDS and s is not None and not s.ok
                and not self.changed_since_tests and self.sample_target() is not None)

    def sample_target(self) -> Path | None:
        """The file to sample: the code file written last (not a test), else the only one."""
        for path in reversed(self.written):
            name = path.split("/")[-1]
            if path.endswith(".py") and not name.startswith("test_") and (self.workspace / path).is_file():
                return self.workspace / path
        tests = set(workspace_test_files(self.workspace))
        code = [p for p in self.workspace.rglob("*.py") if p not in tests
                and not any(part.startswith(".") for part in p.relative_to(self.workspace).parts)]
        return code[0] if len(code) == 1 else None

    def sample(self, n: int) -> None:
        """Best of n: whole new versions of the failing file, judged by the tests; the outcome is
        added to the observation the model reads next."""
        target = self.sample_target()
        assert target is not None and self.last_tests is not None
        name = str(target.relative_to(self.workspace))
        tests = {str(p.relative_to(self.workspace)): p.read_text(encoding="utf-8", errors="replace")
                 for p in workspace_test_files(self.workspace)[:3]}
        messages = best_of_messages(self.task, name, target.read_text(encoding="utf-8"), tests,
                                    self.last_tests)
        self.say(f"[{n}] best of {self.techniques.best_of}: sampling {name}")

        def judge() -> TestSummary:
            self.test_runs += 1
            return run_pytest(self.workspace)

        start = time.perf_counter()
        outcome = best_of_n(self.llm, messages, self.techniques.best_of, target, judge,
                            current=self.last_tests, seed=self.seed or 0, progress=self.say)
        self.best_of_rounds += 1
        self.failing_in_row = 0
        self.result.prompt_tokens += outcome.prompt_tokens
        self.result.completion_tokens += outcome.completion_tokens
        self.result.seconds += outcome.seconds
        kept = outcome.candidates[outcome.kept].summary
        self.log.log("best_of", step=n, target=name, kept=outcome.kept,
                     scores=[c.summary.figures() if c.summary else c.note for c in outcome.candidates],
                     seconds=round(time.perf_counter() - start, 2))
        if kept is not None:
            self.test_runs -= 1  # note_tests counts it again
            self.note_tests(kept)
            if outcome.kept:
                self.last_progress = n
            if kept.ok and self.plan is not None:
                self.advance_plan(n, "run_tests", {}, True, True)
        report = outcome.report()
        if kept is not None and not kept.ok:
            report += "\n" + kept.text()
        self.messages[-1]["content"] += "\n\n" + report


def planning_registry(workspace: Path, on_tests: Any = None,
                      approve: Approver = deny_risky) -> ToolRegistry:
    """Phase 4's tools (shared.context.build_registry) with run_tests before final_answer."""
    phase4 = build_registry(workspace, approve=approve)
    tools = [t.function for name, t in phase4.tools.items() if name != "final_answer"]
    return ToolRegistry([*tools, run_tests_tool(workspace, on_tests), final_answer])


def run_planning_agent(llm: ChatBackend, task: str, workspace: Path, *, seed: int = 0,
                       max_steps: int = 30, techniques: Techniques | None = None,
                       trajectory_path: Path | None = None, quiet: bool = True,
                       temperature: float = 0.0) -> PlanningResult:
    """Run the phase 5 agent on `task` in `workspace` (which must hold the task's starting files);
    temperature 0 is greedy (several seeds then differ only where the agent samples itself)."""
    agent = PlanningAgent(llm, Path(workspace), techniques, seed=seed, max_steps=max_steps,
                          temperature=temperature, verbose=not quiet)
    return agent.run(task, trajectory_path)
