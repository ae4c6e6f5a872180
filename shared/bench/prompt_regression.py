"""The prompt regression suite: recorded model replies replayed through today's parsers, and the
prompts every generation sends compared with their golden copies.

    passed, lines = run_regression_suite()      # what phase 5's check calls; lines say why
    python -m shared.bench.prompt_regression                     # run it, one line per failure
    python -m shared.bench.prompt_regression --record-prompts    # a prompt changed on purpose
    python -m shared.bench.prompt_regression --record-replies    # a parser changed on purpose
    python -m shared.bench.prompt_regression --harvest=runs/bench,runs/phase5 --sampled=x.jsonl

Recorded replies (regression/replies.jsonl): real replies of the embedded Qwen2.5-Coder models,
taken from trajectories of live runs and from shared.bench.reply_sampler, each with the consumer
that reads it (an agent's action format, the planner, a replan, code extraction, a context
summary), where it came from, and the outcome expected: the tool and arguments, the plan's steps,
the code, or "malformed" with the reason. The expectations were recorded from the parsers and
checked by eye; a change in any parser that changes one outcome fails the suite with the
difference, and is then either a bug or a deliberate change to re-record.

Golden prompts (regression/prompts/*.txt): shared.bench.prompts renders what each generation
sends; any change to a system prompt, a worked example, a tool's description or schema shows up
as a failing test with a unified diff and the command that re-records it.
"""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.cli import parse_overrides, run_main

REGRESSION_DIR = Path(__file__).resolve().parent / "regression"
REPLIES = REGRESSION_DIR / "replies.jsonl"
PROMPTS = REGRESSION_DIR / "prompts"
REQUESTS = "requests.json"
MODULE = "python -m shared.bench.prompt_regression"
UPDATE_PROMPTS = f"{MODULE} --record-prompts"
UPDATE_REPLIES = f"{MODULE} --record-replies"
CONSUMERS = ("action:json", "action:tags", "action:native", "action:constrained", "plan", "replan",
             "code", "summary", "run:phase3")


# -- replaying one reply ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="agentlab-regression-"))


@lru_cache(maxsize=4)
def registry_for(tools: str) -> Any:
    """The tools of a generation, in a scratch workspace: validation needs their schemas."""
    from shared.agent import ToolRegistry, final_answer
    from shared.planning.planning_agent import planning_registry
    from shared.tools import build_registry, workspace_tools

    ws = _scratch() / tools
    ws.mkdir(exist_ok=True)
    if tools == "phase3":
        return ToolRegistry(workspace_tools(ws) + [final_answer])
    if tools == "phase4":
        return build_registry(ws)
    if tools == "phase5":
        return planning_registry(ws)
    raise ValueError(f"unknown tool set {tools!r}: phase3, phase4 or phase5")


def chat_result(case: dict[str, Any]) -> Any:
    from shared.llm import ChatResult
    from shared.llm.types import ToolCall

    calls = [ToolCall(c["name"], dict(c.get("arguments") or {}), c.get("id", ""))
             for c in case.get("tool_calls") or []]
    return ChatResult(case.get("reply", ""), calls, finish_reason=case.get("finish_reason") or "stop")


def replay(case: dict[str, Any]) -> dict[str, Any]:
    """The outcome today's code gives the case's reply (the same shape as case["expected"])."""
    consumer = case["consumer"]
    if consumer.startswith("action:"):
        return replay_action(case)
    if consumer in ("plan", "replan"):
        return replay_plan(case)
    if consumer == "code":
        return replay_code(case)
    if consumer == "summary":
        return replay_summary(case)
    if consumer == "run:phase3":
        return replay_run(case)
    raise ValueError(f"case {case.get('id')}: unknown consumer {consumer!r}")


def replay_action(case: dict[str, Any]) -> dict[str, Any]:
    from shared.agent import Action, get_format
    from shared.reply_checks import check_action

    fmt = get_format(case["consumer"].split(":", 1)[1])
    parsed = fmt.parse(chat_result(case))
    check = check_action(parsed, registry_for(case.get("tools", "phase3")))
    if isinstance(parsed, Action):
        return {"outcome": check.outcome, "name": parsed.name, "arguments": parsed.arguments,
                "source": parsed.source, **({"problem": check.problem} if check.problem else {})}
    return {"outcome": "malformed", "problem": check.problem, "truncated": parsed.truncated}


def replay_plan(case: dict[str, Any]) -> dict[str, Any]:
    from shared.planning import planning
    from shared.reply_checks import check_plan

    reply, task = case.get("reply", ""), case.get("task", "")
    read = planning.parse_plan_lines(reply)
    if case["consumer"] == "plan":
        plan, note = planning.Plan.from_reply(reply, task)
        steps = [s.text for s in plan.steps]
        check = check_plan(reply, read)
    else:
        steps, note = planning.fit_rest(read), ""
        check = check_plan(reply, read, minimum=planning.MIN_REST_STEPS, maximum=4)
    out: dict[str, Any] = {"outcome": check.outcome, "steps": steps}
    if note:
        out["note"] = note
    if check.problem:
        out["problem"] = check.problem
    return out


def replay_code(case: dict[str, Any]) -> dict[str, Any]:
    from shared.code_loop import extract_code
    from shared.reply_checks import check_code

    result = chat_result(case)
    code = extract_code(result.content)
    check = check_code(result.content, code, result.truncated)
    out: dict[str, Any] = {"outcome": check.outcome, "code": code}
    if check.problem:
        out["problem"] = check.problem
    return out


def replay_summary(case: dict[str, Any]) -> dict[str, Any]:
    from shared.reply_checks import check_summary

    check = check_summary(case.get("reply", ""))
    return {"outcome": check.outcome, **({"problem": check.problem} if check.problem else {})}


def replay_run(case: dict[str, Any]) -> dict[str, Any]:
    """A sequence of replies through the phase 3 agent's loop (scripted model, scratch
    workspace): what each step's observation was, how the run stopped, and the temperature each
    reply was asked at (the reply after a refused repeat is sampled, not greedy)."""
    from shared.agent import Agent
    from shared.llm.scripted import ScriptedBackend

    ws = Path(tempfile.mkdtemp(prefix="run-", dir=_scratch()))
    for name, text in (case.get("files") or {}).items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text, encoding="utf-8")
    from shared.agent import ToolRegistry, final_answer
    from shared.tools import workspace_tools

    llm = ScriptedBackend(list(case["replies"]))
    agent = Agent(llm, ToolRegistry(workspace_tools(ws) + [final_answer]), "json",
                  max_steps=len(case["replies"]))
    result = agent.run(case.get("task", "regression"), ws / "trajectory.jsonl")
    return {"stop_reason": result.stop_reason,
            "observations": [o.kind for o in result.observations],
            "temperatures": [call["options"].get("temperature") for call in llm.calls]}


# -- comparing --------------------------------------------------------------------------------------
def difference(expected: Any, observed: Any, where: str = "") -> str:
    """The first place two outcomes differ, in one line ("" when equal)."""
    if isinstance(expected, dict) and isinstance(observed, dict):
        for key in list(dict.fromkeys([*expected, *observed])):
            if key not in observed:
                return f"{where}{key}: expected {_short(expected[key])}, now missing"
            if key not in expected:
                return f"{where}{key}: now {_short(observed[key])}, not expected"
            found = difference(expected[key], observed[key], f"{where}{key}.")
            if found:
                return found
        return ""
    if expected != observed:
        return f"{where.rstrip('.') or 'value'}: expected {_short(expected)}, now {_short(observed)}"
    return ""


def _short(value: Any, limit: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_case(case: dict[str, Any]) -> tuple[bool, str]:
    """(passed, one line naming the case and, when it failed, the difference)."""
    label = f"{case.get('id', '?')} [{case['consumer']}] {case.get('hard') or ''}".rstrip()
    try:
        observed = replay(case)
    except Exception as err:  # noqa: BLE001 - a parser that raises fails its case, said
        return False, f"FAIL {label}: the replay raised {type(err).__name__}: {err}"
    diff = difference(case.get("expected"), observed)
    if diff:
        return False, (f"FAIL {label}: {diff} (source: {case.get('source', '?')}; a deliberate "
                       f"parser change? re-record: {UPDATE_REPLIES})")
    return True, f"ok   {label}"


def load_cases(path: Path = REPLIES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_cases(cases: list[dict[str, Any]], path: Path = REPLIES) -> None:
    atomic_write_text(Path(path), "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases))


def record_replies(path: Path = REPLIES) -> int:
    """Re-record every case's expected outcome from today's parsers (deliberately: read the
    diff of the file before committing it)."""
    cases = load_cases(path)
    for case in cases:
        case["expected"] = replay(case)
    write_cases(cases, path)
    return len(cases)


# -- prompts ------------------------------------------------------------------------------------------
def current_snapshots() -> dict[str, str]:
    """file name -> text: every generation's prompt, and the keyword arguments of the formats
    that send tools or a schema."""
    from shared.bench.prompts import action_requests, generation_prompts

    snapshots = {f"{name}.txt": text for name, text in generation_prompts().items()}
    snapshots[REQUESTS] = json.dumps(action_requests(), indent=2, sort_keys=True) + "\n"
    return snapshots


def check_prompts(folder: Path = PROMPTS) -> list[tuple[str, bool, str]]:
    """(file, unchanged?, a unified diff when changed) for every prompt, golden or current."""
    current = current_snapshots()
    golden = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*"))
              if p.is_file()} if Path(folder).is_dir() else {}
    out = []
    for name in sorted(set(current) | set(golden)):
        now, then = current.get(name), golden.get(name)
        if now == then:
            out.append((name, True, ""))
            continue
        diff = "".join(difflib.unified_diff(
            (then or "").splitlines(keepends=True), (now or "").splitlines(keepends=True),
            f"golden/{name}" if then is not None else "/dev/null",
            f"current/{name}" if now is not None else "/dev/null"))
        out.append((name, False, diff))
    return out


def record_prompts(folder: Path = PROMPTS) -> list[str]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    current = current_snapshots()
    for stale in folder.glob("*"):
        if stale.name not in current:
            stale.unlink()
    for name, text in current.items():
        atomic_write_text(folder / name, text)
    return sorted(current)


# -- the suite ----------------------------------------------------------------------------------------
def run_regression_suite(replies: Path = REPLIES, prompts: Path = PROMPTS,
                         verbose: bool = False) -> tuple[bool, list[str]]:
    """Replay every recorded reply and compare every prompt. Returns (all passed, lines): one
    line per failure (and per pass when verbose), then a one-line summary."""
    lines: list[str] = []
    cases = load_cases(replies)
    failed_cases = 0
    for case in cases:
        ok, line = check_case(case)
        failed_cases += not ok
        if verbose or not ok:
            lines.append(line)
    prompt_results = check_prompts(prompts)
    failed_prompts = [name for name, ok, _ in prompt_results if not ok]
    for name, ok, diff in prompt_results:
        if not ok:
            lines.append(f"FAIL prompt {name} changed (deliberate? re-record: {UPDATE_PROMPTS})")
            lines += ["     " + d for d in diff.splitlines()[:40]]
        elif verbose:
            lines.append(f"ok   prompt {name}")
    passed = not failed_cases and not failed_prompts
    lines.append(f"prompt regression: {len(cases) - failed_cases}/{len(cases)} recorded replies "
                 f"parse as recorded, {len(prompt_results) - len(failed_prompts)}/"
                 f"{len(prompt_results)} prompts unchanged")
    return passed, lines


# -- harvesting ---------------------------------------------------------------------------------------
def _tools_of(meta: dict[str, Any]) -> str:
    if "techniques" in meta:
        return "phase5"
    if "strategy" in meta or "policy" in meta:
        return "phase4"
    return "phase3"


def harvest_trajectory(path: Path, root: Path | None = None) -> list[dict[str, Any]]:
    """The replies of one trajectory as cases without expectations: agent actions, plans,
    replans, code replies (phase 2 and the plain generation)."""
    from shared.trajectory import read_trajectory

    events = read_trajectory(path)
    if not events or events[0].get("kind") != "start":
        return []
    meta = events[0].get("meta", {})
    where = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    model = str(meta.get("model", ""))
    base = {"model": model, "task": str(meta.get("task", ""))}
    cases = []
    for event in events:
        kind, step = event.get("kind"), event.get("step", event.get("attempt"))
        source = f"{where} step {step}"
        if kind == "llm_reply" and meta.get("generation") == "plain":
            cases.append({**base, "consumer": "code", "reply": event.get("content", ""),
                          "finish_reason": event.get("finish_reason", "stop"), "source": source})
        elif kind == "llm_reply":
            cases.append({**base, "consumer": f"action:{meta.get('format', 'json')}",
                          "tools": _tools_of(meta), "reply": event.get("content", ""),
                          "finish_reason": event.get("finish_reason", "stop"),
                          "tool_calls": [{"name": c.get("name"), "arguments": c.get("arguments")}
                                         for c in event.get("tool_calls") or []],
                          "source": source})
        elif kind == "reply":  # phase 2's loop
            cases.append({**base, "consumer": "code", "reply": event.get("content", ""),
                          "finish_reason": event.get("finish_reason", "stop"), "source": source})
        elif kind in ("plan", "replan") and "reply" in event:
            cases.append({**base, "consumer": kind, "reply": event.get("reply", ""),
                          "source": source})
    return cases


def harvest_sampled(path: Path) -> list[dict[str, Any]]:
    """Lines written by shared.bench.reply_sampler as cases without expectations."""
    tools = {"phase3_agent_json": "phase3", "phase3_agent_tags": "phase3",
             "phase3_agent_native": "phase3", "phase4_context_agent": "phase4",
             "phase5_planning_agent": "phase5"}
    cases = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        s = json.loads(line)
        case = {"model": s["model"], "task": s["task"], "consumer": s["consumer"],
                "reply": s["content"], "finish_reason": s["finish_reason"],
                "source": (f"reply_sampler {s['sampled_at'][:10]}: prompt {s['prompt']}, task "
                           f"{s['task']}, temperature {s['temperature']}, max_tokens "
                           f"{s['max_tokens']}, seed {s['seed']}")}
        if s["consumer"].startswith("action:"):
            case["tools"] = tools.get(s["prompt"], "phase3")
            case["tool_calls"] = s.get("tool_calls") or []
        if s["consumer"] in ("plan", "replan"):
            from shared.bench.task_set import load_tasks

            found = load_tasks(names=[s["task"]])
            case["task"] = found[0].prompt if found else s["task"]
        cases.append(case)
    return cases


def merge_cases(old: list[dict[str, Any]], new: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Old cases kept as they are; new ones added unless the same reply for the same consumer is
    already there; each new one gets the next id."""
    def key(c: dict[str, Any]) -> tuple[str, Any, Any, str]:
        return c["consumer"], c.get("reply"), c.get("finish_reason"), json.dumps(c.get("replies"))

    seen = {key(c) for c in old}
    out = list(old)
    number = max((int(c["id"][1:]) for c in old if str(c.get("id", "")).startswith("r")),
                 default=0)
    for case in new:
        if key(case) in seen:
            continue
        seen.add(key(case))
        number += 1
        out.append({"id": f"r{number:03d}", **case})
    return out


def harvest(folders: list[Path], sampled: list[Path], path: Path = REPLIES) -> int:
    """Add the replies found to the recorded cases, with expectations recorded from today's
    parsers (check them by eye before committing: that is the point of a regression suite)."""
    old = load_cases(path) if Path(path).is_file() else []
    found: list[dict[str, Any]] = []
    for folder in folders:
        for trajectory in sorted(Path(folder).rglob("*.jsonl")):
            if trajectory.name != "results.jsonl":
                found += harvest_trajectory(trajectory, Path(folder).parent)
    for file in sampled:
        found += harvest_sampled(file)
    cases = merge_cases(old, found)
    for case in cases[len(old):]:
        case["expected"] = replay(case)
    write_cases(cases, path)
    return len(cases) - len(old)


# -- command line ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"record_prompts": False, "record_replies": False, "harvest": "",
                         "sampled": "", "verbose": False}, doc=__doc__)
    if o["record_prompts"]:
        names = record_prompts()
        print(f"recorded {len(names)} prompt snapshots in {PROMPTS}: review `git diff` before "
              "committing")
    if o["record_replies"]:
        print(f"re-recorded the expected outcome of {record_replies()} replies in {REPLIES}: "
              "review `git diff` before committing")
    if o["harvest"] or o["sampled"]:
        folders = [Path(p) for p in o["harvest"].split(",") if p]
        sampled = [Path(p) for p in o["sampled"].split(",") if p]
        print(f"added {harvest(folders, sampled)} replies to {REPLIES}")
    if o["record_prompts"] or o["record_replies"] or o["harvest"] or o["sampled"]:
        return 0
    passed, lines = run_regression_suite(verbose=o["verbose"])
    print("\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
