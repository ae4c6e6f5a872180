"""The reliability report: the failure patterns found in agent trajectories, with examples, and
the fixes the project made with their measured effect.

    python -m shared.bench.reliability                      # runs/bench -> runs/bench/reliability.md
    python -m shared.bench.reliability --runs=/elsewhere/runs/bench,/elsewhere/runs/phase5
    data = build_report([Path("runs/bench")], Path("runs/bench"))   # the same, as a function

Every trajectory under the folders given is read (a benchmark run folder's results.jsonl adds the
generation, the model and the outcome of each of its items; a loose trajectory says them in its
first line). Each event that shows a known failure pattern is counted per generation and model,
with up to three examples (trajectory path and step). Runs that failed also get their class from
the benchmark's taxonomy (shared.bench.taxonomy), which this module reuses rather than repeats.

The fixes (FIXES) are measured offline where that can be done honestly: a parser fix by replaying
the recorded replies of the prompt regression suite through the module as it was before the fix
(`git show <commit>^:<path>`) and as it is; a linearity fix by timing both versions on an input
that grows; a guardrail fix by replaying a recorded sequence of replies through both loops; a fix
whose effect shows only in live runs by counting the pattern in trajectories from before and after
the fix's commit. Where no trajectory predates a fix, the report says "not measured" instead of
guessing. The figures also go to reliability.json; the plot to reliability.png.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_bytes, atomic_write_text
from shared.bench.taxonomy import CLASSES, call_key, failure_class
from shared.cli import parse_overrides, run_main
from shared.trajectory import read_trajectory, runs_root

REPO = Path(__file__).resolve().parents[2]
REPORT, FIGURES, PLOT = "reliability.md", "reliability.json", "reliability.png"
EXAMPLES = 3

# The patterns, in the order the report lists them: (name, what it means).
PATTERNS = [
    ("malformed action", "the reply could not be read as a tool call (parse_error)"),
    ("truncated reply", "the reply hit its token limit before the call was complete"),
    ("unknown tool", "the call named a tool that does not exist"),
    ("bad arguments", "the call gave a tool arguments it does not take"),
    ("repeated call", "the same call again, refused by the repeat guard"),
    ("edit not found", "edit_file's old text was not in the file"),
    ("missing file", "a tool was given a path that does not exist"),
    ("shell refused", "run_shell refused by the shell policy"),
    ("tool error", "any other error a tool reported"),
    ("plan unreadable", "the planner's reply gave fewer than 3 steps: the default plan was used"),
    ("finish refused", "final_answer refused because the tests did not pass yet"),
    ("finished unverified", "the run ended without a finish its tests confirmed"),
    ("no code", "a code reply held no Python program"),
    ("code does not parse", "the program of a code reply had a syntax error"),
    ("llm error", "the backend failed (a timeout of one request, a crash)"),
    ("context overflow", "a request no longer fit the context window"),
    ("timeout", "the harness stopped the item at its time limit"),
]


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Item:
    """One trajectory with what is known about its run."""

    path: Path
    label: str               # the path as the report shows it
    generation: str
    model: str
    record: dict[str, Any]   # the harness's result record ({} for a loose trajectory)
    events: list[dict[str, Any]]
    started_at: str = ""
    commit: str = ""


def generation_of(meta: dict[str, Any]) -> str:
    if meta.get("generation"):
        return str(meta["generation"])
    if "techniques" in meta:
        return "phase5"
    if "strategy" in meta:
        return "phase4"
    if "format" in meta:
        return "phase3"
    if "max_attempts" in meta:
        return "phase2"
    return "unknown"


def model_of(meta: dict[str, Any], record: dict[str, Any]) -> str:
    if record.get("model"):
        return str(record["model"])
    text = str(meta.get("model", ""))
    if "(" in text and text.endswith(")"):  # "embedded (qwen2.5-coder-0.5b)"
        return text[text.index("(") + 1: -1]
    return text or "unknown"


def collect(folders: list[Path]) -> list[Item]:
    """Every trajectory under the folders, each once, with its result record when it has one."""
    items: list[Item] = []
    seen: set[Path] = set()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for results in sorted(folder.rglob("results.jsonl")):
            for line in results.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                path = (results.parent / str(record.get("trajectory", ""))).resolve()
                events = read_trajectory(path) if path.is_file() else []
                seen.add(path)
                meta = events[0].get("meta", {}) if events else {}
                items.append(Item(path, _label(path, folder), str(record.get("generation")),
                                  model_of(meta, record), record, events,
                                  str(record.get("finished_at", "")), str(record.get("commit", ""))))
        for path in sorted(folder.rglob("*.jsonl")):
            if path.name == "results.jsonl" or path.resolve() in seen:
                continue
            events = read_trajectory(path)
            if not events or events[0].get("kind") != "start":
                continue
            seen.add(path.resolve())
            meta = events[0].get("meta", {})
            items.append(Item(path, _label(path, folder), generation_of(meta), model_of(meta, {}),
                              {}, events, str(events[0].get("started_at", ""))))
    return items


def _label(path: Path, folder: Path) -> str:
    try:
        return str(Path(folder.name) / path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


# -- the patterns -----------------------------------------------------------------------------------
def patterns_of(item: Item) -> list[tuple[str, Any]]:
    """(pattern, step) for every event of the item that shows one."""
    found: list[tuple[str, Any]] = []
    last_action: dict[int, dict[str, Any]] = {}
    for e in item.events:
        kind, step = e.get("kind"), e.get("step", e.get("attempt"))
        if kind == "action":
            last_action[step] = e
        if kind == "parse_error":
            found.append(("truncated reply" if e.get("truncated") else "malformed action", step))
        elif kind == "observation" and e.get("outcome") in ("invalid", "error", "refused"):
            found.append((observation_pattern(e, last_action.get(step, {})), step))
        elif kind == "plan" and (e.get("valid") is False
                                 or str(e.get("note", "")).startswith("the plan could not be read")):
            found.append(("plan unreadable", step))
        elif kind == "finish_refused":
            found.append(("finish refused", step))
        elif kind == "code" and e.get("code") is None:
            found.append(("no code", step))
        elif kind == "code" and e.get("valid") is False:
            found.append(("code does not parse", step))
        elif kind == "llm_error":
            found.append(("llm error", step))
        elif kind == "context_overflow":
            found.append(("context overflow", step))
    if item.record.get("status") == "timeout":
        found.append(("timeout", None))
    if unverified_finish(item):
        found.append(("finished unverified", None))
    return found


def observation_pattern(event: dict[str, Any], action: dict[str, Any]) -> str:
    text, outcome = str(event.get("text", "")), event.get("outcome")
    if outcome == "refused":
        return "repeated call" if "already made exactly this call" in text else "shell refused"
    if outcome == "invalid":
        return "unknown tool" if text.startswith("there is no tool named") else "bad arguments"
    if "was not found in" in text and action.get("name", "edit_file") == "edit_file":
        return "edit not found"
    if text.startswith("there is no file"):
        return "missing file"
    return "tool error"


def unverified_finish(item: Item) -> bool:
    """A planning-agent run that ended without a verified finish (it has finish events)."""
    kinds = [e.get("kind") for e in item.events]
    if item.generation.split("-")[0] != "phase5" or "result" not in kinds:
        return False
    return not any(e.get("kind") == "finish" and e.get("verified") for e in item.events)


def analyse(items: list[Item]) -> dict[str, Any]:
    """Counts per pattern per (generation, model), examples, and the taxonomy's classes."""
    counts: dict[str, Counter] = defaultdict(Counter)
    runs_with: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    classes: dict[str, Counter] = defaultdict(Counter)
    replies: Counter = Counter()
    runs: Counter = Counter()
    for item in items:
        group = f"{item.generation} / {item.model}"
        runs[group] += 1
        replies[group] += sum(e.get("kind") in ("llm_reply", "reply") for e in item.events)
        found = patterns_of(item)
        for name, step in found:
            counts[group][name] += 1
            if len(examples[name]) < EXAMPLES:
                where = f"{item.label}" + (f" step {step}" if step is not None else "")
                if where not in examples[name]:
                    examples[name].append(where)
        for name in {n for n, _ in found}:
            runs_with[group][name] += 1
        if item.record:
            record = {**item.record, "passed": item.record.get("passed") in (True, "True")}
            classes[group][failure_class(record, item.events) or "passed"] += 1
    return {"groups": sorted(runs), "runs": dict(runs), "replies": dict(replies),
            "counts": {g: dict(c) for g, c in counts.items()},
            "runs_with": {g: dict(c) for g, c in runs_with.items()},
            "examples": dict(examples), "classes": {g: dict(c) for g, c in classes.items()},
            "repeated_calls_max": {g: _max_repeats([i for i in items
                                                    if f"{i.generation} / {i.model}" == g])
                                   for g in runs}}


def _max_repeats(items: list[Item]) -> int:
    best = 0
    for item in items:
        keys = Counter(call_key(e) for e in item.events if e.get("kind") == "action")
        best = max(best, max(keys.values(), default=0))
    return best


# -- the fixes ----------------------------------------------------------------------------------------
@dataclass
class Fix:
    commit: str
    title: str
    how: str         # how its effect is measured here


FIXES = [
    Fix("a326c93", "a quote forgotten before the final braces is put back (the 1.5B wrote "
        "`\"new\": \"len(scores)}}` and stopped)", "replay the recorded action replies through "
        "actions.py before and after"),
    Fix("bc871d2", "linear parsers for <tool_call> tags, fences and phase 2's unfenced code "
        "search; the shell policy reads commands as sh does", "time both parser versions on "
        "replies that grow 8x; replay the recorded replies through both for equal outcomes; "
        "count run_shell refusals in the trajectories"),
    Fix("b4b5d85", "a failed edit_file names the closest lines, a missing path names the file "
        "probably meant", "count failed edits followed by the same edit again, in trajectories "
        "before and after the commit"),
    Fix("8fb460a", "the reply after a refused repeat is sampled at 0.7 instead of greedy",
        "replay a recorded repeated call through the loop before and after (the temperature "
        "asked for), and count refused repeats followed by the same call again in trajectories "
        "before and after the commit"),
    Fix("(state marks)", "a step copied with its state mark from the rendered plan (\"[now] Run "
        "the tests\") is read without it (found in the 0.5B's recorded replan replies)",
        "replay the recorded plan and replan replies through planning.py before and after: "
        "steps that kept a mark"),
    Fix("(this change)", "every model reply is validated with a recorded outcome; a summary "
        "that is a tool call is no longer kept as the summary; a best-of sample whose code does "
        "not parse is not run", "count, in the recorded replies, the summaries now refused and "
        "the code replies now found not to parse"),
]


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO, text=True, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def commit_date(commit: str) -> str:
    return git("show", "-s", "--format=%cI", commit).strip()[:19]


def old_module(commit: str, paths: list[str], name: str) -> Any:
    """The module at `commit` (the first of `paths` that exists there), loaded under `name`;
    None when git or the file is not there."""
    for path in paths:
        source = git("show", f"{commit}:{path}")
        if source:
            folder = Path(tempfile.mkdtemp(prefix="agentlab-old-"))
            file = folder / f"{name}.py"
            file.write_text(source, encoding="utf-8")
            spec = importlib.util.spec_from_file_location(name, file)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - an old module that no longer imports: unmeasured
                return None
            return module
    return None


def action_cases() -> list[dict[str, Any]]:
    from shared.bench.prompt_regression import load_cases

    return [c for c in load_cases() if c["consumer"] in ("action:json", "action:constrained",
                                                         "action:tags", "action:native")
            and not c.get("tool_calls")]


def parsed(parse: Any, case: dict[str, Any]) -> tuple[Any, ...]:
    """What `parse` (a parse_json_action of any version) reads in the case's reply:
    ("action", name, arguments) or ("unreadable",)."""
    whole = case.get("finish_reason") != "length"
    tags = case["consumer"] == "action:tags"
    try:
        result = parse(case["reply"], tags_first=tags, close_brackets=whole)
    except TypeError:  # an old signature without close_brackets
        result = parse(case["reply"], tags_first=tags)
    if type(result).__name__ == "Action":
        return ("action", result.name, json.dumps(result.arguments, sort_keys=True))
    return ("unreadable",)


def right(parse: Any, case: dict[str, Any]) -> bool:
    """The version reads what the regression suite expects (recorded and checked by eye)."""
    expected = case.get("expected", {})
    if "name" not in expected:
        return parsed(parse, case) == ("unreadable",)
    return parsed(parse, case) == ("action", expected["name"],
                                   json.dumps(expected["arguments"], sort_keys=True))


def measure_quote_fix() -> dict[str, Any]:
    from shared.agent.actions import parse_json_action

    old = old_module("a326c93^", ["phase3_tools/actions.py"], "agentlab_old_actions_a326c93")
    cases = action_cases()
    if old is None or not cases:
        return {"measured": False, "why": "the module before the fix or the recorded replies are "
                                          "not available (no git history?)"}
    before = [c["id"] for c in cases if right(old.parse_json_action, c)]
    after = [c["id"] for c in cases if right(parse_json_action, c)]
    fixed = [i for i in after if i not in before]
    return {"measured": True, "replies": len(cases), "right_before": len(before),
            "right_after": len(after), "fixed": fixed,
            "summary": f"of {len(cases)} recorded action replies, {len(before)} were read as "
                       f"expected before the fix and {len(after)} after (now right: "
                       f"{', '.join(fixed) or 'none'}; before, the forgotten quote left the "
                       "braces inside the argument)"}


CHILD_TIMEOUT_S = 60  # a parser that is not linear may take minutes: it is timed in a child

TIMING_CHILD = """
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("timed", sys.argv[1])
module = importlib.util.module_from_spec(spec); sys.modules["timed"] = module
spec.loader.exec_module(module)
function, make, n = getattr(module, sys.argv[2]), eval(sys.argv[3]), int(sys.argv[4])
best = []
for size in (n, 8 * n):
    text, runs = make(size), []
    for _ in range(3):
        start = time.thread_time(); function(text); runs.append(time.thread_time() - start)
    best.append(min(runs))
print(json.dumps(best))
"""


def timed_slowdown(source: str, function: str, make: str, n: int) -> dict[str, Any]:
    """CPU seconds of module `source`'s `function` on make(n) and make(8n) (best of 3), in a
    child process stopped after CHILD_TIMEOUT_S; slowdown ~8 is linear, ~64 quadratic."""
    folder = Path(tempfile.mkdtemp(prefix="agentlab-timing-"))
    (folder / "module.py").write_text(source, encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-c", TIMING_CHILD, str(folder / "module.py"),
                               function, make, str(n)], cwd=REPO, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT_S)
        small, large = json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"chars": n, "timed_out": True,
                "text": f"over {CHILD_TIMEOUT_S} s for inputs of {n} and {8 * n} characters"}
    except (ValueError, IndexError):
        return {"chars": n, "error": True, "text": "could not be timed"}
    ratio = large / max(small, 1e-6)
    return {"chars": n, "seconds": [round(small, 4), round(large, 4)], "slowdown": round(ratio, 1),
            "text": f"{ratio:.0f}x slower on 8x the input ({small:.3f} s -> {large:.3f} s)"}


def measure_linear_parsers() -> dict[str, Any]:
    old_actions = git("show", "bc871d2^:shared/agent/actions.py")
    old_extract = git("show", "bc871d2^:phase2_dumb_loop/extract.py")
    if not old_actions or not old_extract:
        return {"measured": False, "why": "the modules before the fix are not available (git)"}
    new_actions = (REPO / "shared/agent/actions.py").read_text(encoding="utf-8")
    new_extract = (REPO / "shared/code_loop/extract.py").read_text(encoding="utf-8")
    inputs = {  # the shapes and sizes of tests/phase3/test_phase3_parsers.py's scaling check
        "tag_parser": ("parse_tag_action", "lambda n: '<tool_call>x' + ' ' * n + 'y'", 250),
        "fence_parser": ("parse_json_action", "lambda n: '```' + ' ' * n", 75),
        "open_string": ("parse_json_action", "lambda n: '{\"a\": \"' + '\\\\\"' * n", 500),
        "unfenced_code": ("extract_code", "lambda n: chr(10).join(['x = ('] * (n // 6))", 300),
    }
    figures: dict[str, Any] = {}
    for name, (function, make, n) in inputs.items():
        old, new = ((old_actions, new_actions) if name != "unfenced_code"
                    else (old_extract, new_extract))
        figures[name] = {"before": timed_slowdown(old, function, make, n),
                         "after": timed_slowdown(new, function, make, n)}
    old_module_ = old_module("bc871d2^", ["shared/agent/actions.py"], "agentlab_old_actions_bc871d2")
    from shared.agent.actions import parse_json_action

    cases = action_cases() if old_module_ is not None else []
    same = sum(parsed(old_module_.parse_json_action, c) == parsed(parse_json_action, c)
               for c in cases)
    text = "; ".join(f"{k}: before {v['before']['text']}, after {v['after']['text']}"
                     for k, v in figures.items())
    return {"measured": True, "timings": figures, "replies": len(cases), "same_outcome": same,
            "summary": f"{text}; the recorded action replies: {same} of {len(cases)} read the "
                       "same by both versions"}


def measure_repeat_temperature(items: list[Item]) -> dict[str, Any]:
    from shared.bench.prompt_regression import load_cases, replay_run

    case = next((c for c in load_cases() if c["consumer"] == "run:phase3"), None)
    out: dict[str, Any] = {"measured": False}
    if case is not None:
        after = replay_run(case)["temperatures"]
        old_loop = old_module("8fb460a^", ["shared/agent/loop.py"], "agentlab_old_loop_8fb460a")
        before = _replay_with_loop(old_loop, case) if old_loop is not None else None
        out.update(measured=True, temperatures_after=after, temperatures_before=before,
                   summary=f"the recorded repeated call ({case['id']}) replayed: temperatures "
                           f"asked {before} before the fix, {after} after")
    out["trajectories"] = before_after(items, "8fb460a", same_call_after_refusal,
                                       "refused repeats followed by the same call again")
    return out


def _replay_with_loop(module: Any, case: dict[str, Any]) -> list[Any] | None:
    from shared.agent import ToolRegistry, final_answer
    from shared.llm.scripted import ScriptedBackend
    from shared.tools import workspace_tools

    ws = Path(tempfile.mkdtemp(prefix="agentlab-old-loop-"))
    for name, text in (case.get("files") or {}).items():
        (ws / name).write_text(text, encoding="utf-8")
    llm = ScriptedBackend(list(case["replies"]))
    try:
        agent = module.Agent(llm, ToolRegistry(workspace_tools(ws) + [final_answer]), "json",
                             max_steps=len(case["replies"]))
        agent.run(case.get("task", "regression"), ws / "trajectory.jsonl")
    except Exception:  # noqa: BLE001 - the old loop no longer runs with today's tools
        return None
    return [call["options"].get("temperature") for call in llm.calls]


def same_call_after_refusal(item: Item) -> tuple[int, int]:
    """(refused repeats, of which the next action was the same call again)."""
    actions = [e for e in item.events if e.get("kind") == "action"]
    refused = [e.get("step") for e in item.events
               if e.get("kind") == "observation" and e.get("outcome") == "refused"
               and "already made exactly this call" in str(e.get("text", ""))]
    again = 0
    for step in refused:
        now = next((a for a in actions if a.get("step") == step), None)
        later = next((a for a in actions if (a.get("step") or 0) > (step or 0)), None)
        again += bool(now and later and call_key(now) == call_key(later))
    return len(refused), again


def same_edit_after_failure(item: Item) -> tuple[int, int]:
    """(failed edit_file calls, of which the next action was the very same edit)."""
    actions = [e for e in item.events if e.get("kind") == "action"]
    failed = [e.get("step") for e in item.events if e.get("kind") == "observation"
              and "was not found in" in str(e.get("text", ""))]
    again = 0
    for step in failed:
        now = next((a for a in actions if a.get("step") == step), None)
        later = next((a for a in actions if (a.get("step") or 0) > (step or 0)), None)
        again += bool(now and later and call_key(now) == call_key(later))
    return len(failed), again


def before_after(items: list[Item], commit: str, count: Any, what: str) -> dict[str, Any]:
    """The pattern counted in trajectories started before and after the fix's commit."""
    date = commit_date(commit)
    if not date:
        return {"measured": False, "why": f"the date of {commit} is unknown (no git history)"}
    sides = {"before": [0, 0, 0], "after": [0, 0, 0]}  # trajectories, events, of which bad
    for item in items:
        when = item.started_at[:19]
        if not when:
            continue
        side = "before" if when < date else "after"
        events, bad = count(item)
        sides[side][0] += 1
        sides[side][1] += events
        sides[side][2] += bad
    measured = sides["before"][1] > 0 and sides["after"][1] > 0
    text = (f"{what}: before {sides['before'][2]} of {sides['before'][1]} "
            f"({sides['before'][0]} trajectories), after {sides['after'][2]} of "
            f"{sides['after'][1]} ({sides['after'][0]} trajectories)")
    if not measured:
        text = (f"not measured: the trajectories at hand hold {sides['before'][1]} such events "
                f"before {commit} ({date}) and {sides['after'][1]} after; {what} needs both")
    return {"measured": measured, "commit_date": date, "before": sides["before"],
            "after": sides["after"], "summary": text}


def measure_shell_policy(items: list[Item]) -> dict[str, Any]:
    commands = [e for i in items for e in i.events
                if e.get("kind") == "action" and e.get("name") == "run_shell"]
    refused = sum(1 for i in items for e in i.events if e.get("kind") == "observation"
                  and e.get("outcome") == "refused"
                  and "already made exactly this call" not in str(e.get("text", "")))
    return {"run_shell_calls": len(commands), "refused": refused,
            "summary": (f"{len(commands)} run_shell calls in the trajectories, {refused} refused "
                        "by the policy" if commands else
                        "not measured: no run_shell call in the trajectories at hand")}


def measure_validation() -> dict[str, Any]:
    from shared.bench.prompt_regression import load_cases

    def split(ids: list[dict[str, Any]]) -> str:
        derived = sum(bool(c.get("derived_from")) for c in ids)
        return f"{len(ids)}" + (f" ({derived} of them derived from a real reply by cutting it)"
                                if derived else "")

    cases = load_cases()
    summaries = [c for c in cases if c["consumer"] == "summary"]
    refused = [c for c in summaries if c["expected"].get("outcome") == "malformed"]
    code = [c for c in cases if c["consumer"] == "code"]
    unparsable = [c for c in code if "does not parse" in c["expected"].get("problem", "")]
    plans = [c for c in cases if c["consumer"] in ("plan", "replan")]
    bad_plans = [c for c in plans if c["expected"].get("outcome") == "malformed"]
    return {"summaries": len(summaries), "summaries_refused": [c["id"] for c in refused],
            "code_replies": len(code), "code_not_parsing": [c["id"] for c in unparsable],
            "plans": len(plans), "plans_unreadable": [c["id"] for c in bad_plans],
            "summary": f"of {len(summaries)} recorded summary replies, {len(refused)} are now "
                       f"refused (they were kept as the summary before); of {split(code)} code "
                       f"replies, {split(unparsable)} hold code that does not parse (best-of no "
                       f"longer runs the tests on such a sample); of {len(plans)} plan and "
                       f"replan replies, {len(bad_plans)} now carry valid=false and the reason "
                       "in the trajectory (the default plan was used before and after)"}


def problem_kind(problem: str) -> str:
    """A problem sentence as a pattern name."""
    for words, name in (("does not parse", "code does not parse"), ("no Python code", "no code"),
                        ("cut off", "truncated reply"), ("no tool named", "unknown tool"),
                        ("bad arguments", "bad arguments"), ("could not be read", "malformed action"),
                        ("step", "plan unreadable"), ("tool call instead", "summary is a tool call"),
                        ("empty", "empty reply")):
        if words in problem:
            return name
    return "other"


def recorded_replies() -> dict[str, Any]:
    """The outcomes of the regression suite's recorded replies, per consumer: real model replies
    too, from runs too short to show in the benchmark's trajectories."""
    from shared.bench.prompt_regression import REPLIES, load_cases

    if not REPLIES.is_file():
        return {}
    table: dict[str, dict[str, Any]] = {}
    for case in load_cases():
        row = table.setdefault(case["consumer"], {"real": 0, "derived": 0, "valid": 0,
                                                   "malformed": 0, "problems": Counter()})
        row["derived" if case.get("derived_from") else "real"] += 1
        outcome = case["expected"].get("outcome")
        if outcome in ("valid", "malformed"):
            row[outcome] += 1
        if case["expected"].get("problem"):
            row["problems"][problem_kind(case["expected"]["problem"])] += 1
    return {k: {**v, "problems": dict(v["problems"])} for k, v in sorted(table.items())}


MARK_FIX_PARENT = "34f8c6e"  # the commit before the state-mark fix


def measure_state_marks() -> dict[str, Any]:
    from shared.bench.prompt_regression import load_cases
    from shared.planning.planning import parse_plan_lines

    old = old_module(MARK_FIX_PARENT, ["shared/planning/planning.py"], "agentlab_old_planning")
    cases = [c for c in load_cases() if c["consumer"] in ("plan", "replan")]
    if old is None or not cases:
        return {"measured": False, "why": "planning.py before the fix or the recorded plans are "
                                          "not available"}

    def marked(parse: Any) -> list[str]:
        return [c["id"] for c in cases
                if any(s.lower().startswith(("[now]", "[done]", "[ ]")) for s in parse(c["reply"]))]

    before, after = marked(old.parse_plan_lines), marked(parse_plan_lines)
    return {"measured": True, "replies": len(cases), "marked_before": before,
            "marked_after": after,
            "summary": f"of {len(cases)} recorded plan and replan replies, {len(before)} gave "
                       f"steps that kept a state mark before ({', '.join(before) or 'none'}), "
                       f"{len(after)} after"}


def measure_fixes(items: list[Item]) -> dict[str, Any]:
    return {
        "(state marks)": measure_state_marks(),
        "a326c93": measure_quote_fix(),
        "bc871d2": {**measure_linear_parsers(), "shell": measure_shell_policy(items)},
        "b4b5d85": before_after(items, "b4b5d85", same_edit_after_failure,
                                "failed edits followed by the same edit again"),
        "8fb460a": measure_repeat_temperature(items),
        "(this change)": measure_validation(),
    }


# -- writing ------------------------------------------------------------------------------------------
def plot(data: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = data["patterns"]["groups"]
    names = [n for n, _ in PATTERNS if any(data["patterns"]["counts"].get(g, {}).get(n)
                                          for g in groups)]
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(groups) + 3), 4))
    bottoms = [0] * len(groups)
    for name in names:
        values = [data["patterns"]["counts"].get(g, {}).get(name, 0) for g in groups]
        ax.bar(range(len(groups)), values, bottom=bottoms, label=name)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    ax.set_xticks(range(len(groups)), [g.replace(" / ", "\n") for g in groups], fontsize=8)
    ax.set_ylabel("events")
    ax.set_title("failure patterns per generation and model")
    if names:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    else:
        ax.text(0.5, 0.5, "no failure pattern found", ha="center", transform=ax.transAxes)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def markdown(data: dict[str, Any]) -> str:
    p = data["patterns"]
    groups = p["groups"]
    lines = ["# Reliability report", "",
             f"Written {data['written_at']} from {len(data['sources'])} folder(s): "
             + ", ".join(f"`{s}`" for s in data["sources"]) + f"; {data['trajectories']} "
             "trajectories. Figures also in reliability.json.", ""]
    if not groups:
        lines += ["No trajectory was found: run the benchmark first (`make bench`).", ""]
    else:
        lines += ["## Failure patterns", "",
                  "Events showing each pattern, per generation / model (runs: trajectories read; "
                  "replies: model replies in them).", "",
                  "| pattern | " + " | ".join(groups) + " |",
                  "| --- | " + " | ".join("---" for _ in groups) + " |",
                  "| runs | " + " | ".join(str(p["runs"][g]) for g in groups) + " |",
                  "| replies | " + " | ".join(str(p["replies"][g]) for g in groups) + " |"]
        for name, _ in PATTERNS:
            cells = [str(p["counts"].get(g, {}).get(name, 0)) for g in groups]
            if any(c != "0" for c in cells):
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += ["", "![failure patterns](reliability.png)", "", "What each pattern means, "
                  "with examples (trajectory and step):", ""]
        for name, meaning in PATTERNS:
            if p["examples"].get(name):
                lines.append(f"- **{name}**: {meaning}. E.g. "
                             + "; ".join(f"`{x}`" for x in p["examples"][name]))
        absent = [n for n, _ in PATTERNS if not p["examples"].get(n)]
        if absent:
            lines.append(f"- not seen in these trajectories: {', '.join(absent)}")
        if p["classes"]:
            lines += ["", "## The benchmark's failure classes (shared.bench.taxonomy)", "",
                      "| generation / model | " + " | ".join(["passed", *CLASSES]) + " |",
                      "| --- | " + " | ".join("---" for _ in range(len(CLASSES) + 1)) + " |"]
            for g, c in p["classes"].items():
                lines.append(f"| {g} | " + " | ".join(str(c.get(k, 0))
                                                     for k in ["passed", *CLASSES]) + " |")
    if data.get("recorded"):
        lines += ["", "## The recorded replies of the prompt regression suite", "",
                  "Real replies of the embedded models (shared/bench/regression/replies.jsonl; "
                  "derived: a real reply cut where a token limit would cut it, or read by the "
                  "other text format), with the outcome today's parsers give them.", "",
                  "| consumer | real | derived | valid | malformed | problems |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for consumer, row in data["recorded"].items():
            problems = ", ".join(f"{k} {v}" for k, v in sorted(row["problems"].items(),
                                                                key=lambda kv: -kv[1])) or "-"
            lines.append(f"| {consumer} | {row['real']} | {row['derived']} | {row['valid']} | "
                         f"{row['malformed']} | {problems} |")
    lines += ["", "## Fixes and their measured effect", "",
              "Measured offline now, from the recorded replies of the prompt regression suite, "
              "the modules as they were before each fix (git), and the trajectories above.", ""]
    for fix in FIXES:
        figures = data["fixes"].get(fix.commit, {})
        lines.append(f"- **{fix.commit}**: {fix.title}. How: {fix.how}.")
        for key in ("summary",):
            if figures.get(key):
                lines.append(f"  - {figures[key]}")
        for sub in ("trajectories", "shell"):
            if isinstance(figures.get(sub), dict) and figures[sub].get("summary"):
                lines.append(f"  - {figures[sub]['summary']}")
        if not figures.get("summary") and figures.get("why"):
            lines.append(f"  - not measured: {figures['why']}")
        if not figures:
            lines.append("  - not measured in this report (written with --measure=0)")
    return "\n".join(lines) + "\n"


def build_report(folders: list[Path], out_dir: Path, measure: bool = True) -> dict[str, Any]:
    """Read the trajectories, measure the fixes (a minute or two: old parsers are timed; not
    when measure is False), write reliability.md/.json/.png in out_dir."""
    items = collect(folders)
    data = {"written_at": datetime.now().isoformat(timespec="seconds"),
            "sources": [str(f) for f in folders], "trajectories": len(items),
            "patterns": analyse(items), "recorded": recorded_replies(),
            "fixes": measure_fixes(items) if measure else {},
            "pattern_names": [n for n, _ in PATTERNS]}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot(data, out_dir / PLOT)
    atomic_write_text(out_dir / FIGURES, json.dumps(data, indent=2, default=str) + "\n")
    atomic_write_text(out_dir / REPORT, markdown(data))
    return data


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"runs": "", "out": "", "measure": True}, doc=__doc__)
    folders = [Path(p) for p in o["runs"].split(",") if p] or [runs_root() / "bench"]
    out_dir = Path(o["out"]) if o["out"] else runs_root() / "bench"
    data = build_report(folders, out_dir, measure=o["measure"])
    print(f"{data['trajectories']} trajectories read; report: {out_dir / REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
