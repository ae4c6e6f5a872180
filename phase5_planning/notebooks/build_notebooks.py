"""Writes this folder's notebooks (outputs cleared). Run: python phase5_planning/notebooks/build_notebooks.py

With AGENTLAB_FAST=1 (the tests) every notebook runs on a scripted model in seconds; without it,
the cells marked "live" use the configured model (the embedded 0.5B by default) as well.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from shared.notebook_builder import code, md, write_notebooks  # noqa: E402

SETUP = """\
import os, sys
from pathlib import Path
ROOT = Path.cwd().resolve().parents[1]          # the notebook runs in phase5_planning/notebooks
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
FAST = os.environ.get("AGENTLAB_FAST") == "1"   # tests run the notebooks fast, with a scripted model"""

SCRIPTED = """\
import json
from shared.llm import ScriptedBackend
from shared.planning import planning

def scripted(actions, plan, replans=(), samples=()):
    \"\"\"A stand-in model: plan requests get `plan` (then the `replans`), best-of requests the
    `samples`, the conversation the `actions` in order.\"\"\"
    actions, replans, samples = iter(actions), iter(replans), iter(samples)
    def reply(messages):
        if messages[0]["content"] == planning.PLANNER_SYSTEM:
            return next(replans, "") if "went wrong" in messages[-1]["content"] else plan
        if messages[0]["content"].startswith("You write Python code"):
            return next(samples)
        name, arguments = next(actions)
        return json.dumps({"think": f"next: {name}", "name": name, "arguments": arguments})
    return ScriptedBackend(reply)"""

PLANNING = [
    md("""
# 1. Planning and replanning

Phase 4's agent acts one call at a time: it never says where it is going, so it cannot tell
when it has drifted. Here the agent first writes a **numbered plan of 3 to 5 steps**, then keeps
it as **state**: which steps are done, which one is current, which are left. The state is shown
after every observation (`[plan: step 2 of 4 now: ...]`) and logged in the trajectory. When a
step fails twice, or an observation contradicts the plan, the agent **replans**: the steps done
stay done, the rest is written again.

```
task -> plan (3-5 steps) -> act -> observation + [plan: step k of n now: ...] -> act -> ...
                              \\-- the step failed twice / the plan is contradicted -> replan
```
"""),
    code(SETUP),
    md("""
## Reading a small model's plan
A 0.5B model does not always answer "1. ... 2. ... 3. ...". It adds bold text, sub-bullets,
code, chatter. The parser takes numbered lines, else bullets, else a JSON list, else the lines of
prose; code blocks are dropped (even one the token limit cut off). Fewer than 3 steps: the
default plan for the task. More than 5: the first four and the last.
"""),
    code("""
from shared.planning.planning import Plan, parse_plan_lines

task = ("Create calculator.py with functions add, subtract, multiply and divide, handling "
        "division by zero, and test_calculator.py with pytest tests of normal and edge cases; "
        "all tests pass.")
replies = {
    "tidy": "1. Write calculator.py\\n2. Write test_calculator.py\\n3. Run the tests\\n4. Finish",
    "chatty": ("Sure! Here is the plan:\\n1. **Create `calculator.py`**:\\n   - add the four functions\\n"
               "```python\\ndef add(a, b):\\n    return a + b\\n```\\n2) Write the tests\\nStep 3: Finish"),
    "json": '{"plan": ["Write calculator.py", "Write test_calculator.py", "Run pytest"]}',
    "useless": "I will write the calculator.",
}
for name, reply in replies.items():
    plan, note = Plan.from_reply(reply, task)
    print(f"--- {name}{f' ({note})' if note else ''}\\n{plan.render()}")
"""),
    md("""
## The plan as state
Small models do not reliably say "step 2 is done", so the plan watches the actions. Each step
gets a kind from its words (write, test, read, finish) and the files it names: "Write
test_calculator.py" is done when `write_file` of that file succeeds, "Run the tests" when
`run_tests` passes, "Finish" when the finish is accepted.
"""),
    code("""
plan = Plan.from_steps(["Write calculator.py", "Write test_calculator.py", "Run the tests", "Finish"])
for tool, arguments, ok, passed in [
        ("write_file", {"path": "calculator.py"}, True, False),
        ("read_file", {"path": "calculator.py"}, True, False),      # not a step of the plan
        ("write_file", {"path": "test_calculator.py"}, True, False),
        ("run_tests", {}, False, False),                             # a failure on the current step
        ("run_tests", {}, True, True)]:
    done = plan.advance(tool, arguments, ok, passed)
    print(f"{tool:10} ok={ok!s:5} -> steps done now: {[i + 1 for i in done]}  {plan.status_line()}")
print(plan.state())
"""),
    md("""
## A whole run, with a replan
A scripted model plays an agent whose fix does not work: it runs the tests, they fail, it
makes a change that does not help, they fail again. The second failure of the same step
triggers a replan; the model's new plan replaces the steps left.
"""),
    code(SCRIPTED),
    code("""
import tempfile
from shared.planning.planning_agent import Techniques, run_planning_agent
from shared.trajectory import read_trajectory, runs_root

unsafe = ("def add(a, b):\\n    return a + b\\n\\n\\ndef subtract(a, b):\\n    return a - b\\n\\n\\n"
          "def multiply(a, b):\\n    return a * b\\n\\n\\ndef divide(a, b):\\n    return a / b\\n")
tests = ("import pytest\\nfrom calculator import add, subtract, multiply, divide\\n\\n\\n"
         "def test_add():\\n    assert add(2, 3) == 5\\n\\n\\n"
         "def test_divide():\\n    assert divide(6, 3) == 2\\n\\n\\n"
         "def test_divide_by_zero():\\n    with pytest.raises(ValueError):\\n        divide(1, 0)\\n")
actions = [
    ("write_file", {"path": "calculator.py", "content": unsafe}),
    ("write_file", {"path": "test_calculator.py", "content": tests}),
    ("run_tests", {}),
    ("edit_file", {"path": "calculator.py", "old": "    return a * b", "new": "    return b * a"}),
    ("run_tests", {"path": "test_calculator.py"}),
    ("edit_file", {"path": "calculator.py", "old": "    return a / b",
                   "new": "    if b == 0:\\n        raise ValueError('division by zero')\\n    return a / b"}),
    ("run_tests", {}),
    ("final_answer", {"answer": "calculator.py and its tests; all pass"}),
]
llm = scripted(actions, plan="1. Write calculator.py\\n2. Write test_calculator.py\\n3. Run the tests\\n4. Finish",
               replans=["1. Make divide raise ValueError when b is 0\\n2. Run the tests\\n3. Finish"])
workspace = Path(tempfile.mkdtemp(prefix="phase5-nb1-"))
result = run_planning_agent(llm, task, workspace, techniques=Techniques(best_of=1), quiet=False,
                            trajectory_path=runs_root() / "phase5" / "notebook-replan.jsonl")
print(f"\\nstop: {result.stop_reason}, replans: {result.replans}, plan: {result.plan_done}/"
      f"{len(result.plan_steps)} steps done, verified: {result.verified}")
"""),
    md("""
## What the trajectory keeps
Every plan, every step done and every replan (with its reason) is an event of the trajectory,
so a benchmark can count them and a person can read why the agent changed course.
"""),
    code("""
for event in read_trajectory(result.trajectory):
    if event["kind"] in ("plan", "plan_step", "replan"):
        extra = event.get("reason") or event.get("text") or ""
        print(f"step {event['step']:2} {event['kind']:9} current={event['current']} done={event['done']} {extra}")
"""),
    md("""
## Live: the model's own plan
Without AGENTLAB_FAST the configured model (the embedded 0.5B by default) writes a plan for the
calculator task. Measured here with the 0.5B: it often answers with code under each step, which
the `stop=["```"]` option of the plan request and the forgiving parser deal with.
"""),
    code("""
if not FAST:
    from shared.llm import get_llm
    live = get_llm()
    reply = live.chat(planning.plan_request(task), temperature=0, max_tokens=160, stop=["```"]).content
    print(reply, "\\n---")
    plan, note = Plan.from_reply(reply, task)
    print(plan.render(), f"\\n({note})" if note else "")
else:
    print("AGENTLAB_FAST=1: the live cell is skipped")
"""),
]

JUDGE = [
    md("""
# 2. Tests as the judge

"It works" is a claim; a passing test is evidence. This notebook follows the phase 5 agent's
three uses of tests:
1. **run_tests**: pytest in the sandbox, read back as counts and one short traceback per failure
   (what a small model can act on, not 200 lines of output);
2. **tests it did not have to write**: the `>>>` examples of a docstring become pytest tests
   mechanically;
3. **the tests decide**: `final_answer` is refused while they fail, and when attempts keep
   failing, several whole versions of the file are sampled and the one the tests prefer is kept.
"""),
    code(SETUP),
    code("""
import tempfile
from shared.tools.test_runner import run_pytest

workspace = Path(tempfile.mkdtemp(prefix="phase5-nb2-"))
(workspace / "calculator.py").write_text(
    "def add(a, b):\\n    return a - b\\n\\n\\ndef divide(a, b):\\n    return a / b\\n")
(workspace / "test_calculator.py").write_text(
    "import pytest\\nfrom calculator import add, divide\\n\\n\\ndef test_add():\\n    assert add(2, 3) == 5\\n\\n\\n"
    "def test_divide():\\n    assert divide(6, 3) == 2\\n\\n\\n"
    "def test_divide_by_zero():\\n    with pytest.raises(ValueError):\\n        divide(1, 0)\\n")
summary = run_pytest(workspace)
print(summary.figures(), "\\n")
print(summary.text())
"""),
    md("""
Two failures, each with its last traceback lines: `assert -1 == 5` says what `add` returned, the
`ZeroDivisionError` says division by zero is not handled. That text is exactly what the model
reads as the observation of `run_tests`.

## Tests from docstring examples
A function whose docstring shows `>>> add(2, 3)` and `5` already has a specification. `doctest`
finds the examples; each becomes one plain pytest test.
"""),
    code("""
from shared.planning.self_eval import EXAMPLES_FILE, write_example_tests

# (the stub is a file: IPython strips a leading ">>> " from the lines of a cell, strings too)
stub = (ROOT / "phase5_planning/fixtures/stats_stub.py").read_text()
(workspace / "stats.py").write_text(stub)
print(stub)
path, count = write_example_tests(workspace)
print(f"--- {path.name}: {count} tests\\n{path.read_text()}")
print(run_pytest(workspace, EXAMPLES_FILE).text())
"""),
    md("""
The stub passes its first example and fails the second: `sum([]) / len([])` raises
ZeroDivisionError, not the ValueError the docstring promises.

## A finish the tests refuse
The agent below writes the unsafe calculator and its tests, and tries to finish without running
them. The agent runs them itself, refuses the finish with the failures, and the model fixes the
code.
"""),
    code(SCRIPTED),
    code("""
from shared.planning.planning_agent import Techniques, run_planning_agent
from phase5_planning.tasks import CALCULATOR
from shared.trajectory import read_trajectory, runs_root

good = ("def add(a, b):\\n    return a + b\\n\\n\\ndef subtract(a, b):\\n    return a - b\\n\\n\\n"
        "def multiply(a, b):\\n    return a * b\\n\\n\\ndef divide(a, b):\\n    if b == 0:\\n"
        "        raise ValueError('division by zero')\\n    return a / b\\n")
unsafe = good.replace("    if b == 0:\\n        raise ValueError('division by zero')\\n", "")
tests = (workspace / "test_calculator.py").read_text()
fix = ("edit_file", {"path": "calculator.py", "old": "    return a / b",
                     "new": "    if b == 0:\\n        raise ValueError('division by zero')\\n    return a / b"})
actions = [("write_file", {"path": "calculator.py", "content": unsafe}),
           ("write_file", {"path": "test_calculator.py", "content": tests}),
           ("final_answer", {"answer": "done"}), fix, ("final_answer", {"answer": "done, tests pass"})]
llm = scripted(actions, plan="1. Write calculator.py\\n2. Write test_calculator.py\\n3. Run the tests\\n4. Finish")
run_dir = CALCULATOR.prepare(Path(tempfile.mkdtemp(prefix="phase5-nb2-run-")))
result = run_planning_agent(llm, CALCULATOR.prompt, run_dir, quiet=False,
                            trajectory_path=runs_root() / "phase5" / "notebook-judge.jsonl")
print(f"\\nstop: {result.stop_reason}, refused finishes: {result.refused_finishes}, "
      f"test runs: {result.test_runs}, verified: {result.verified}")
grade = CALCULATOR.grade(run_dir)
print("grade:", grade.detail)
"""),
    md("""
The grade runs three things: the agent's own tests, **hidden tests** it never saw, and the
agent's tests against two broken calculators (a wrong `add`; `divide(x, 0)` returning 0). Tests
that pass on everything are worthless; good tests of normal and edge cases catch both.

## Best of n: let the tests choose
When the tests fail twice in a row, the agent asks for whole new versions of the failing file
at temperature 0.8 (a different seed each), runs the tests on each and keeps the best; the file
as it was is candidate #0, so sampling never makes things worse.
"""),
    code("""
from shared.planning.self_eval import best_of_messages, best_of_n

(workspace / "calculator.py").write_text(unsafe.replace("a + b", "a - b"))
before = run_pytest(workspace, "test_calculator.py")
samples = ScriptedBackend([
    "```python\\n" + unsafe + "```",                       # add is right, divide still unsafe
    "Here you go:\\n```python\\n" + good + "```",           # everything right
])
messages = best_of_messages(CALCULATOR.prompt, "calculator.py",
                            (workspace / "calculator.py").read_text(),
                            {"test_calculator.py": tests}, before)
outcome = best_of_n(samples, messages, 3, workspace / "calculator.py",
                    judge=lambda: run_pytest(workspace, "test_calculator.py"), current=before)
print(outcome.report())
"""),
    md("""
With a real model the samples differ because the temperature is above 0: sampling buys
diversity, the tests buy selection. Both are needed: without tests, picking among samples is a
guess.

## Live: one run of the agent
Without AGENTLAB_FAST the configured model does the calculator task with every technique on;
`make -C phase5_planning run` does the same from a terminal, and `make check` is the definition
of done. It takes minutes on a laptop CPU.
"""),
    code("""
if not FAST:
    from shared.llm import get_llm
    from phase5_planning.tasks import run_task
    live_run = run_task("calculator", get_llm(), runs_root() / "phase5" / "notebook-live", quiet=False)
    print(live_run.grade.detail, "| stop:", live_run.result.stop_reason)
else:
    print("AGENTLAB_FAST=1: the live cell is skipped")
"""),
]

REPORT = [
    md("""
# 3. Reading the benchmark report

"It seems to work better" is a feeling; a benchmark turns it into a number you can compare. The
phase 5 benchmark runs every **agent generation** of this course on the same tasks, graded by
hidden tests the agent never sees:

| generation | what it is |
| --- | --- |
| `plain` | one reply of the model, its code written to the file (the baseline) |
| `phase2` | the dumb loop: run the program, feed the error back |
| `phase3` | the tool-using agent |
| `phase4` | the agent that keeps its context within a budget |
| `phase5` | the agent that plans, tests its own work and finishes only when it is verified |

This notebook runs a small slice, then reads what it wrote: the results file, the figures
(pass@1 and its spread, pass@k), the failure taxonomy, the report and its plots, and a replay.
"""),
    code(SETUP),
    md("""
## The tasks
Each task is a folder: `task.json` (the prompt, the entry file, a time limit), `start/` (what the
agent gets), `hidden/` (the tests it never sees) and `solution/` (a reference, which proves the
hidden tests right). Two tracks: **project** tasks (files, debugging, refactoring) and
**function** tasks (a signature and a docstring with examples).
"""),
    code("""
from collections import Counter
from shared.bench.task_set import load_tasks

tasks = load_tasks()
print(Counter((t.track, t.level) for t in tasks))
first = load_tasks(track="function")[0]
print(f"\\n{first.name} ({first.level}): {first.prompt}\\n")
print((first.start_dir / first.main_entry).read_text())
"""),
    md("""
## Running a slice
`run_bench` runs every (model, generation, task, seed) in **its own worker process**: a run that
passes its time limit is killed with everything it started and recorded as `timeout`, and each
worker builds its own backend. Each result is appended to `results.jsonl` as it finishes, so an
interrupted run resumes where it stopped (`python -m shared.bench.command --resume`).

With AGENTLAB_FAST=1 the model is a **stand-in** scripted to show each outcome (one plain reply
gets the first task right and leaves the second as it was; the loop and the agent write the
reference solution): the figures below are about the harness, not about a model. Without it,
the configured model runs plain, phase2 and phase3 on two function tasks (minutes on a CPU).
"""),
    code("""
import json, tempfile
from shared.llm import ScriptedBackend
from shared.code_loop import SYSTEM_PROMPT as LOOP_SYSTEM
from shared.trajectory import runs_root
from shared.bench.generations import PLAIN_SYSTEM
from shared.bench.harness import BenchConfig, run_bench, default_llm

names = [t.name for t in load_tasks(track="function")[:2]]
by_prompt = {t.prompt: t for t in load_tasks(names=names)}

def stand_in(model="", threads=0):
    \"\"\"A scripted model: it finds the task in the conversation and answers from its folder.\"\"\"
    def reply(messages):
        asked = "\\n".join(str(m["content"]) for m in messages if m["role"] == "user")
        task = next(t for p, t in by_prompt.items() if p in asked)
        solution = (task.solution_dir / task.main_entry).read_text()
        if messages[0]["content"] == PLAIN_SYSTEM:
            start = (task.start_dir / task.main_entry).read_text()
            return f"```python\\n{solution if task.name == names[0] else start}```"
        if messages[0]["content"] == LOOP_SYSTEM:
            return f"```python\\n{solution}```"
        wrote = any(f'"path": "{task.main_entry}"' in str(m["content"])
                    for m in messages if m["role"] == "assistant")
        if wrote:
            return json.dumps({"think": "done", "name": "final_answer", "arguments": {"answer": "written"}})
        return json.dumps({"think": "write it", "name": "write_file",
                           "arguments": {"path": task.main_entry, "content": solution}})
    return ScriptedBackend(reply, model="stand-in")

config = BenchConfig(["plain", "phase2", "phase3"], names, seeds=2 if FAST else 1,
                     temperature=0.3, workers=1)
run_dir = Path(tempfile.mkdtemp()) / "slice" if FAST else runs_root() / "bench" / "phase5" / "notebook-slice"
records = run_bench(run_dir, config, make_llm=stand_in if FAST else default_llm)
print(len(records), "runs recorded in", run_dir)
"""),
    md("""
## One line per run
Every record carries what is needed to compare runs honestly: the model, its quantisation and
context size, the temperature, the seed and the git commit; the outcome (passed, the hidden
tests' counts, steps, tokens, time, well-formed replies); and where its trajectory and final
workspace are kept.
"""),
    code("""
from shared.bench.harness import read_records
record = read_records(run_dir / "results.jsonl")[0]
for key in ("generation", "task", "seed", "model", "quantisation", "n_ctx", "temperature", "commit",
            "passed", "n_passed", "n_failed", "steps", "replies", "well_formed", "stop_reason",
            "delivered", "failure", "trajectory"):
    print(f"{key:13} {record.get(key)}")
"""),
    md("""
## The figures: pass@1, its spread, pass@k
- **pass@1**: the share of tasks passed in one run, averaged over the seeds; its **spread** (the
  standard deviation over seeds) says how far one run can be trusted. With sampling on
  (temperature > 0) two seeds give two different runs.
- **first try**: seed 0 alone.
- **pass@k**: the chance that at least one of k runs passes. From n runs of a task of which c
  passed, the unbiased estimate is `1 - C(n-c, k) / C(n, k)` (the HumanEval paper), averaged
  over the tasks. Simply counting "passed in any of my n runs" would overstate pass@k for k < n.
"""),
    code("""
from shared.bench.figures import pass_at_k, summarise
print("a task passed 2 times in 5 runs:", {k: round(pass_at_k(5, 2, k), 2) for k in range(1, 6)})

table = summarise(records)
for model, generations in table.items():
    for generation, f in generations.items():
        print(f"{model} {generation:7} pass@1 {f['pass_at_1']:.0%} ± {f['pass_at_1_spread']:.0%}"
              f"  first try {f['first_try']:.0%}  pass@k {f['pass_at_k']}"
              f"  well-formed {f['well_formed']:.0%}  failures {f['failures']}")
"""),
    md("""
## Why runs fail: the taxonomy
A pass rate says how often; the **failure taxonomy** says why. Each failed run gets one class,
read from its record and its trajectory, in this order: `timeout`, `error` (the run could not
happen), `budget` (the context overflowed), `loop` (the same call again and again), `format
error` (replies that could not be read), `wrong tool` (calls to tools that do not exist or with
wrong arguments), `gave up` (nothing delivered: the file is as it was) and `tests failing`
(code delivered, the hidden tests fail). A generation that fails mostly by `format error` needs
a better action format; one that fails by `tests failing` needs to check its work: that is what
phase 5 adds.
"""),
    code("""
from shared.trajectory import read_trajectory
failed = [r for r in records if not r["passed"]]
for r in failed:
    print(f"{r['generation']}/{r['task']}#{r['seed']}: {r['failure']} "
          f"(stop: {r['stop_reason']}, delivered: {r['delivered']})")
if failed:
    events = read_trajectory(run_dir / failed[0]["trajectory"])
    print("\\nits trajectory:", [e["kind"] for e in events])
"""),
    md("""
## The report
`write_report` writes `report.md` beside the results, with three plots: pass@1 per generation
and model (the error bar is the spread over seeds), time, tokens and replies per task, and the
failure classes. It also states the **aims** of this phase, computed from the figures: phase 5
beats one plain reply by 15 points on the function track with the 0.5B model; each generation
beats the one before; `line_report` and `function_and_tests` pass. An aim the slice did not
measure says so.
"""),
    code("""
from IPython.display import Image, Markdown, display
from shared.bench.report import write_report
report = write_report(run_dir, records)
text = report.read_text()
display(Markdown(text[text.index("## The aims"):text.index("## Failure taxonomy")]))
display(Image(filename=str(run_dir / "plots" / "pass_rate.png")))
"""),
    md("""
## Replay: re-score without a model
The final workspace of every run is kept. `replay` grades them again with the hidden tests and
recomputes every figure, without a model: after fixing a hidden test, or to check a report
someone sent you. Here we break one kept workspace to see the replay notice.
"""),
    code("""
from shared.bench.harness import replay
passed = next(r for r in records if r["passed"])
(run_dir / passed["workspace"] / passed["entry"][0]).write_text("# broken on purpose\\n")
again = replay(run_dir, progress=False)
print("passed before:", sum(r["passed"] for r in records), " after the replay:", sum(r["passed"] for r in again))
print("the broken run is now:", next(r["failure"] for r in again if r["folder"] == passed["folder"]))
"""),
    md("""
## The real figures
`make -C phase5_planning bench` runs every generation on every task with three seeds (hours on a
laptop CPU; `--limit=`, `--track=` and `--generations=` make it smaller, `--resume` continues an
interrupted run). The table per generation and model goes to `runs/bench/phase5.json`; the
full report sits in the run's folder. When you read it, look at three things: the pass@1 *and its
spread* (a 5-point gain inside the spread is noise), the function track (where the aim is
stated), and the failure classes of the generation you are improving.
"""),
    code("""
table_file = runs_root() / "bench" / "phase5.json"
if table_file.is_file() and not FAST:
    for a in json.loads(table_file.read_text())["aims"]:
        print(f"{a['status']:12} {a['aim']}\\n             {a['detail']}")
else:
    print("no full benchmark recorded yet: run `make -C phase5_planning bench`")
"""),
]

DOMAIN = [
    md("""
# 4. Another domain, the same core: a data-file assistant

Since phase 3 the agent has been four things: a **loop** (ask the model, read its action, run
it, show the observation), a **registry** of tools, an **action format** (how a call is written
and read) and its **guardrails**. None of them knows about code. The coding agent is a coding
agent because of its tools (`read_file`, `write_file`, `run_tests`, ...) and its first messages.

Here we build a different agent from the same frozen core, `shared.agent`, without copying a line
of it: a **data-file assistant** that answers questions about CSV files. What is new is
`phase5_planning/data_assistant.py`:

- three tools, each a plain function: `list_data_files()`, `describe_csv(path, rows=3)`,
  `aggregate(path, column, how, group_by="")`, reading with the standard library's `csv` module
  and confined to a data folder;
- `DataAssistant(Agent)`, which overrides **one** seam, `initial_messages` (a data analyst's
  system prompt and worked example instead of a coder's).

The loop, the registry, the formats and the trajectory are unchanged.
"""),
    code(SETUP),
    md("""
## A tool is a plain function; its schema comes from the signature
The registry reads each function's name, type annotations and docstring (`shared.agent.tool_schema`)
and makes the JSON schema that goes into the prompt, into native tool calling and into the grammar
of constrained decoding. `how: Literal["sum", "mean", "min", "max", "count"]` becomes an `enum`:
with constrained decoding the model *cannot* ask for a median.
"""),
    code("""
import json
from phase5_planning.data_assistant import DATA, data_tools
from shared.agent import ToolRegistry, final_answer, tool_schema

tools = data_tools(DATA)                       # bound to the shipped fixture folder
aggregate = tools[2]
print(json.dumps(tool_schema(aggregate), indent=1))
registry = ToolRegistry(tools + [final_answer])
print()
print(registry.describe())                     # the lines the system prompt shows
"""),
    md("""
## The registry runs a call, and errors are observations
A wrong column, a text column summed, a path out of the folder: each comes back as one sentence
that says what to do instead, never a traceback. The loop hands it to the model, which tries
again.
"""),
    code("""
calls = [("list_data_files", {}),
         ("describe_csv", {"path": "sales.csv", "rows": 2}),
         ("aggregate", {"path": "sales.csv", "column": "units", "how": "sum", "group_by": "region"}),
         ("aggregate", {"path": "sales.csv", "column": "unit", "how": "sum"}),      # no such column
         ("aggregate", {"path": "sales.csv", "column": "region", "how": "mean"}),   # text, not numbers
         ("describe_csv", {"path": "../check.py"}),                                 # out of the folder
         ("aggregate", {"path": "sales.csv", "column": "units", "how": "median"})]  # not in the enum
for name, arguments in calls:
    seen = registry.run(name, arguments)
    print(f"{name}({arguments}) -> {seen.kind}\\n{seen.text}\\n")
"""),
    md("""
## The agent: one seam overridden
`DataAssistant` subclasses phase 3's `Agent`. Its constructor builds the registry from the three
tools (plus `final_answer`); `initial_messages` writes the system prompt from the registry and
adds a worked example on another file (small models copy the shape of a demonstration far
better than they follow rules). Everything else is inherited.
"""),
    code("""
import inspect
from phase5_planning.data_assistant import DataAssistant
from shared.agent import Agent

print("overridden:", [n for n in vars(DataAssistant) if callable(getattr(DataAssistant, n))
                      and not n.startswith("__")])
print("inherited: ", [n for n in ("run", "step", "query", "execute") if n not in vars(DataAssistant)])
print()
print(inspect.getsource(DataAssistant.initial_messages))
"""),
    md("""
## A run with a scripted model
A stand-in model (deterministic and instant) makes the calls a good model would make: look at
the file, try a column that does not exist, recover from the error, compute, answer. The loop
prints each action and observation as phase 3's did.
"""),
    code("""
import csv, tempfile
from phase5_planning.data_assistant import ask
from shared.llm import ScriptedBackend

def call(name, **arguments):
    return json.dumps({"think": f"next: {name}", "name": name, "arguments": arguments})

with open(DATA / "sales.csv", newline="") as handle:    # the answer, computed without the agent
    expected = sum(int(row["units"]) for row in csv.DictReader(handle))

stand_in = ScriptedBackend([
    call("describe_csv", path="sales.csv"),
    call("aggregate", path="sales.csv", column="unit", how="sum"),
    call("aggregate", path="sales.csv", column="units", how="sum"),
    call("final_answer", answer=f"{expected} units were sold in total."),
])
trajectory = Path(tempfile.mkdtemp()) / "scripted.jsonl"
result = ask("How many units were sold in total?", stand_in, trajectory_path=trajectory,
             verbose=True)
print(f"\\nanswer: {result.answer}\\nstop: {result.stop_reason}, {result.steps} steps")
assert str(expected) in result.answer
"""),
    md("""
The trajectory has the same events as every agent since phase 3 (`llm_reply`, `action`,
`observation`, `result`), so the tools that read trajectories, the benchmark's failure taxonomy
among them, read this one too.
"""),
    code("""
from shared.trajectory import read_trajectory

for event in read_trajectory(trajectory):
    if event["kind"] in ("action", "observation"):
        detail = event.get("name") or event.get("outcome")
        print(f"{event['t']:7.3f} s  {event['kind']:12} {detail}")
"""),
    md("""
## The real model
Set `AGENTLAB_NOTEBOOK_LIVE=1` before starting Jupyter (or in a cell: `os.environ[...] = "1"`)
to ask the configured model (`get_llm()`: the embedded 0.5B by default, Ollama or an
OpenAI-compatible server if you chose one). The cell checks the number in its answer against
the one computed above. From a terminal, the same thing is

    .venv/bin/python -m phase5_planning.data_assistant "How many units were sold in total?"

and `--data DIR` points it at a folder of your own CSV files.
"""),
    code("""
from shared.llm import get_llm

if os.environ.get("AGENTLAB_NOTEBOOK_LIVE") == "1" and not FAST:
    live = ask("How many units were sold in total?", get_llm(), verbose=True)
    print(f"\\nanswer: {live.answer!r}; stop: {live.stop_reason}, {live.steps} steps, "
          f"{live.prompt_tokens + live.completion_tokens} tokens")
    print("right" if str(expected) in live.answer else f"wrong: the total is {expected}")
else:
    print("skipped: set AGENTLAB_NOTEBOOK_LIVE=1 to ask the real model")
"""),
    md("""
## Your turn
1. Add a fourth tool, e.g. `top_rows(path, column, n=5)` (the rows with the largest values), as a
   plain function inside `data_tools`. Look at its schema and at `registry.describe()`; ask a
   question only it can answer.
2. Ask the real model a grouped question ("Which region sold the most units?"). Read the
   trajectory: did it use `group_by`, or did it try to add numbers up itself?
3. What would a *planning* data assistant need? `PlanningAgent` takes its tools from
   `planning_registry`; which of its techniques (plan, tests as the judge, verified finish) still
   make sense when the work is a number, not a file?
"""),
]

NOTEBOOKS = {
    "01_planning_and_replanning.ipynb": PLANNING,
    "02_tests_as_the_judge.ipynb": JUDGE,
    "03_reading_the_benchmark_report.ipynb": REPORT,
    "04_another_domain_data_assistant.ipynb": DOMAIN,
}


def build(out_dir: Path = HERE) -> None:
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build()
