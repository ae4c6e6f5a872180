"""The orchestrator: plain code (no model) that routes a goal through the planner, the coder and
the reviewer, and logs every message between them.

    result = run_team(get_llm(), "Create words.py ... all tests pass.", Path("ws"))
    result.finished, result.stop_reason, result.steps, result.message_log

The rules, in the order they apply:
1. The planner splits the goal into subtasks (one call, no tools; planner.py).
2. For each subtask, the coder works on it (briefs.py says what it is told), then the reviewer
   checks it and approves or rejects with feedback (verdict.py).
3. Rejected: the coder tries again with the feedback, up to MAX_ATTEMPTS attempts in all.
4. Still rejected: the planner replans what is left, given the feedback (at most MAX_REPLANS
   times); then the team gives up ("rejected").
5. An approval must hold up: when the workspace has tests and the reviewer did not run them,
   the orchestrator runs them; an approval the tests contradict is turned into a rejection with
   the failures as feedback ("overruled"), and a reply with no readable verdict is decided by
   the tests (or rejected when there are none).
6. Budgets: at most `max_steps` model replies over every agent and every planner call (the
   benchmark gives each generation the same number), and `time_limit_s` seconds; each is
   checked before an agent starts, and the time also before every step inside an agent's turn,
   so the run always ends.

The result has the fields the benchmark reads from any agent: finished, steps, prompt and
completion tokens, valid actions, stop_reason. Every agent appends its events to one trajectory
file (each run starts with its role); the messages go to `<trajectory stem>.messages.jsonl`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.agent.guardrails import Approver, deny_risky
from shared.llm import ChatBackend
from shared.multiagent.briefs import coder_brief, review_brief
from shared.multiagent.message_log import MessageLog, describe_message, message_log_path
from shared.multiagent.planner import PlannerReply, make_plan, make_replan, plan_request
from shared.multiagent.roles import REPLY_TOKENS, Coder, Reviewer
from shared.multiagent.verdict import Verdict, VerdictUnreadable, parse_verdict
from shared.planning.self_eval import write_example_tests
from shared.tools.test_runner import TestSummary, run_pytest, workspace_test_files
from shared.trajectory import Trajectory, new_trajectory_path

MAX_STEPS = 20        # model replies in all (the benchmark's budget for every generation)
MAX_ATTEMPTS = 3      # coder attempts per subtask: the first and two with feedback
MAX_REPLANS = 1
CODER_STEPS = 8       # replies one coder attempt may take
REVIEW_STEPS = 4      # replies one review may take
TIME_LIMIT_S = 800.0  # seconds (the benchmark kills a run at 900)
IGNORED = ("__pycache__", ".pytest_cache", ".agentlab")


@dataclass
class TeamResult:
    """How a team run ended. stop_reason: "approved" (every subtask approved), "rejected"
    (attempts and replans used up), "step_limit", "time_limit" or "llm_error"."""

    task: str
    answer: str = ""
    stop_reason: str = ""
    steps: int = 0                 # model replies, every agent and planner call
    valid_actions: int = 0         # replies that could be acted on (a valid action, a plan read)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    subtasks: list[str] = field(default_factory=list)   # the plan at the end
    done: list[str] = field(default_factory=list)       # the subtasks approved
    coder_runs: int = 0
    reviews: int = 0
    approvals: int = 0
    rejections: int = 0
    overruled: int = 0             # approvals the tests contradicted
    replans: int = 0
    test_checks: int = 0           # test runs made by the orchestrator itself
    tokens_by_role: dict[str, int] = field(default_factory=dict)
    trajectory: Path | None = None
    message_log: Path | None = None

    @property
    def finished(self) -> bool:
        return self.stop_reason == "approved"


@dataclass
class Attempt:
    """One coder attempt: what it said, which files it changed, how its run ended."""

    summary: str
    changed: list[str]
    stop_reason: str
    tokens: int


def snapshot(workspace: Path) -> dict[str, str]:
    """{path relative to the workspace: SHA-256} of every file (caches left out)."""
    files = {}
    for path in sorted(Path(workspace).rglob("*")):
        relative = path.relative_to(workspace)
        if path.is_file() and not any(part in IGNORED for part in relative.parts):
            files[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files added, changed or removed between two snapshots."""
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


class Orchestrator:
    """Routes a goal through planner -> coder -> reviewer, with retries, replans and budgets."""

    def __init__(self, llm: ChatBackend, workspace: Path, *, max_steps: int = MAX_STEPS,
                 time_limit_s: float = TIME_LIMIT_S, max_attempts: int = MAX_ATTEMPTS,
                 max_replans: int = MAX_REPLANS, coder_steps: int = CODER_STEPS,
                 review_steps: int = REVIEW_STEPS, max_tokens: int = REPLY_TOKENS,
                 temperature: float = 0.0, seed: int | None = 0, example_tests: bool = True,
                 approve: Approver = deny_risky, verbose: bool = False,
                 agent_steps: bool = True) -> None:
        """example_tests: turn the goal's docstring examples into tests first (as phase 5).
        verbose: print each message as it is sent, and (agent_steps) each agent's steps."""
        self.llm, self.workspace = llm, Path(workspace).resolve()
        self.max_steps, self.time_limit_s = max_steps, time_limit_s
        self.max_attempts, self.max_replans = max_attempts, max_replans
        self.coder_steps, self.review_steps = coder_steps, review_steps
        self.temperature, self.seed = temperature, seed
        self.example_tests, self.verbose = example_tests, verbose
        options = {"max_tokens": max_tokens, "temperature": temperature, "seed": seed,
                   "verbose": verbose and agent_steps}
        self.coder = Coder(llm, self.workspace, approve=approve, **options)
        self.reviewer = Reviewer(llm, self.workspace, **options)
        self.result = TeamResult(task="")
        self.started = 0.0

    # -- the run --------------------------------------------------------------------------------
    def run(self, goal: str, trajectory_path: Path | None = None) -> TeamResult:
        """Work on `goal` until every subtask is approved or a limit is reached."""
        self.started = time.perf_counter()
        self.coder.deadline = self.reviewer.deadline = self.started + self.time_limit_s
        self.trajectory = Path(trajectory_path or new_trajectory_path("phase6", goal))
        self.trajectory.parent.mkdir(parents=True, exist_ok=True)
        self.log = MessageLog(message_log_path(self.trajectory),
                              echo=self.show if self.verbose else None)
        self.result = TeamResult(task=goal, trajectory=self.trajectory,
                                 message_log=self.log.path)
        if self.example_tests:
            write_example_tests(self.workspace, goal)
        self.result.stop_reason = self.work(goal)
        r = self.result
        r.seconds = round(time.perf_counter() - self.started, 2)
        r.answer = (f"{len(r.done)} of {len(r.done) + len(r.subtasks)} subtasks approved "
                    f"({r.stop_reason}); {r.steps} replies, {r.replans} replans")
        self.log.send("orchestrator", "user", "result", r.answer, stop_reason=r.stop_reason,
                      steps=r.steps, done=r.done, left=r.subtasks)
        return r

    def work(self, goal: str) -> str:
        """The routing loop; returns the stop reason."""
        plan = self.plan(goal)
        if plan.error:
            return "llm_error"
        self.result.subtasks = list(plan.subtasks)
        while self.result.subtasks:
            subtask = self.result.subtasks[0]
            verdict, stop = self.attempts(goal, subtask, last=len(self.result.subtasks) == 1)
            if stop:
                return stop
            assert verdict is not None
            if verdict.approved:
                self.result.done.append(self.result.subtasks.pop(0))
                continue
            if self.result.replans >= self.max_replans:
                return "rejected"
            stop = self.out_of_budget(3)  # a plan, a coder reply and a reviewer reply
            if stop:
                return stop
            plan = self.replan(goal, subtask, verdict.feedback)
            if plan.error:
                return "llm_error"
            self.result.subtasks = list(plan.subtasks)
        return "approved"

    def attempts(self, goal: str, subtask: str, last: bool) -> tuple[Verdict | None, str]:
        """Coder and reviewer on one subtask until it is approved or MAX_ATTEMPTS are used:
        (the last verdict, "") or (None, the reason to stop)."""
        verdict, feedback = None, ""
        for attempt in range(1, self.max_attempts + 1):
            stop = self.out_of_budget(2)  # a coder reply and a reviewer reply
            if stop:
                return None, stop
            work = self.code(goal, subtask, feedback, attempt)
            if work.stop_reason in ("llm_error", "time_limit"):
                return None, work.stop_reason
            stop = self.out_of_budget(1)
            if stop:
                return None, stop
            verdict = self.review(goal, subtask, work, last, attempt)
            if verdict is None:
                return None, "llm_error"
            if verdict.approved:
                return verdict, ""
            feedback = verdict.feedback
        return verdict, ""

    # -- the agents -----------------------------------------------------------------------------
    def plan(self, goal: str) -> PlannerReply:
        files = ", ".join(list(snapshot(self.workspace))[:20]) or "none"
        request = plan_request(goal, files)
        self.log.send("orchestrator", "planner", "goal", request[-1]["content"])
        reply = make_plan(self.llm, goal, files, self.seed, self.temperature)
        return self.planned(reply, "plan")

    def replan(self, goal: str, subtask: str, feedback: str) -> PlannerReply:
        self.result.replans += 1
        self.log.send("orchestrator", "planner", "replan",
                      f"The subtask \"{subtask}\" was rejected {self.max_attempts} times. "
                      f"The reviewer's last feedback:\n{feedback}", subtask=subtask)
        reply = make_replan(self.llm, goal, self.result.done, subtask, self.max_attempts,
                            feedback, self.seed, self.temperature)
        return self.planned(reply, "plan")

    def planned(self, reply: PlannerReply, kind: str) -> PlannerReply:
        """Count a planner call, add it to the trajectory, and send its plan."""
        if not reply.error:
            self.count("planner", 1, int(reply.readable), reply.prompt_tokens,
                       reply.completion_tokens)
        with Trajectory(self.trajectory, meta={"role": "planner", "model": self.llm.describe()}) as t:
            if reply.error:
                t.log("llm_error", step=1, error=reply.error)
            else:
                t.log("llm_reply", step=1, content=reply.reply, prompt_tokens=reply.prompt_tokens,
                      completion_tokens=reply.completion_tokens, latency_s=reply.seconds)
            t.log("plan", subtasks=reply.subtasks, note=reply.note)
        content = "\n".join(f"{i}. {s}" for i, s in enumerate(reply.subtasks, 1))
        self.log.send("planner", "orchestrator", kind, content, tokens=reply.tokens,
                      note=reply.note, error=reply.error)
        return reply

    def code(self, goal: str, subtask: str, feedback: str, attempt: int) -> Attempt:
        tests = [p.relative_to(self.workspace).as_posix()
                 for p in workspace_test_files(self.workspace)]
        brief = coder_brief(goal, subtask, self.result.done, feedback, tests)
        self.log.send("orchestrator", "coder", "subtask", brief, subtask=subtask, attempt=attempt)
        self.coder.max_steps = min(self.coder_steps, self.steps_left() - 1)
        before = snapshot(self.workspace)
        run = self.coder.run(brief, self.trajectory)
        changed = changed_files(before, snapshot(self.workspace))
        tokens = self.count("coder", run.steps, run.valid_actions, run.prompt_tokens,
                            run.completion_tokens)
        self.result.coder_runs += 1
        summary = run.answer if run.finished else f"(no summary: the coder stopped: {run.stop_reason})"
        return Attempt(summary, changed, run.stop_reason, tokens)

    def review(self, goal: str, subtask: str, work: Attempt, last: bool,
               attempt: int) -> Verdict | None:
        """The reviewer's verdict on one attempt (None: the model failed)."""
        brief = review_brief(goal, subtask, work.summary, work.changed, last)
        self.log.send("coder", "reviewer", "review_request", brief, tokens=work.tokens,
                      subtask=subtask, attempt=attempt, files=work.changed,
                      coder_stop=work.stop_reason)
        self.reviewer.max_steps = min(self.review_steps, self.steps_left())
        run = self.reviewer.run(brief, self.trajectory)
        tokens = self.count("reviewer", run.steps, run.valid_actions, run.prompt_tokens,
                            run.completion_tokens)
        self.result.reviews += 1
        if run.stop_reason == "llm_error":
            return None
        verdict = self.judge(run.answer if run.finished else "", run.stop_reason,
                             self.reviewer.last_tests)
        self.result.approvals += verdict.approved
        self.result.rejections += not verdict.approved
        self.result.overruled += verdict.source == "overruled"
        word = "APPROVE" if verdict.approved else "REJECT"
        self.log.send("reviewer", "orchestrator" if verdict.approved else "coder", "verdict",
                      f"{word}: {verdict.feedback}".rstrip(": "), tokens=tokens,
                      decision=verdict.decision, source=verdict.source, note=verdict.note,
                      subtask=subtask, attempt=attempt)
        return verdict

    # -- rule 5: an approval must hold up --------------------------------------------------------
    def judge(self, answer: str, stop_reason: str, tests: TestSummary | None) -> Verdict:
        """The verdict to act on, from the reviewer's answer and the tests (see rule 5)."""
        parsed, note = None, ""
        if answer:
            try:
                parsed = parse_verdict(answer)
            except VerdictUnreadable as err:
                note = str(err)
        else:
            note = f"the reviewer stopped without a verdict ({stop_reason})"
        has_tests = bool(workspace_test_files(self.workspace))
        tests = tests if has_tests else None  # "no tests ran" says nothing about the work
        if has_tests and tests is None and (parsed is None or parsed.approved):
            tests = run_pytest(self.workspace)  # the files are as the reviewer saw them
            self.result.test_checks += 1
        if parsed is None:
            if tests is None:
                return Verdict("reject", "The reviewer gave no verdict and there are no tests to "
                               "decide: check the work against the subtask.", "tests", note)
            return Verdict("approve" if tests.ok else "reject",
                           "" if tests.ok else tests.text(), "tests", note)
        if parsed.approved and tests is not None and not tests.ok:
            return Verdict("reject", tests.text(), "overruled",
                           "the reviewer approved, but the tests fail")
        if not parsed.approved and not parsed.feedback.strip():
            parsed.feedback = tests.text() if tests is not None else "(the reviewer said no more)"
        return parsed

    # -- budgets and bookkeeping -----------------------------------------------------------------
    def steps_left(self) -> int:
        return self.max_steps - self.result.steps

    def out_of_budget(self, replies: int) -> str:
        """"step_limit" or "time_limit" when the next hand-over cannot fit, else ""."""
        if self.steps_left() < replies:
            return "step_limit"
        if time.perf_counter() - self.started > self.time_limit_s:
            return "time_limit"
        return ""

    def count(self, role: str, steps: int, valid: int, prompt: int, completion: int) -> int:
        """Add one agent run's figures to the result; returns its tokens."""
        r = self.result
        r.steps += steps
        r.valid_actions += valid
        r.prompt_tokens += prompt
        r.completion_tokens += completion
        r.tokens_by_role[role] = r.tokens_by_role.get(role, 0) + prompt + completion
        return prompt + completion

    def show(self, message: dict[str, Any]) -> None:
        print(f"\n>>> {describe_message(message)}", flush=True)


def run_team(llm: ChatBackend, goal: str, workspace: Path, *, seed: int | None = 0,
             max_steps: int = MAX_STEPS, trajectory_path: Path | None = None,
             temperature: float = 0.0, verbose: bool = False, **options: Any) -> TeamResult:
    """Run the planner/coder/reviewer team on `goal` in `workspace` (its starting files there)."""
    team = Orchestrator(llm, workspace, max_steps=max_steps, temperature=temperature, seed=seed,
                        verbose=verbose, **options)
    return team.run(goal, trajectory_path)
