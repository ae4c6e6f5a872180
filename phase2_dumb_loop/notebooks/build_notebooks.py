"""Writes phase 2's notebooks (outputs cleared, stable cell ids). Run after editing a lesson:

    .venv/bin/python phase2_dumb_loop/notebooks/build_notebooks.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.notebook_builder import code, md, write_notebooks

HERE = Path(__file__).resolve().parent
SETUP = """\
import os, sys
from pathlib import Path
ROOT = Path.cwd().resolve().parents[1]          # the notebook runs in phase2_dumb_loop/notebooks
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
FAST = os.environ.get("AGENTLAB_FAST") == "1"   # tests run the notebooks fast, with a scripted model"""


SAFE = [
    md("""
# 1. Running model-written code safely

The agent of this phase runs code that a language model wrote a second ago. Nobody has read it.
It may loop forever, print a gigabyte, eat all memory, start processes that never end, read our
API keys from the environment or talk to the internet. So before the agent, the **sandbox**:
`shared/sandbox.py`, `run_code(code)`.

What it does for every run:
- a **fresh workspace folder** (two runs never share a file), used as the current folder and HOME;
- the **same Python** as ours (`sys.executable`), in its **own process group**;
- a **timeout** (default 10 s) that kills the whole group, children included;
- **rlimits**: CPU seconds, address space, file size, number of processes;
- **captured output**, capped (first and last halves kept, with a note of how much was cut);
- an **environment without our secrets**: only PATH, HOME, LANG and a few PYTHON* settings;
- where the system allows: own **PID and network namespaces** (no network).
"""),
    code(SETUP),
    code("""
from shared.sandbox import SandboxLimits, isolation_level, run_code
print("isolation on this machine:", isolation_level())
result = run_code("print(sum(range(101)))")
result
"""),
    md("""
`isolation` says how strong the wall is: **bwrap** (bubblewrap: read-only file system, private
/tmp, our home folder hidden, own PID and network namespaces), **unshare** (own PID and network
namespaces) or **process-group** (limits and a clean environment only). Install `bubblewrap`
(`apt install bubblewrap`) to get the first.

## A program that never ends
The timeout kills it, and the note at the end of stderr tells the model why.
"""),
    code("""
result = run_code("while True:\\n    pass", timeout_s=1.0)
print(result.timed_out, f"{result.duration_s:.2f} s")
print(result.stderr)
"""),
    md("""
## A flood of output
Reading the pipes bit by bit and keeping only `output_bytes` means even 100 MB of prints cost us
no memory. We keep the start *and* the end: the end of a traceback is what matters.
"""),
    code("""
n = 1_000_000 if FAST else 100_000_000
result = run_code(f"print('x' * {n}); print('the end')", limits=SandboxLimits(output_bytes=200))
print(result.stdout)
print("bytes cut:", result.stdout_cut_bytes)
"""),
    md("""
## Memory, secrets and the network
"""),
    code("""
hog = run_code("data = bytearray(4 * 1024**3)", limits=SandboxLimits(memory_mb=512))
print("memory hog:", hog.stderr.strip().splitlines()[-1])

os.environ["MY_API_KEY"] = "sk-very-secret"
peek = run_code("import os; print(os.environ.get('MY_API_KEY'), sorted(os.environ))")
print("what the program sees:", peek.stdout)

net = run_code("import socket\\n"
               "try:\\n    socket.create_connection(('1.1.1.1', 80), timeout=2); print('online')\\n"
               "except OSError as err:\\n    print('no network:', err)")
print(net.stdout)
"""),
    md("""
## Processes left behind, and a fork bomb
A program may start a child that outlives it. Killing the whole group (and, with namespaces, the
whole PID namespace) takes the child down too. A fork bomb is held by a process cap
(`process_cap`: a `pids` cgroup when we are root, RLIMIT_NPROC for a normal user, else a
watchdog that counts the processes) and then killed with everything else.
"""),
    code("""
bomb = "import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass"
result = run_code(bomb, timeout_s=2.0, limits=SandboxLimits(max_processes=16))
print(result.ok, result.killed_by, "cap:", result.process_cap)
print(run_code("print('the machine is fine')").stdout)
"""),
    md("""
**Try it:** run `run_code("import os; print(os.listdir('/'))")` and compare with your own
`os.listdir('/')`; then set `AGENTLAB_SANDBOX=process-group` before starting Python and see what
changes.
"""),
]

PARSE = [
    md("""
# 2. Prompting and parsing

Two small pieces sit between the model and the sandbox:
- **prompts** (`prompts.py`): what we say to the model: a system prompt, the task, and the
  feedback after a failure;
- **extraction** (`extract.py`): getting the program back out of whatever the model replied.
"""),
    code(SETUP),
    code("""
from shared.code_loop.prompts import SYSTEM_PROMPT, task_message, NO_CODE_NUDGE
print(SYSTEM_PROMPT)
print("---")
print(task_message("Read sales.csv and print the total per product.", ["sales.csv"]))
"""),
    md("""
Short and concrete, and it repeats the output format: a 0.5B model forgets instructions easily.
It also states the environment (no internet, standard library only), which saves attempts.

## Extracting the code
Models reply in many shapes. `extract_code` takes the python-tagged fenced blocks (joined in
order), else untagged blocks, else the largest run of lines that parses as Python; blocks in
other languages (`bash`, `text`) are never taken; a reply with no code gives `None`.
"""),
    code("""
from shared.code_loop.extract import extract_code, find_code_blocks
replies = {
    "tagged": "Here you go:\\n```python\\nprint('hi')\\n```\\nEnjoy!",
    "untagged": "```\\nprint('hi')\\n```",
    "bash then python": "```bash\\npip install x\\n```\\n```python\\nprint('hi')\\n```",
    "cut off": "```python\\nfor i in range(3):\\n    print(i)",
    "indented list item": "1. Run:\\n   ```python\\n   print('hi')\\n   ```",
    "no fences": "Sure, this works:\\nprint('hi')",
    "no code": "I think you should print it.",
}
for name, reply in replies.items():
    print(f"{name:20} -> {extract_code(reply)!r}")
"""),
    md("""
`find_code_blocks` shows what the parser saw: language tag, text, whether the fence was closed.
"""),
    code("""
find_code_blocks("```bash\\npip install pandas\\n```\\n```python\\nimport csv\\n")
"""),
    md("""
The tests check two properties with **hypothesis** (random inputs): `extract_code` never raises,
whatever the text, and any code put in a fence comes back exactly.

## The feedback after a failure
Not the whole stderr (it can be megabytes): its **tail**, where a traceback keeps the error, with
the workspace paths shortened, plus a one-line hint for errors a small model meets again and
again (a missing module, no network, a missing file, the time limit).
"""),
    code("""
from shared.code_loop.prompts import error_message
from shared.sandbox import run_code
run = run_code("import pandas as pd\\nprint(pd.__version__)")
print(error_message(run.stderr, run.stdout, run.returncode, str(run.workspace)))
"""),
    code("""
print(NO_CODE_NUDGE)
"""),
    md("""
**Try it:** write a reply in a shape that fools `extract_code` (for example two different
programs in two python blocks). What should the extractor do with it?
"""),
]

LOOP = [
    md("""
# 3. The loop

```
task -> model -> extract code -> run in the sandbox -> exit 0? done
                     ^ no code: "reply with a ```python block"      | error
                     +------------ tail of stderr + "fix it" <------+
```
It is *dumb* on purpose: the only judge is whether the program ran without error. Whether its
output is right is checked afterwards (each fixture task has a check); later phases teach the
agent to test its own work.

Under `AGENTLAB_FAST` (the tests) the model is a `ScriptedBackend` that replays fixed replies;
otherwise `get_llm()` gives the configured model (the embedded Qwen2.5-Coder-0.5B by default).
"""),
    code(SETUP),
    code("""
from shared.llm import ScriptedBackend, get_llm
from shared.code_loop.loop import solve
from phase2_dumb_loop.tasks import TASKS

scripted_replies = [
    "I would use a loop.",                                      # no code: gets a nudge
    "```python\\nfor i in range(1, 11)\\n    print(i)\\n```",      # syntax error: gets the error
    "```python\\nfor i in range(1, 11):\\n    print(i)\\n```",     # works
]
llm = ScriptedBackend(scripted_replies) if FAST else get_llm()
"""),
    code("""
def show(kind, fields):
    if kind == "reply":
        print(f"--- attempt {fields['attempt']} ({fields['tokens']} tokens)")
    elif kind == "code":
        print("code:", "none found" if fields["code"] is None else "\\n" + fields["code"])
    elif kind == "run":
        print(f"run: exit {fields['returncode']}, {fields['seconds']:.2f} s")
    elif kind == "feedback":
        print("sent back:", fields["content"][:300])

result = solve("Print the numbers 1 to 10", llm, on_event=show, max_attempts=4)
print()
print("success:", result.success, "| attempts:", result.attempts, "| tokens:", result.tokens,
      f"| {result.seconds:.1f} s")
print("right output:", TASKS["print_1_to_10"].check(result.stdout))
"""),
    md("""
## The trajectory
Every run writes a JSON-lines file under `runs/phase2/` as it goes: one event per line, with the
time since the start. It is how you find out *why* an attempt failed.
"""),
    code("""
from shared.trajectory import read_trajectory
for event in read_trajectory(result.trajectory):
    short = {k: (v[:60] + "..." if isinstance(v, str) and len(v) > 60 else v)
             for k, v in event.items() if k not in ("messages", "meta")}
    print(short)
"""),
    md("""
## The four test tasks
`tasks.py` holds the fixtures that `make check` runs: print 1 to 10, is 17 prime, a CSV summary
(the CSV is written into each attempt's workspace) and a task that asks for **pandas**, which
the sandbox does not have: the model must adapt (use the `csv` module) or the loop must fail
gracefully. Here the missing-package task, with a scripted model that first reaches for pandas.
"""),
    code("""
task = TASKS["missing_package"]
pandas_first = [
    "```python\\nimport pandas as pd\\nprint(pd.read_csv('scores.csv')['score'].mean())\\n```",
    "```python\\nimport csv\\nrows = list(csv.DictReader(open('scores.csv')))\\n"
    "print(sum(float(r['score']) for r in rows) / len(rows))\\n```",
]
llm4 = ScriptedBackend(pandas_first) if FAST else llm
result = solve(task.prompt, llm4, files=task.files, on_event=show)
print("\\nright output:", task.check(result.stdout), "| expected:", task.expect)
"""),
    md("""
**Try it:** `python -m phase2_dumb_loop "Print the first 10 Fibonacci numbers"` from the repo
root shows every attempt live; `make check` in this folder runs all four tasks with the real
model and prints the table.
"""),
]


NOTEBOOKS = {
    "01_running_code_safely.ipynb": SAFE,
    "02_prompting_and_parsing.ipynb": PARSE,
    "03_the_loop.ipynb": LOOP,
}


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
