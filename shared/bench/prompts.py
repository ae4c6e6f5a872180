"""The prompts every agent generation sends, built by the generation's own code, as text.

    prompts = generation_prompts()        # {"phase3_agent_json": "...", "phase5_plan_request": ...}
    messages = generation_messages()["phase4_context_agent"]   # the same as chat messages

The prompt regression suite (shared.bench.prompt_regression) keeps a golden copy of each under
shared/bench/regression/prompts/, so that a change to a prompt shows up as a failing test with a
diff; the reply sampler (shared.bench.reply_sampler) sends the same messages to a live model.
A workspace path would differ from machine to machine: it is written as <WORKSPACE>, the task
as the fixed TASK below.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from shared.agent import Agent, ToolRegistry, final_answer
from shared.code_loop.prompts import NO_CODE_NUDGE, SYSTEM_PROMPT, error_message, task_message
from shared.context import ContextAgent, ContextBudget
from shared.context.context_manager import SUMMARY_REQUEST
from shared.llm.scripted import ScriptedBackend
from shared.planning import planning
from shared.planning.planning_agent import PlanningAgent
from shared.planning.self_eval import best_of_messages
from shared.tools import build_registry, workspace_tools
from shared.tools.test_runner import TestSummary

TASK = ("Implement the function `clamp` in `clamp.py`. Its signature and docstring (with examples) "
        "are already in the file: replace `raise NotImplementedError` with a body that does what "
        "the docstring says, edge cases included. Keep the function's name and parameters.")
STUB = ('def clamp(value: float, low: float, high: float) -> float:\n'
        '    """Return value limited to the range [low, high].\n\n'
        '    >>> clamp(5, 0, 10)\n    5\n    >>> clamp(-1, 0, 10)\n    0\n    """\n'
        '    raise NotImplementedError\n')
WORKSPACE = "<WORKSPACE>"
Messages = list[dict[str, Any]]


def _plain_system() -> str:
    from shared.bench.generations import PLAIN_SYSTEM  # generations imports this package's users

    return PLAIN_SYSTEM


def generation_messages(workspace: Path | None = None) -> dict[str, Messages]:
    """name -> the messages that generation sends first (plus the side requests: plan, replan,
    summary, best-of, the phase 2 feedback turns), built in a scratch workspace."""
    with tempfile.TemporaryDirectory(prefix="agentlab-prompts-") as scratch:
        ws = Path(workspace or scratch)
        (ws / "clamp.py").write_text(STUB, encoding="utf-8")
        llm = ScriptedBackend([])
        out: dict[str, Messages] = {
            "plain": [{"role": "system", "content": _plain_system()},
                      {"role": "user", "content": TASK}],
            "phase2_loop": [{"role": "system", "content": SYSTEM_PROMPT},
                            {"role": "user", "content": task_message(TASK, ["clamp.py"])}],
            "phase2_feedback": [
                {"role": "user", "content": NO_CODE_NUDGE},
                {"role": "user", "content": error_message(
                    'Traceback (most recent call last):\n  File "main.py", line 1, in <module>\n'
                    "ModuleNotFoundError: No module named 'pandas'", "", 1, WORKSPACE)}],
        }
        phase3 = ToolRegistry(workspace_tools(ws) + [final_answer])
        for fmt in ("json", "tags", "native", "constrained"):
            out[f"phase3_agent_{fmt}"] = Agent(llm, phase3, fmt).initial_messages(TASK)
        context = ContextAgent(llm, build_registry(ws), ContextBudget(8192, 700), "combined",
                               workspace=ws)
        out["phase4_context_agent"] = context.initial_messages(TASK)
        out["phase4_summary_request"] = [{"role": "user", "content": SUMMARY_REQUEST}]
        out["phase5_planning_agent"] = PlanningAgent(llm, ws).initial_messages(TASK)
        out["phase5_plan_request"] = planning.plan_request(TASK, "clamp.py")
        out["phase5_replan_request"] = planning.replan_request(
            TASK, "1. [done] Implement clamp\n2. [now] Run the tests with run_tests", 2,
            "Run the tests with run_tests", "run_tests failed 2 times in a row")
        failing = TestSummary(passed=1, failed=1, returncode=1, target=".")
        out["phase5_best_of"] = best_of_messages(TASK, "clamp.py", STUB,
                                                 {"test_clamp.py": "def test_x(): ..."}, failing)
        return {name: _placeholder(messages, ws) for name, messages in out.items()}


def _placeholder(messages: Messages, ws: Path) -> Messages:
    text = json.dumps(messages, ensure_ascii=False)
    for spelling in {str(ws), str(ws.resolve())}:
        text = text.replace(json.dumps(spelling)[1:-1], WORKSPACE)
    return json.loads(text)


def render(messages: Messages) -> str:
    """Messages as a readable text: a header per message, its content as it is."""
    parts = []
    for i, message in enumerate(messages):
        parts.append(f"===== {i} {message['role']} =====\n{message.get('content', '')}")
    return "\n".join(parts) + "\n"


def generation_prompts() -> dict[str, str]:
    """name -> the rendered messages of generation_messages()."""
    return {name: render(messages) for name, messages in generation_messages().items()}


def action_requests(workspace: Path | None = None) -> dict[str, dict[str, Any]]:
    """The extra keyword arguments each agent format passes to llm.chat (the tools, the JSON
    schema of constrained decoding): a change to a tool's signature changes them."""
    with tempfile.TemporaryDirectory(prefix="agentlab-prompts-") as scratch:
        ws = Path(workspace or scratch)
        llm = ScriptedBackend([])
        registry = ToolRegistry(workspace_tools(ws) + [final_answer])
        return {fmt: Agent(llm, registry, fmt).fmt.request(registry)
                for fmt in ("native", "constrained")}
