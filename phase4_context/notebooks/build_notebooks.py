"""Writes this folder's notebooks (outputs cleared). Run: python phase4_context/notebooks/build_notebooks.py

With AGENTLAB_FAST=1 (the tests) every notebook runs on a scripted model in seconds; without it,
the cells marked "live" use the embedded model as well.
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
ROOT = Path.cwd().resolve().parents[1]          # the notebook runs in phase4_context/notebooks
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
FAST = os.environ.get("AGENTLAB_FAST") == "1"   # tests run the notebooks fast, with a scripted model"""

COUNTING = [
    md("""
# 1. Counting tokens

A small model's context window fills after a few tool calls: the system prompt, the worked
examples and the task already take a third of a 4,096-token window, and one file read can take
another. Before we can keep a request under a budget we must know how big it is, in the unit the
model uses: **tokens**.

Three ways to count, from rough to exact:
1. a **word-based estimate** (no tokenizer at all);
2. **another model's tokenizer** (tiktoken's cl100k, shipped offline);
3. **the model's own**: its chat template, then its tokenizer (llama.cpp for the embedded model).
"""),
    code(SETUP),
    code("""
from shared.context.token_count import estimate_tokens, words_per_token_rule, best_estimate

prose = "The agent reads a file, runs the tests and fixes the one line that fails."
source = (ROOT / "phase4_context/fixtures/userservice/service/users.py").read_text()
tiktoken_counter = best_estimate()
for name, text in [("prose", prose), ("code", source)]:
    print(f"{name:6} words*4/3: {words_per_token_rule(text):5}   words+punctuation: "
          f"{estimate_tokens(text):5}   {tiktoken_counter.name}: {tiktoken_counter.count_text(text):5}")
"""),
    md("""
The rule of thumb "a token is three quarters of a word" holds for English prose and fails on
code, where every bracket, quote and indentation is a token of its own. Counting words *and*
punctuation marks (`\\w+|[^\\w\\s]`) is much closer, and still needs nothing installed.

## A whole request
A request is more than its text: the chat template wraps every message in special tokens
(`<|im_start|>user ... <|im_end|>`). Here is the request the phase 4 agent sends first: system
prompt, worked examples, task.
"""),
    code("""
from shared.agent import get_format
from shared.llm import ScriptedBackend
from shared.trajectory import runs_root
from shared.context.context_agent import ContextAgent
from shared.tools.file_tools import build_registry
from phase4_context.tasks import TASKS
from shared.context.token_count import WordCounter, counter_for

workspace = TASKS["fix_users_500"].prepare(runs_root() / "phase4" / "notebook-counting")
agent = ContextAgent(ScriptedBackend([]), build_registry(workspace), workspace=workspace)
first_request = agent.initial_messages(TASKS["fix_users_500"].prompt)
request_options = agent.fmt.request(agent.registry)      # the JSON grammar does not add tokens
print(len(first_request), "messages")
print("word estimate:", WordCounter().count(first_request, **request_options))
print("tiktoken     :", tiktoken_counter.count(first_request, **request_options))
"""),
    md("""
## The model's own count (live)
For the embedded model, `LlamaCounter` renders the request with the GGUF's own chat template and
tokenizes it with llama.cpp, exactly as the backend does before it generates. Its count must
equal the `prompt_tokens` the reply reports; a live test checks it (`pytest -m live
tests/phase4`). This cell runs the model unless AGENTLAB_FAST=1.
"""),
    code("""
if not FAST:
    from shared.config import load_settings
    from shared.llm import get_llm

    llm = get_llm(load_settings(backend="embedded"))
    counter = counter_for(llm)                         # LlamaCounter
    counted = counter.count(first_request, **request_options)
    reply = llm.chat(first_request, **request_options, max_tokens=60, temperature=0)
    print(f"counted {counted}, reported {reply.usage.prompt_tokens}: equal = {counted == reply.usage.prompt_tokens}")
else:
    print("AGENTLAB_FAST=1: the live count is skipped (the scripted model has no tokenizer)")
"""),
    md("""
## Where a long conversation overflows
Each tool call appends the model's reply and the tool's output. Reading the service's files one
after the other, with the tool outputs exactly as the agent would get them:
"""),
    code("""
import matplotlib.pyplot as plt
from shared.context.context_manager import ContextBudget

budget = ContextBudget(window=4096, reserve=700)
messages = list(first_request)
sizes = [tiktoken_counter.count(messages)]
for path in ["service/app.py", "service/users.py", "service/orders.py", "service/db.py",
             "service/validation.py", "tests/test_service.py"]:
    output = agent.registry.run("read_file", {"path": path}).text
    messages += [{"role": "assistant", "content": f'{{"name": "read_file", "arguments": {{"path": "{path}"}}}}'},
                 {"role": "user", "content": f"Observation (ok):\\n{output}"}]
    sizes.append(tiktoken_counter.count(messages))
plt.figure(figsize=(6, 3))
plt.plot(sizes, marker="o", label="request size (tiktoken estimate)")
plt.axhline(budget.limit, color="black", linestyle="--", label=f"budget {budget.limit}")
plt.xlabel("files read"); plt.ylabel("tokens"); plt.legend(); plt.tight_layout(); plt.show()
"""),
    md("""
Four or five files and the budget is gone: the reply would not fit any more. That is the
problem the next notebook solves.

## What a request costs: sent versus evaluated
llama.cpp keeps the computation of the previous prompt (its KV cache). A new request that
starts with the same tokens re-uses them and **evaluates** only the rest. `PromptCache` applies
llama.cpp's rule on paper: the longest common prefix is re-used, at least one token is computed.
"""),
    code("""
from shared.context.token_count import PromptCache

counter = WordCounter()
cache = PromptCache()
history = list(first_request)
print("first request, evaluated:", cache.evaluated(counter.tokens(history)))
history += messages[len(first_request):len(first_request) + 2]      # append one turn
print("appended one turn       :", cache.evaluated(counter.tokens(history)))
rewritten = history[:1] + history[2:]                                 # drop an early message
print("rewrote the history     :", cache.evaluated(counter.tokens(rewritten)))
"""),
    md("""
Appending costs the new turn; rewriting an early message costs everything after it. Keep the
history **append-only**, and change it rarely.
"""),
]

STRATEGIES = [
    md("""
# 2. Context strategies side by side

`ContextManager` keeps every request under `window - reserve` tokens. The conversation is
`[pinned] + [summary?] + turns`: the pinned part (system prompt, worked examples, task) never
changes; a turn is one reply of the model and the observation that answered it, and whole turns
are what gets dropped, so a tool result never loses its call.

| strategy | what it does | when |
| --- | --- | --- |
| `none` | nothing: the run stops before a request would overflow | never |
| `truncation` | cuts each long tool output to its head and tail, with a marker | as it arrives |
| `summarisation` | the model summarises the older turns (task, done, plan, facts) | every N tool calls |
| `selective` | keeps the last N turns | every turn |
| `combined` | truncation, then a summary only when a request passes 85 % of the budget | rarely |

Here a scripted model reads a long file window by window, so that the numbers are exact and the
run takes a second; `make bench` runs the same comparison with the real model on the fixture.
"""),
    code(SETUP),
    code("""
import json
from shared.llm import ScriptedBackend
from shared.trajectory import runs_root
from shared.context.context_agent import ContextAgent
from shared.context.context_manager import STRATEGIES, SUMMARY_REQUEST, ContextBudget
from shared.tools.file_tools import build_registry

def reading_model(reads):
    \"\"\"Reads big.py 15 lines at a time, `reads` times, then answers; writes a summary when asked.\"\"\"
    plan = iter([{"name": "read_file", "arguments": {"path": "big.py", "start": 1 + 15 * i, "end": 15 + 15 * i}}
                 for i in range(reads)] + [{"name": "final_answer", "arguments": {"answer": "done"}}])
    def reply(messages):
        if messages[-1]["content"] == SUMMARY_REQUEST:
            return "Task: read big.py. Done: read the first windows. Plan: read on, then answer. Facts: -"
        return json.dumps({"think": "next", **next(plan)})
    return ScriptedBackend(reply)

results = {}
for strategy in STRATEGIES:
    workspace = runs_root() / "phase4" / f"notebook-strategies-{strategy}"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "big.py").write_text("".join(f"value_{n} = {n}  # " + "pad " * 6 + "\\n" for n in range(1, 2001)))
    agent = ContextAgent(reading_model(14), build_registry(workspace, engine="python"),
                         ContextBudget(3600, 300), strategy, workspace=workspace, max_steps=20,
                         action_format="json", demonstrate=False)
    results[strategy] = agent.run("Read big.py window by window, then answer done.",
                                  workspace / "trajectory.jsonl")

print(f"{'strategy':14} {'stop':17} {'requests':>8} {'sent':>7} {'evaluated':>9} {'largest':>7} {'summaries':>9}")
for strategy, r in results.items():
    print(f"{strategy:14} {r.stop_reason:17} {len(r.requests):8} {r.sent_tokens:7} {r.evaluated_tokens:9} "
          f"{r.max_request:7} {r.compactions:9}")
"""),
    md("""
- `none` and `truncation` stop with `context_overflow`: the next request would not fit (each
  window here is small, so truncation has nothing to cut; with long tool outputs it helps).
- `selective` sends the fewest tokens, but **evaluates** the most: the window slides every turn,
  so everything after the pinned part is new to the model's cache every time.
- `summarisation` and `combined` send more (their history grows between summaries) but evaluate
  far less: between two compactions the history is append-only and the cache covers it.
On a local model the evaluated tokens are the time you wait.
"""),
    code("""
from IPython.display import Image, display
from shared.context.context_plot import plot_context

picture = plot_context({s: r.trajectory for s, r in results.items()},
                       runs_root() / "phase4" / "notebook-strategies.png", "context size per step")
display(Image(str(picture)))
"""),
    md("""
## Truncation up close
A long tool output keeps its head and its tail; the marker in between says which lines were
cut and how to read them again. For read_file that is a read_file call with the right range;
for anything else the whole output is saved in the workspace and read the same way.
"""),
    code("""
from shared.context.context_manager import ContextManager, get_policy
from shared.context.token_count import WordCounter

manager = ContextManager(ContextBudget(), get_policy("combined"), WordCounter())
registry = build_registry(workspace)
long_read = registry.run("read_file", {"path": "big.py", "start": 1, "end": 80}).text
print(manager.shrink_observation(long_read, "read_file", 1, workspace))
"""),
    md("""
## A summary up close
The summary request is appended to the conversation as it is, so the model's cache covers the
whole prefix and only the request itself is new. The summary then replaces the older turns; the
task stays at the top, word for word, and the last actions are listed under the summary.
"""),
    code("""
events = [json.loads(line) for line in results["combined"].trajectory.read_text().splitlines()]
summary = next(e for e in events if e["kind"] == "compaction" and e["how"] == "summary")
print({k: v for k, v in summary.items() if k != "summary"})
print(summary["summary"])
"""),
]

SEARCHING = [
    md("""
# 3. Searching instead of reading

The cheapest token is the one never sent. To find every function that takes `user_id`, an
agent can read every file of the service, or search for it and read only the lines that matter.
`search_files` is a grep with context lines, a file filter and a cap on results; it uses
ripgrep when installed (`make setup` installs it like bubblewrap) and a pure-Python search
otherwise, with the same results (a test checks both engines on the same tree).
"""),
    code(SETUP),
    code("""
from shared.trajectory import runs_root
from shared.tools.file_tools import build_registry
from shared.tools.search import ripgrep_path, search
from phase4_context.tasks import TASKS
from shared.context.token_count import best_estimate

workspace = TASKS["validate_user_id"].prepare(runs_root() / "phase4" / "notebook-search")
registry = build_registry(workspace)
counter = best_estimate()
print("ripgrep:", ripgrep_path() or "not installed: the Python engine searches")

found = registry.run("search_files", {"pattern": r"def \\w+\\(user_id", "path": "service", "glob": "*.py", "context": 1}).text
print(found)
"""),
    code("""
reading = sum(counter.count_text(registry.run("read_file", {"path": p, "end": 500}).text)
              for p in ["service/app.py", "service/users.py", "service/orders.py", "service/db.py",
                        "service/validation.py"])
print(f"reading the five files: {reading} tokens; searching: {counter.count_text(found)} tokens")
"""),
    md("""
## Then read just the part you need
`read_file` shows numbered lines, a window at a time, and says how to go on. The numbers help
the model point at a line; they are not part of the file, and `edit_file` forgives a model that
copies them into its edit.
"""),
    code("""
print(registry.run("read_file", {"path": "service/orders.py", "start": 8, "end": 16}).text)
"""),
    code("""
edit = registry.run("edit_file", {"path": "service/orders.py",
                                   "old": "13| def total_spent(user_id):",
                                   "new": "13| def total_spent(user_id):\\n14|     require_user_id(user_id)"})
print(edit.kind, edit.text)
print(registry.run("read_file", {"path": "service/orders.py", "start": 13, "end": 15}).text)
"""),
    md("""
## Both engines, the same answer
"""),
    code("""
by_python = search(workspace, "user_id", glob="*.py", context=2, engine="python")
if ripgrep_path():
    by_ripgrep = search(workspace, "user_id", glob="*.py", context=2, engine="ripgrep")
    print("same results:", by_python == by_ripgrep, f"({len(by_python)} lines)")
else:
    print(len(by_python), "lines from the Python engine (install ripgrep to compare)")
"""),
]

NOTEBOOKS = {
    "01_counting_tokens.ipynb": COUNTING,
    "02_context_strategies.ipynb": STRATEGIES,
    "03_search_not_read.ipynb": SEARCHING,
}


def build(out_dir: Path = HERE) -> None:
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build()
