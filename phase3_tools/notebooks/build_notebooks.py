"""Writes phase 3's notebooks (outputs cleared, stable cell ids). Run after editing a lesson:

    .venv/bin/python phase3_tools/notebooks/build_notebooks.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.notebook_builder import code, md, write_notebooks

HERE = Path(__file__).resolve().parent
SETUP = """\
import os, tempfile
from pathlib import Path
FAST = os.environ.get("AGENTLAB_FAST") == "1"   # set by the test suite: scripted model, small sizes
scratch = Path(tempfile.mkdtemp(prefix="phase3-nb-"))"""

NOTEBOOKS: dict[str, list] = {}

NOTEBOOKS["01_tools_and_schemas.ipynb"] = [
    md("""
# Phase 3, lesson 1: tools are plain functions

An agent acts through **tools**. Here a tool is nothing more than a Python function with type
hints and a docstring. From those two things we derive, once, everything else:

* the **JSON schema** the model sees (names, types, descriptions, which arguments are required),
* the **validation** of the arguments the model sends (pydantic),
* a one-line **description** for the prompt.

The `ToolRegistry` lists the tools, validates a call and runs it. Every outcome becomes an
**observation**, errors included: the model never sees our Python traceback, it reads one
sentence saying what went wrong.
"""),
    code(SETUP),
    code('''
from shared.agent.tool_schema import tool_schema

def count_words(text: str, unique: bool = False) -> int:
    """Count the words of a text.

    Args:
        text: the text to count.
        unique: count each distinct word once.
    """
    words = text.split()
    return len(set(words)) if unique else len(words)

tool_schema(count_words)
'''),
    md("""
The registry validates before it runs. A wrong argument is an observation of kind `invalid`; the tool never ran.
"""),
    code("""
from shared.agent.registry import ToolRegistry

registry = ToolRegistry([count_words])
print(registry.describe())
print(registry.run("count_words", {"text": "to be or not to be", "unique": True}))
print(registry.run("count_words", {"txt": "oops"}))
print(registry.run("delete_all", {}))
"""),
    md("""
## The workspace tools

`read_file`, `write_file`, `edit_file`, `list_files`, `run_python` and `run_shell` are bound to one folder,
the **workspace**. Paths are resolved and must stay inside it: `..`, absolute paths elsewhere and
symbolic links that point out are refused, with an observation the model can act on.
"""),
    code("""
from phase3_tools.tasks import build_registry

workspace = scratch / "ws"
tools = build_registry(workspace)
print(tools.describe())
for path in ["../../etc/passwd", "/etc/passwd"]:
    print(tools.run("read_file", {"path": path}))
(workspace / "escape").symlink_to("/etc")
print(tools.run("list_files", {"path": "escape"}))
"""),
    md("""
## Lint on edit

Writing a `.py` file that no longer compiles is reported straight back (SWE-agent and aider do
the same): the model learns of its syntax error before it runs anything.
"""),
    md("""
`edit_file` replaces one piece of text (a whole line is safest): a 0.5B model gets a one-line fix right far more often than a rewrite of the whole file, which tends to lose lines.
"""),
    code("""
print(tools.run("write_file", {"path": "hello.py", "content": "print('hi'\\n"}))
print(tools.run("write_file", {"path": "hello.py", "content": "print('hi')\\n"}))
print(tools.run("edit_file", {"path": "hello.py", "old": "print('hi')", "new": "print('hello, edited')"}))
print(tools.run("run_python", {"path": "hello.py"}))
print(tools.run("run_shell", {"command": "ls -la"}).text[:300])
"""),
    md("""
Long outputs are cut in the middle with a note, so one chatty program cannot fill the model's context.
"""),
    code("""
print(tools.run("run_python", {"code": "print('x' * 20000)"}).text[-400:])
"""),
]


NOTEBOOKS["02_action_formats.ipynb"] = [
    md("""
# Phase 3, lesson 2: getting a valid action out of a small model

The model must answer with an **action**: `{"think": ..., "name": <tool>, "arguments": {...}}`.
A 0.5B model writes it in many ways: bare, in a ```` ```json ```` fence, after a sentence of prose,
with a trailing comma, with Python's `True`/`None`, with keys of its own choosing, or in Qwen's
`<tool_call>` tags. Four **action formats** attack the problem differently:

| format | what we ask for | how we read it |
| --- | --- | --- |
| `json` | a JSON object in the text | forgiving parser: plain, fences, tags, balanced `{...}`, repairs |
| `tags` | Qwen's native `<tool_call>{...}</tool_call>` | tags first, then the same fallbacks |
| `native` | `tools=` through the backend | `tool_calls` if any; else the content (Qwen often writes JSON there) |
| `constrained` | `response_format` with the action's JSON schema | the grammar makes a malformed action impossible |
"""),
    code(SETUP),
    code("""
from shared.agent.actions import parse_json_action

replies = [
    '{"think": "look first", "name": "read_file", "arguments": {"path": "a.py"}}',
    'Sure!\\n```json\\n{"name": "read_file", "arguments": {"path": "a.py"}}\\n```',
    "{'tool': 'read_file', 'args': {'path': 'a.py'},}",
    '<tool_call>\\n{"name": "read_file", "arguments": {"path": "a.py"}}\\n</tool_call>',
    'I will read the file now.',
    '{"name": "write_file", "arguments": {"path": "a.py", "content": "x = ',
]
for reply in replies:
    print(f"{reply[:50]!r:55} -> {parse_json_action(reply)}")
"""),
    md("""
A parse error is not a crash: it becomes a **corrective message**. A reply that hit its
token limit (`finish_reason == "length"`) needs different advice ("be shorter") from one that
is simply malformed ("use this form").
"""),
    code("""
from shared.agent.action_formats import get_format
from shared.llm import ChatResult

fmt = get_format("json")
cut = fmt.parse(ChatResult(content=replies[-1], finish_reason="length"))
bad = fmt.parse(ChatResult(content=replies[-2]))
print(fmt.correction(cut, max_tokens=700), "\\n")
print(fmt.correction(bad, max_tokens=700))
"""),
    md("""
The constrained format sends the JSON schema of every valid action, one branch per tool. `think` comes first, so the model writes its reason before it commits to a call.
"""),
    code("""
import json
from shared.agent.action_formats import action_schema
from phase3_tools.tasks import build_registry

registry = build_registry(scratch / "ws")
schema = action_schema(registry)
print(json.dumps(schema["anyOf"][1], indent=1))
for name in ["json", "tags", "native", "constrained"]:
    print(name, "->", list(get_format(name).request(registry)))
"""),
    md("""
## One real reply per format

With the real model (not under `AGENTLAB_FAST`), ask each format for the first step of the
broken.py task and see what comes back. Under `AGENTLAB_FAST` a scripted model stands in.
"""),
    code("""
from shared.llm import ScriptedBackend, get_llm
from phase3_tools.tasks import TASKS

llm = ScriptedBackend(lambda m: '```json\\n{"name": "read_file", "arguments": {"path": "sandbox/broken.py"}}\\n```') if FAST else get_llm()
for name in ["json", "tags", "native", "constrained"]:
    f = get_format(name)
    messages = [{"role": "system", "content": f.system_prompt(registry)},
                {"role": "user", "content": TASKS["fix_broken"].prompt}]
    reply = llm.chat(messages, **f.request(registry), temperature=0.0, max_tokens=200)
    print(f"{name:12} {reply.latency_s:5.1f} s  {f.parse(reply)}")
"""),
]


NOTEBOOKS["03_agent_loop.ipynb"] = [
    md("""
# Phase 3, lesson 3: the multi-step loop

act → observe → decide, until the model calls `final_answer` or a limit is hit. The loop in
`shared/agent/loop.py` fits on one screen; everything else sits behind three seams: the
**action format**, the **registry** (tools) and the **guardrails**. Every run leaves a
**trajectory** file (JSON lines) that a person can read and a benchmark can score.

The task: *read sandbox/broken.py, find the bug, fix it, write the fixed version, and run it.*
"""),
    code(SETUP),
    code("""
from phase3_tools.tasks import TASKS, FIXTURES
print(TASKS["fix_broken"].prompt)
print((FIXTURES / "broken_task" / "broken.py.fixture").read_text())
"""),
    md("""
## What the model sees before its task: two worked examples

The system prompt lists the tools and the rules, but a 0.5B model follows rules poorly. What it
does follow is the *shape* of earlier turns. So before the real task the conversation holds two
short tasks that we solved ourselves, written as if the model had done them: fixing a file
(read, run, edit the one wrong line, run, answer) and creating one (list, `write_file`, run,
answer). With only the first, the model copied its paths (`demo/...`) into unrelated tasks; the
second one taught it that new files are made with `write_file` (see the README for the
measurements).
"""),
    code("""
from shared.agent.action_formats import get_format

for message in get_format("json").demonstration():
    text = message["content"].replace("\\n", " ")
    print(f"{message['role']:>9}: {text[:110]}")
"""),
    md("""
Under `AGENTLAB_FAST` a scripted model plays the agent (it replies exactly what a good agent would); otherwise the configured model (the embedded Qwen2.5-Coder-0.5B by default) does the work.
"""),
    code("""
import json
from shared.llm import ScriptedBackend, get_llm

script = [
    {"think": "Run it first to see the error.", "name": "run_python", "arguments": {"path": "sandbox/broken.py"}},
    {"think": "Now read the file.", "name": "read_file", "arguments": {"path": "sandbox/broken.py"}},
    {"think": "scors is a typo for scores: I fix that line.", "name": "edit_file",
     "arguments": {"path": "sandbox/broken.py", "old": "    return total / len(scors)", "new": "    return total / len(scores)"}},
    {"think": "Check the fix.", "name": "run_python", "arguments": {"path": "sandbox/broken.py"}},
    {"think": "Done.", "name": "final_answer", "arguments": {"answer": "Fixed the typo scors -> scores; it prints average: 85.0"}},
]
llm = ScriptedBackend([json.dumps(s) for s in script]) if FAST else get_llm()
"""),
    code("""
from phase3_tools.tasks import run_task

run = run_task("fix_broken", llm, scratch / "ws", "json", verbose=True)
print("\\npassed:", run.passed, "-", run.detail)
print("stop:", run.result.stop_reason, "| steps:", run.result.steps, "| valid:", run.result.valid_actions)
"""),
    md("""
## The trajectory

Each line is one event: the reply, the parsed action, the observation, with tokens and times.
"""),
    code("""
from shared.trajectory import read_trajectory

for event in read_trajectory(run.result.trajectory):
    shown = {k: (v[:70] + "...") if isinstance(v, str) and len(v) > 70 else v
             for k, v in event.items() if k not in ("meta",)}
    print(shown)
"""),
    md("""
## The other two tasks

`line_report` (list the files, count the lines of each .py file, write report.txt) and
`function_and_tests` (write is_palindrome and its pytest tests, run them). Each has a
programmatic check that re-runs the agent's files rather than trusting its final message.
"""),
    code("""
for name in ["line_report", "function_and_tests"]:
    print(name, ":", TASKS[name].prompt)
    print("   check:", TASKS[name].check.__doc__)
"""),
]


NOTEBOOKS["04_guardrails.ipynb"] = [
    md("""
# Phase 3, lesson 4: guardrails

An agent that runs shell commands needs limits that do not depend on the model behaving:

* a **deny list**: never run (deleting trees, sudo, the network, installs), whoever approves;
* an **allow list** of programs that only read or run our own code in the sandbox: run freely;
* everything else is **risky**: an approver decides. `ask_in_terminal` asks a human (y/N);
  scripts and tests use `approve_all` or `deny_risky`;
* a **step limit** and **repeated-call detection** stop an agent that is stuck.

The policy reads a command the way `/bin/sh` does, in one pass: quotes, `;`, `&&`, `||`, `|`, `&`
and redirections, so `python -c "import a; b"` is one command and `true & rm x` is two. Every
program in the line is judged and the strictest verdict wins. What it cannot see through is
refused outright: command substitution (`$(...)`, backticks), here-documents, `if`/`for` blocks,
and programs that run other programs (`env`, `xargs`, `timeout`). Code handed to an interpreter
(`python -c`) and variables set before a program (`PATH=. ls`) cannot be checked, so they are
risky. The policy guards the command line only: what `python a.py` does is the sandbox's job.
"""),
    code(SETUP),
    code("""
from shared.agent.guardrails import ShellPolicy

policy = ShellPolicy()
for command in ["python sandbox/broken.py", "wc -l app/*.py", "cat a.txt | grep x",
                "mv a.py b.py", "rm -rf /", "curl http://example.com", "pip install requests",
                "echo $(rm x)", "true & rm x", 'python -c "import a; b"', "PATH=. ls",
                "echo hi > /etc/x"]:
    verdict = policy.check(command)
    print(f"{command:28} {verdict.decision:6} {verdict.reason}")
assert policy.check("echo $(rm x)").decision == "deny"
assert policy.check('python -c "import a; b"').decision == "ask"
"""),
    md("""
Human in the loop: the approver is a function. Here a fake terminal answers; `python -m phase3_tools.run --approve=ask` asks you for real.
"""),
    code("""
from shared.agent.guardrails import ask_in_terminal, approve_all, deny_risky
from phase3_tools.tasks import build_registry

answers = iter(["y", "n"])
def fake_terminal(question):
    answer = next(answers)
    print(question.strip(), answer)
    return answer

human = lambda tool, args, reason: ask_in_terminal(tool, args, reason, ask=fake_terminal)
registry = build_registry(scratch / "ws", approve=human)
(scratch / "ws" / "a.txt").write_text("hello")
print(registry.run("run_shell", {"command": "mv a.txt b.txt"}))
print(registry.run("run_shell", {"command": "mv b.txt c.txt"}))
print(registry.run("run_shell", {"command": "rm -rf b.txt"}))   # deny list: nobody is even asked
"""),
    md("""
## Stuck agents: the same call again, and the step limit
"""),
    code("""
import json
from shared.llm import ScriptedBackend
from shared.agent.loop import run_agent

same = json.dumps({"think": "let me look again", "name": "list_files", "arguments": {}})
result = run_agent("Tidy the workspace.", ScriptedBackend([same] * 10), build_registry(scratch / "ws2"),
                   trajectory_path=scratch / "repeat.jsonl", verbose=True)
print("stop:", result.stop_reason, "after", result.steps, "steps")

wander = ScriptedBackend(lambda m: json.dumps({"name": "read_file", "arguments": {"path": f"f{len(m)}.txt"}}))
result = run_agent("Find the file.", wander, build_registry(scratch / "ws3"), max_steps=3,
                   trajectory_path=scratch / "limit.jsonl")
print("stop:", result.stop_reason, "after", result.steps, "steps")
"""),
]


NOTEBOOKS["05_text_to_json.ipynb"] = [
    md("""
# Phase 3, lesson 5: text to JSON

The same skills — a schema, a forgiving reader, validation, a corrective retry, constrained
decoding — turn free text into typed data. `extract(text, Schema, llm)`:

1. asks for an object that follows the pydantic model's JSON schema, with the schema as a
   grammar where the backend supports it (llama.cpp, Ollama);
2. reads the first JSON object in the reply, forgivingly;
3. validates it with pydantic; on failure, feeds the **validation error** back and retries.
"""),
    code(SETUP),
    code("""
from phase3_tools.extract_eval import Order, load_set
import json
print(json.dumps(Order.model_json_schema(), indent=1))
rows = load_set()
print(len(rows), "labelled texts, e.g.", rows[0])
"""),
    md("""
A scripted model that gets the quantity wrong once shows the retry: the second request carries the validation error.
"""),
    code("""
from shared.llm import ScriptedBackend
from phase3_tools.extract import extract

llm = ScriptedBackend(['{"customer": "Maria Lopez", "item": "blue mugs", "quantity": "three", "city": "Lisbon"}',
                       '{"customer": "Maria Lopez", "item": "blue mugs", "quantity": 3, "city": "Lisbon"}'])
found = extract(rows[0]["text"], Order, llm)
print(found.value, "after", found.attempts, "attempts")
print("fed back:", llm.calls[1]["messages"][-1]["content"])
"""),
    md("""
## Accuracy on the labelled set

With the real model this measures the whole set (about a minute with the 0.5B); under `AGENTLAB_FAST`, a scripted model that answers from the labels checks the scoring on five texts.
"""),
    code("""
from phase3_tools.extract_eval import evaluate
from shared.llm import get_llm

def from_labels(messages):
    text = messages[0]["content"].split("Text:\\n")[-1]
    return json.dumps(next(r["expected"] for r in rows if r["text"] == text))

model = ScriptedBackend(from_labels) if FAST else get_llm()
figures = evaluate(model, limit=5 if FAST else 0, progress=False)
print({k: v for k, v in figures.items() if k != "items"})
"""),
]


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
