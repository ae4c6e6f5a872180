"""Builds 02_retries_rate_limits_cost.ipynb beside this file, without outputs:
`.venv/bin/python phase0_setup/notebooks/_build_02_retries.py`."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = []


def md(text: str) -> None:
    cells.append(new_markdown_cell(text.strip()))


def code(text: str) -> None:
    cells.append(new_code_cell(text.strip()))


md("""
# Retries, rate limits, timeouts and cost

A model behind an API fails in ordinary ways: the server is not running, it is overloaded
(HTTP 500/503), it asks you to slow down (HTTP 429 with a `Retry-After` header), or it is just
slow. An agent makes dozens of calls per task, so it will meet all of these. This notebook shows
how `shared.llm` deals with them, and how it keeps the running totals that answer
"what did that cost me?".

Everything here runs offline: `ScriptedBackend` replays replies we choose, including errors,
and two tiny sockets stand in for a broken server.
""")
code("""
import socket
import time

import matplotlib.pyplot as plt

from shared.llm import (BackendUnavailable, ChatResult, LLMError, LLMTimeout, ModelNotFound,
                        RateLimited, ScriptedBackend, ServerError, Usage)
from shared.llm.ollama_backend import OllamaBackend
from shared.llm.retry import backoff_delay
from shared.llm.usage import PRICES_PER_MTOK

ASK = [{"role": "user", "content": "Write add(a, b) in Python."}]
""")
md("""
## 1. Which errors are worth retrying?

Every error of the LLM layer is an `LLMError` with a one-sentence hint, and a flag `transient`:
would the *same* request succeed a moment later? A refused connection (the server is
restarting), a 5xx, a 429 and a timeout: yes. A missing model or a malformed request: no,
retrying only wastes time.
""")
code("""
for error_class in (BackendUnavailable, ServerError, RateLimited, LLMTimeout, ModelNotFound):
    print(f"{error_class.__name__:20s} transient={error_class.transient}")
""")
md("""
## 2. Exponential backoff with jitter

Wait a little after the first failure, twice as long after the second, and so on (capped), so
an overloaded server gets room to recover. "Full jitter" then picks a random wait between 0
and that ceiling: without it, every client that failed at the same moment retries at the same
moment too, and knocks the server over again.
""")
code("""
for attempt in range(1, 7):
    ceiling = min(20.0, 0.5 * 2 ** (attempt - 1))
    samples = [backoff_delay(attempt) for _ in range(3)]
    print(f"retry {attempt}: wait up to {ceiling:5.1f} s, e.g. " + ", ".join(f"{s:.2f}" for s in samples))
""")
code("""
# 50 clients fail at t=0 and retry once: when do their retries hit the server?
clients = 50
fixed = [0.5 * 2 ** 2] * clients                  # third retry, no jitter: all at 2.0 s
jittered = [backoff_delay(3) for _ in range(clients)]
fig, ax = plt.subplots(figsize=(7, 2.2))
ax.scatter(fixed, [1] * clients, alpha=0.3, label="no jitter")
ax.scatter(jittered, [0] * clients, alpha=0.6, label="full jitter")
ax.set_yticks([0, 1], ["jitter", "fixed"]); ax.set_xlabel("seconds after the failure")
ax.set_title("When 50 clients retry"); plt.tight_layout(); plt.show()
""")
md("""
## 3. A flaky server, retried

Every backend's `chat` runs through the same retry loop (`shared/llm/retry.py`). Here the
"server" fails twice, then answers. We replace the backend's `sleep` with one that only
records the waits, so the notebook does not actually wait.
""")
code("""
llm = ScriptedBackend([ServerError("503 overloaded"), ServerError("500 out of memory"),
                       "def add(a, b):\\n    return a + b"])
llm.max_retries = 3            # ScriptedBackend does not retry unless told to
waits = []
llm.sleep = waits.append       # the real one is time.sleep

reply = llm.chat(ASK)
print(reply.content)
print("waited:", [round(w, 2) for w in waits], "| retries:", llm.usage.retries, "| attempts:", len(llm.calls))
""")
md("""
## 4. HTTP 429: the server says how long to wait

A rate-limited server answers `429 Too Many Requests`, often with `Retry-After: <seconds>`.
That number beats our own guess: the retry loop waits exactly that long.
""")
code("""
llm = ScriptedBackend([RateLimited("429 too many requests", retry_after=2.0), "ok"])
llm.max_retries, waits = 3, []
llm.sleep = waits.append
print(llm.chat(ASK).content, "after waiting", waits)
""")
md("""
## 5. Errors that are not retried, and giving up

A missing model fails at once. A server that keeps failing is retried `max_retries` times, and
then the last error reaches you with its hint: one sentence on what to do next.
""")
code("""
llm = ScriptedBackend([ModelNotFound("Ollama has no model 'qwen2.5-coder:7b'",
                                     "run `ollama pull qwen2.5-coder:7b`"), "never reached"])
llm.max_retries = 3
try:
    llm.chat(ASK)
except LLMError as err:
    print(type(err).__name__, "after", len(llm.calls), "attempt:", err)

llm = ScriptedBackend([ServerError("500", "retry; if it keeps failing, read the server log")] * 5)
llm.max_retries, llm.sleep = 2, (lambda seconds: None)
try:
    llm.chat(ASK)
except LLMError as err:
    print(type(err).__name__, "after", len(llm.calls), "attempts:", err)
""")
md("""
## 6. Timeouts and a server that is not there, on real sockets

The official `ollama` client waits forever unless told otherwise; our backends always set a
timeout (`AGENTLAB_TIMEOUT`, or `timeout=` per call). Below, a socket that accepts connections
but never answers plays a hung server, and a closed port plays a server that is not running.
""")
code("""
hung = socket.socket()
hung.bind(("127.0.0.1", 0)); hung.listen()            # accepts, never replies
llm = OllamaBackend(host=f"http://127.0.0.1:{hung.getsockname()[1]}", max_retries=1)
llm.sleep = lambda seconds: None
start = time.perf_counter()
try:
    llm.chat(ASK, timeout=0.5)
except LLMTimeout as err:
    print(f"after {time.perf_counter() - start:.1f} s:", err)
hung.close()
""")
code("""
with socket.socket() as probe:                         # a port that nothing listens on
    probe.bind(("127.0.0.1", 0)); free_port = probe.getsockname()[1]
llm = OllamaBackend(host=f"http://127.0.0.1:{free_port}", max_retries=2)
llm.sleep = lambda seconds: None
try:
    llm.chat(ASK)
except BackendUnavailable as err:
    print(err)
print("retries:", llm.usage.retries, "| quick check for `auto`:", llm.is_available())
""")
md("""
## 7. Tokens and cost

Every backend adds each reply to `llm.usage`: calls, retries, prompt and completion tokens,
seconds, and dollars for priced hosted models (local models cost nothing per token, but the
tokens still cost time). Hosted prices are per million tokens:
""")
code("""
for model, (price_in, price_out) in PRICES_PER_MTOK.items():
    print(f"{model:14s} ${price_in:5.2f} in  ${price_out:5.2f} out  (per million tokens)")
""")
md("""
An agent resends the whole conversation on every call, so the prompt grows with each step:
the total cost grows with the *square* of the number of steps. Simulate a 30-step run where
each step adds 400 tokens (a tool's output) and the model answers with 150:
""")
code("""
steps, system_prompt, per_step, answer = 30, 1_500, 400, 150

def agent_reply(messages):
    n = sum(m["role"] == "user" for m in messages)     # steps so far, this one included
    prompt = system_prompt + n * per_step + (n - 1) * answer
    return ChatResult("next action", usage=Usage(prompt, answer), model="gpt-4o-mini")

llm = ScriptedBackend(agent_reply)
messages, totals = [{"role": "system", "content": "..."}], []
for step in range(steps):
    messages.append({"role": "user", "content": "tool output ..."})
    messages.append(llm.chat(messages).as_message())
    totals.append(llm.usage.prompt_tokens + llm.usage.completion_tokens)

print(llm.usage.summary())
plt.figure(figsize=(5, 3)); plt.plot(range(1, steps + 1), totals)
plt.xlabel("agent step"); plt.ylabel("tokens sent so far"); plt.title("Context growth adds up")
plt.tight_layout(); plt.show()
""")
md("""
The last call alone sent about 18,000 prompt tokens. Phase 4 (context management) is about
keeping that curve flat.

## Try it
- Set `llm.max_retries = 0` in section 3: what reaches you now?
- In section 7, halve `per_step` (a summarised tool output): how much does the run cost?
- With a real Ollama running, `OllamaBackend().chat(ASK, timeout=0.01)` and read the hint.
""")

notebook = new_notebook(cells=cells, metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
nbformat.write(notebook, Path(__file__).with_name("02_retries_rate_limits_cost.ipynb"))
