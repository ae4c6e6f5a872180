"""The context manager: truncation with a marker, whole turns dropped, summaries that keep the task,
and the cost of each strategy in prompt tokens sent and evaluated (scripted model)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.context.context_agent import ContextAgent
from shared.context.context_manager import (
    SUMMARY_HEADER,
    SUMMARY_REQUEST,
    ContextBudget,
    ContextManager,
    get_policy,
    turn_starts,
)
from shared.context.context_plot import context_sizes, requests_over_budget
from shared.context.token_count import WordCounter, estimate_tokens
from shared.context.truncation import cut_middle
from shared.llm import ScriptedBackend
from shared.tools.file_tools import build_registry

LOG = "\n".join(f"log line {n}: " + "word " * 8 for n in range(1, 101))


# Truncation --------------------------------------------------------------------------------------
def test_a_short_output_is_left_alone() -> None:
    assert cut_middle("short", 50, estimate_tokens) == "short"


def test_a_long_output_keeps_head_and_tail_and_names_the_cut_lines() -> None:
    text = cut_middle(LOG, 300, estimate_tokens, lambda a, b: f"they are lines {a}-{b} of x")
    lines = text.splitlines()
    assert lines[0].startswith("log line 1:") and lines[-1].startswith("log line 100:")
    marker = next(line for line in lines if line.startswith("[..."))
    first, last = (int(n) for n in marker.split("are lines ")[1].split(" ")[0].split("-"))
    assert lines[lines.index(marker) - 1].startswith(f"log line {first - 1}:")
    assert lines[lines.index(marker) + 1].startswith(f"log line {last + 1}:")
    assert f"{last - first + 1} lines cut" in marker
    default = cut_middle(LOG, 300, estimate_tokens)
    assert f"they were lines {first}-{last} of 100 ..." in default
    assert estimate_tokens(text) <= 300


def test_one_enormous_line_is_cut_by_characters() -> None:
    text = cut_middle("x" * 20000, 100, lambda s: len(s) // 4)
    assert "characters cut" in text and len(text) < 1000


def manager(strategy: str = "combined", window: int = 2000, reserve: int = 200, **changes):
    return ContextManager(ContextBudget(window, reserve), get_policy(strategy, **changes),
                          WordCounter())


def test_a_cut_read_file_output_says_which_lines_to_read_again() -> None:
    numbered = "\n".join(f"{n:>3}| value_{n} = " + "x " * 10 for n in range(40, 120))
    text = manager(truncate_tokens=200).shrink_observation(
        f"pkg/a.py, lines 40-119 of 300:\n{numbered}", "read_file", 3, None)
    marker = next(line for line in text.splitlines() if line.startswith("[..."))
    start = int(marker.split("start=")[1].split(",")[0])
    end = int(marker.split("end=")[1].split(")")[0])
    kept_before = text.splitlines()[text.splitlines().index(marker) - 1]
    kept_after = text.splitlines()[text.splitlines().index(marker) + 1]
    assert f"read_file(path='pkg/a.py', start={start}, end={end})" in marker
    assert int(kept_before.split("|")[0]) == start - 1 and int(kept_after.split("|")[0]) == end + 1


def test_a_cut_tool_output_is_saved_whole_in_the_workspace(tmp_path: Path) -> None:
    text = manager(truncate_tokens=150).shrink_observation(LOG, "run_shell", 7, tmp_path)
    saved = tmp_path / ".agent" / "outputs" / "step-7-run_shell.txt"
    assert saved.read_text() == LOG
    assert "read_file(path='.agent/outputs/step-7-run_shell.txt'" in text


# Whole turns -------------------------------------------------------------------------------------
PINNED = [{"role": "system", "content": "rules"}, {"role": "user", "content": "THE TASK"}]


def turn(n: int, size: int = 20, native: bool = False) -> list[dict]:
    """One turn: the model's call and the observation that answers it."""
    if native:
        return [{"role": "assistant", "content": "", "tool_calls": [
                    {"id": f"c{n}", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": f"c{n}", "content": f"result {n} " + "w " * size}]
    return [{"role": "assistant", "content": f"call {n}"},
            {"role": "user", "content": f"Observation {n}: " + "w " * size}]


def calls_and_results_stay_together(messages: list[dict], head: int) -> bool:
    """Every observation follows the call it answers; a native tool result follows its call."""
    for i, message in enumerate(messages[head:], start=head):
        if message["role"] == "tool":
            call = messages[i - 1]
            if call.get("tool_calls", [{}])[0].get("id") != message["tool_call_id"]:
                return False
        if message["content"].startswith("Observation"):
            n = message["content"].split()[1].rstrip(":")
            if messages[i - 1]["content"] != f"call {n}":
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=25), native=st.booleans(),
       keep=st.integers(1, 6))
def test_dropping_history_never_separates_a_result_from_its_call(sizes, native, keep) -> None:
    m = manager("selective", keep_turns=keep)
    messages = [dict(x) for x in PINNED]
    m.start(pinned=len(messages))
    for n, size in enumerate(sizes):
        messages += turn(n, size, native)
        m.fit(messages, None, summarise=lambda request: "summary")
        assert messages[:2] == PINNED
        assert len(turn_starts(messages, m.head)) == min(keep, n + 1)
        assert calls_and_results_stay_together(messages, m.head)


def test_a_summary_replaces_the_old_turns_and_keeps_task_and_recent_turns() -> None:
    m = manager("summarisation", summarise_every=3, keep_recent=2)
    messages = [dict(x) for x in PINNED]
    m.start(pinned=2)
    asked: list[list[dict]] = []

    def summarise(request):
        asked.append(request)
        return "Task: the task. Done: calls 0-2. Plan: call 3, then answer. Facts: none."

    for n in range(4):
        messages += turn(n)
        m.shrink_observation("output", "f", n, None)  # one tool call each
        events = m.fit(messages, None, summarise)
    assert [e["how"] for e in events] == []  # the summary came at the third call, not the fourth
    assert len(asked) == 1
    request = asked[0]
    assert request[-1] == {"role": "user", "content": SUMMARY_REQUEST}
    assert request[:-1][:8] == PINNED + turn(0) + turn(1) + turn(2)  # appended: the prefix stays
    assert messages[:2] == PINNED  # the task is still there, word for word
    assert messages[2]["content"].startswith(SUMMARY_HEADER) and "Plan: call 3" in messages[2]["content"]
    assert messages[3:] == turn(1) + turn(2) + turn(3)


def scripted_llm(actions: list[dict]) -> ScriptedBackend:
    """A model that plays `actions` in order and answers every summary request with a summary."""
    plan = iter(actions)

    def reply(messages):
        if messages[-1]["content"] == SUMMARY_REQUEST:
            return "Task: count lines. Done: read files. Plan: keep reading, then answer. Facts: -"
        return json.dumps({"think": "next", **next(plan)})

    return ScriptedBackend(reply)


def long_session(workspace: Path, reads: int) -> list[dict]:
    """Read many windows of a long file, then answer: the history outgrows any small budget."""
    (workspace / "big.py").write_text("".join(f"value_{n} = {n}  # " + "pad " * 6 + "\n"
                                              for n in range(1, 2001)))
    actions = [{"name": "read_file", "arguments": {"path": "big.py", "start": 1 + 15 * i,
                                                    "end": 15 + 15 * i}} for i in range(reads)]
    return actions + [{"name": "final_answer", "arguments": {"answer": "done"}}]


def run_strategy(strategy: str, workspace: Path, reads: int = 14, window: int = 3600):
    actions = long_session(workspace, reads)
    agent = ContextAgent(scripted_llm(actions), build_registry(workspace, engine="python"),
                         ContextBudget(window, 300), strategy, workspace=workspace,
                         max_steps=len(actions) + 2, action_format="json", demonstrate=False)
    return agent.run("Read big.py window by window, then answer done.",
                     workspace / f"{strategy}.jsonl")


def test_without_a_strategy_the_run_stops_before_overflowing(tmp_path: Path) -> None:
    result = run_strategy("none", tmp_path)
    assert result.stop_reason == "context_overflow"
    assert result.over_budget == [result.requests[-1]]
    events = [json.loads(line) for line in result.trajectory.read_text().splitlines()]
    assert any(e["kind"] == "context_overflow" for e in events)
    replies = sum(e["kind"] == "llm_reply" for e in events)
    assert replies == len(result.requests) - 1  # the request over the budget was never sent


def test_every_strategy_that_manages_keeps_every_request_in_budget(tmp_path: Path) -> None:
    for strategy in ("truncation", "summarisation", "selective", "combined"):
        workspace = tmp_path / strategy
        workspace.mkdir()
        result = run_strategy(strategy, workspace, reads=5 if strategy == "truncation" else 14)
        assert result.stop_reason == "final_answer", (strategy, result.stop_reason)
        assert requests_over_budget(result.trajectory) == [], strategy
        assert result.max_request <= result.budget
        rows = context_sizes(result.trajectory)
        assert len(rows) == len(result.requests) and rows[0]["prompt_tokens"] > 0


def test_appending_costs_fewer_evaluated_tokens_than_a_sliding_window(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sliding = run_strategy("selective", tmp_path / "a")
    compacting = run_strategy("combined", tmp_path / "b")
    assert sliding.finished and compacting.finished
    assert compacting.compactions >= 1
    # Every request of the sliding window re-evaluates its whole window after the pinned part;
    # the append-only history re-evaluates only after a compaction.
    assert compacting.evaluated_tokens < sliding.evaluated_tokens
    assert all(r.evaluated < r.sent for r in compacting.requests[1:])


def test_the_trajectory_records_the_counts_of_every_request(tmp_path: Path) -> None:
    result = run_strategy("combined", tmp_path, reads=6)
    events = [json.loads(line) for line in result.trajectory.read_text().splitlines()]
    start = events[0]["meta"]
    assert start["strategy"] == "combined" and start["budget"] == 3300 and start["counter"] == "words"
    contexts = [e for e in events if e["kind"] == "context"]
    assert [e["prompt_tokens"] for e in contexts] == [r.sent for r in result.requests]
    assert all(e["evaluated_tokens"] <= e["prompt_tokens"] for e in contexts)
    reported = [e["prompt_tokens"] for e in events if e["kind"] == "llm_reply"]
    assert len(reported) == len([r for r in result.requests if r.kind == "action"])


def test_a_reply_cut_off_by_its_token_limit_keeps_only_its_head(tmp_path: Path) -> None:
    """Measured with the 0.5B: three cut-off replies of 700 tokens each filled the budget."""
    from shared.llm import ChatResult

    cut_off = ChatResult('{"think": "I add docstrings", "name": "edit_file", "arguments": {"new": "'
                         + "def f(): pass " * 300, finish_reason="length")
    final = json.dumps({"name": "final_answer", "arguments": {"answer": "done"}})
    sizes = {}
    for strategy in ("none", "combined"):
        agent = ContextAgent(ScriptedBackend([cut_off, final]), build_registry(tmp_path),
                             strategy=strategy, action_format="json", demonstrate=False)
        result = agent.run("Add docstrings.", tmp_path / f"{strategy}.jsonl")
        kept = next(m["content"] for m in result.messages if m["role"] == "assistant")
        sizes[strategy] = estimate_tokens(kept)
        logged = next(json.loads(line) for line in result.trajectory.read_text().splitlines()
                      if '"llm_reply"' in line)
        assert logged["content"] == cut_off.content  # the trajectory keeps the whole reply
        assert result.finished
    assert sizes["none"] > 1000 and sizes["combined"] <= 150
