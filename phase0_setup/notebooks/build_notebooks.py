"""Writes phase 0's notebooks (outputs cleared, stable cell ids). Run after editing a lesson:

    .venv/bin/python phase0_setup/notebooks/build_notebooks.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.notebook_builder import code, md, write_notebooks

HERE = Path(__file__).resolve().parent
NOTEBOOKS: dict[str, list] = {}

NOTEBOOKS["01_talking_to_models.ipynb"] = [
    md("""
# Phase 0 · Talking to models

A local LLM is a program that takes a conversation and returns the next message. In this
notebook you talk to one in three ways, from the rawest to the most convenient, and then
measure what a bigger model costs:

1. a raw HTTP request to Ollama's `/api/chat`, so you see exactly what goes over the wire;
2. the official `ollama` Python client, which sends the same request for you;
3. the course's own interface, `shared.llm.get_llm()`, which also runs a model **inside this
   process** (Qwen2.5-Coder-0.5B through llama.cpp) when no server is there;
4. what model size costs: tokens per second and memory for the 0.5B and, if you fetched it,
   the 1.5B.

No Ollama installed? Every cell still runs: where a server is missing you see the error you
would meet, and the notebook starts a tiny fake server (`phase0_setup/fake_ollama.py`) that
answers in Ollama's format.
"""),
    code("""
import json
import os
import time

import requests

from shared.config import load_settings

FAST = os.environ.get("AGENTLAB_FAST") == "1"  # the tests run notebooks with smaller sizes
settings = load_settings()
print("Ollama host:", settings.ollama_host)
print("Ollama model:", settings.ollama_model)
print("embedded model:", settings.embedded_model)
"""),
    md("""
## 1. A raw HTTP call to `/api/chat`

Ollama listens on `http://localhost:11434`. A chat request is one JSON body:

- `model`: which model to run (`ollama pull` downloads it first);
- `messages`: the conversation so far, each with a `role` (`system`, `user`, `assistant`,
  `tool`) and `content`;
- `stream`: `false` for one JSON reply, `true` (the default!) for one JSON object per line as
  the tokens come;
- `options`: sampling and context settings. Always send `num_ctx`: Ollama's default context is
  small, and longer prompts are cut **silently**.
"""),
    code("""
body = {
    "model": settings.ollama_model,
    "messages": [
        {"role": "system", "content": "You are a concise Python tutor."},
        {"role": "user", "content": "In one sentence: what is a list comprehension?"},
    ],
    "stream": False,
    "options": {"temperature": 0, "num_ctx": 4096, "num_predict": 64},
}
print(json.dumps(body, indent=2))
"""),
    md("""
First, is a server there? `/api/tags` lists the models it has; a one-second timeout is plenty
for a server on your own machine. If nothing answers, you see the error a learner meets most
often, and we start the fake server so the rest of the notebook has something to talk to.
"""),
    code("""
from phase0_setup.fake_ollama import FakeOllama

host, fake = settings.ollama_host, None
try:
    tags = requests.get(host + "/api/tags", timeout=1)
    tags.raise_for_status()
    names = [m["name"] for m in tags.json()["models"]]
    print(f"Ollama answers at {host} and has: {names}")
except requests.RequestException as err:
    print(f"No Ollama at {host} ({type(err).__name__}).")
    print(f"On your machine: install Ollama, run `ollama serve`, then `ollama pull {settings.ollama_model}`.")
    fake = FakeOllama().start()
    host = fake.url
    print(f"In this notebook we use a fake server at {host} instead: it answers in Ollama's format")
    print("and repeats your message, so you can see what went over the wire.")
"""),
    code("""
started = time.perf_counter()
response = requests.post(host + "/api/chat", json=body, timeout=300)
seconds = time.perf_counter() - started
if response.status_code != 200:
    # e.g. 404 {"error": "model ... not found, try pulling it first"}
    print(f"HTTP {response.status_code}: {response.json().get('error')}")
else:
    reply = response.json()
    print(json.dumps(reply, indent=2))
    print("\\nassistant:", reply["message"]["content"])
    # Ollama reports durations in nanoseconds; eval_count is the number of generated tokens.
    if fake is None and reply.get("eval_duration"):
        print(f"{reply['eval_count']} tokens at {reply['eval_count'] / (reply['eval_duration'] / 1e9):.1f} tokens/s")
    print(f"wall clock: {seconds:.2f} s")
"""),
    md("""
With `"stream": true` the reply arrives as it is generated: one JSON object per line (NDJSON),
each carrying a piece of the message, and a last one with `"done": true` and the counts. This
is how chat programs show text as it is typed.
"""),
    code("""
pieces = []
with requests.post(host + "/api/chat", json={**body, "stream": True}, stream=True, timeout=300) as streamed:
    for line in streamed.iter_lines():
        chunk = json.loads(line)
        if "error" in chunk:  # an error can arrive in the middle of a stream, on a 200
            print("error:", chunk["error"])
            break
        pieces.append(chunk["message"]["content"])
        if chunk["done"]:
            print(f"{len(pieces)} chunks; the last one says done, with eval_count={chunk.get('eval_count')}")
print("".join(pieces))
"""),
    md("""
## 2. The `ollama` client

The official client sends the same request and gives you typed objects back. Its errors are
exceptions: `ollama.ResponseError` carries the server's message and HTTP status, and a server
that is not running raises `ConnectionError`. Note that the client waits **forever** unless you
give it a timeout.
"""),
    code("""
import ollama

client = ollama.Client(host=host, timeout=300)
answer = client.chat(model=body["model"], messages=body["messages"], options=body["options"])
print("assistant:", answer.message.content)
print("tokens in / out:", answer.prompt_eval_count, "/", answer.eval_count)

try:
    client.chat(model="no-such-model:1b", messages=body["messages"])
except ollama.ResponseError as err:
    print(f"\\nAsking for a model the server lacks: HTTP {err.status_code}: {err.error}")
"""),
    md("""
## 3. The embedded model, through the course's interface

Every later phase talks to models through one small interface:
`llm.chat(messages, tools=None, response_format=None, **options) -> ChatResult`.
`get_llm()` picks the backend from your settings (`auto`: Ollama if it answers and has the
model, else the embedded one) and says which it chose. Here we ask for the **embedded** model
explicitly: Qwen2.5-Coder-0.5B-Instruct, a 491 MB file that `make setup` assembled and checked
by SHA-256, running in this very Python process through llama.cpp. No server, no network.
"""),
    code("""
from shared.llm import ScriptedBackend, get_llm
from shared.model_files import find_model

found = find_model(settings)
if found is None:
    print("No embedded model in the cache yet: run `make setup`. Using a scripted stand-in.")
    llm = ScriptedBackend(lambda messages: "(scripted) sum(i * i for i in range(1, 11))")
else:
    llm = get_llm(load_settings(backend="embedded", embedded_model=found[0]))

question = [
    {"role": "system", "content": "Answer with Python code only, no explanation."},
    {"role": "user", "content": "Write a Python one-liner that prints the sum of the squares of 1 to 10."},
]
reply = llm.chat(question, temperature=0, max_tokens=32 if FAST else 160)
print(reply.content)
print(f"\\n{reply.backend} ({reply.model}): {reply.usage.prompt_tokens} prompt + "
      f"{reply.usage.completion_tokens} completion tokens in {reply.latency_s:.2f} s, "
      f"finish_reason={reply.finish_reason!r}")
"""),
    md("""
`finish_reason == "length"` would mean the reply hit `max_tokens` and is cut off: always check it
before you trust a reply. The backend keeps running totals, the start of the cost lesson of
notebook 02:
"""),
    code("""
print(llm.usage.summary())
"""),
    md("""
The same interface talks to Ollama (here the real one if it answered above, else the fake):
only the settings change, never the calling code.
"""),
    code("""
via_ollama = get_llm(load_settings(backend="ollama", ollama_host=host))
print(via_ollama.chat(question, max_tokens=64).content)
"""),
    md("""
## 4. What model size costs

A model's file holds its weights. "4-bit" (Q4_K_M) does not mean half a byte per parameter for
every model: the 0.5B's file holds 494 M parameters in 491 MB, about a byte each, because
llama.cpp keeps most of this small model's matrices at 5.5 to 8.5 bits and stores its embedding
twice (as the output layer too); the 7B's 4.7 GB file comes to about 5 bits per parameter. To produce each token the CPU reads (almost) every weight once, so on a laptop the
speed is set by memory bandwidth: **twice the parameters, about half the tokens per second**,
and the memory you need is the file plus the context's KV cache. In exchange, bigger models
write better code. The seeds' Ollama model, Qwen2.5-Coder-7B at Q4_K_M, is a 4.7 GB file:
comfortable on a GPU, a few tokens per second on two CPU cores.

Measure it: the same prompt on each embedded model in your cache. (`make model` fetches the
0.5B; `AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b make model` adds the 1.5B.)
"""),
    code("""
from shared.doctor import measure_speed
from shared.model_files import MODELS, model_path, verify_file

rows = []
for name in ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]:
    spec = MODELS[name]
    if not verify_file(model_path(name, settings), spec):
        print(f"{name}: not in the cache; skipped")
        continue
    model = get_llm(load_settings(backend="embedded", embedded_model=name), verbose=False)
    figures = measure_speed(model, max_tokens=16 if FAST else 96)
    rows.append({"model": name, "file_gb": spec.size / 1e9, **figures})
    print(f"{name}: {spec.size / 1e9:.2f} GB file, load {figures['load_s']:.1f} s, "
          f"{figures['completion_tokens']} tokens in {figures['latency_s']:.2f} s = "
          f"{figures['tokens_per_s']:.1f} tokens/s")
if not rows:
    print("No embedded model in the cache: run `make setup` to measure.")
"""),
    md("""
(A load time near zero means the model was already in memory: the course keeps one model object
per process, so a second `get_llm` reuses it.)
"""),
    code("""
import matplotlib.pyplot as plt

if rows:
    labels = [r["model"].replace("qwen2.5-coder-", "") for r in rows]
    fig, (speed, size) = plt.subplots(1, 2, figsize=(8, 3))
    speed.bar(labels, [r["tokens_per_s"] for r in rows], color="tab:blue")
    speed.set_title("tokens/s (higher is faster)")
    size.bar(labels, [r["file_gb"] for r in rows], color="tab:orange")
    size.set_title("file size, GB (about the memory it needs)")
    fig.tight_layout()
    plt.show()
"""),
    md("""
## What you learned

- A chat call is a JSON body (`model`, `messages`, `stream`, `options`) and a JSON reply; the
  `ollama` client and the course's `get_llm` wrap the same exchange.
- Servers fail in a few plain ways: not running (connection refused), no such model (404),
  a reply cut off (`finish_reason == "length"`). Read the error, then act.
- Model size is a trade: memory and tokens/s against quality. Your figures are above; write
  them down, the later phases decide with them.

Next: `02_retries_rate_limits_cost.ipynb`, then `make -C phase0_setup check`.
"""),
    code("""
if fake is not None:
    fake.stop()
    print("fake server stopped")
"""),
]


NOTEBOOKS["02_retries_rate_limits_cost.ipynb"] = [
    md("""
# Retries, rate limits, timeouts and cost

A model behind an API fails in ordinary ways: the server is not running, it is overloaded
(HTTP 500/503), it asks you to slow down (HTTP 429 with a `Retry-After` header), or it is just
slow. An agent makes dozens of calls per task, so it will meet all of these. This notebook shows
how `shared.llm` deals with them, and how it keeps the running totals that answer
"what did that cost me?".

Everything here runs offline: `ScriptedBackend` replays replies we choose, including errors,
and two tiny sockets stand in for a broken server.
"""),
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
"""),
    md("""
## 1. Which errors are worth retrying?

Every error of the LLM layer is an `LLMError` with a one-sentence hint, and a flag `transient`:
would the *same* request succeed a moment later? A refused connection (the server is
restarting), a 5xx, a 429 and a timeout: yes. A missing model or a malformed request: no,
retrying only wastes time.
"""),
    code("""
for error_class in (BackendUnavailable, ServerError, RateLimited, LLMTimeout, ModelNotFound):
    print(f"{error_class.__name__:20s} transient={error_class.transient}")
"""),
    md("""
## 2. Exponential backoff with jitter

Wait a little after the first failure, twice as long after the second, and so on (capped), so
an overloaded server gets room to recover. "Full jitter" then picks a random wait between 0
and that ceiling: without it, every client that failed at the same moment retries at the same
moment too, and knocks the server over again.
"""),
    code("""
for attempt in range(1, 7):
    ceiling = min(20.0, 0.5 * 2 ** (attempt - 1))
    samples = [backoff_delay(attempt) for _ in range(3)]
    print(f"retry {attempt}: wait up to {ceiling:5.1f} s, e.g. " + ", ".join(f"{s:.2f}" for s in samples))
"""),
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
"""),
    md("""
## 3. A flaky server, retried

Every backend's `chat` runs through the same retry loop (`shared/llm/retry.py`). Here the
"server" fails twice, then answers. We replace the backend's `sleep` with one that only
records the waits, so the notebook does not actually wait.
"""),
    code("""
llm = ScriptedBackend([ServerError("503 overloaded"), ServerError("500 out of memory"),
                       "def add(a, b):\\n    return a + b"])
llm.max_retries = 3            # ScriptedBackend does not retry unless told to
waits = []
llm.sleep = waits.append       # the real one is time.sleep

reply = llm.chat(ASK)
print(reply.content)
print("waited:", [round(w, 2) for w in waits], "| retries:", llm.usage.retries, "| attempts:", len(llm.calls))
"""),
    md("""
## 4. HTTP 429: the server says how long to wait

A rate-limited server answers `429 Too Many Requests`, often with `Retry-After: <seconds>`.
That number beats our own guess: the retry loop waits exactly that long.
"""),
    code("""
llm = ScriptedBackend([RateLimited("429 too many requests", retry_after=2.0), "ok"])
llm.max_retries, waits = 3, []
llm.sleep = waits.append
print(llm.chat(ASK).content, "after waiting", waits)
"""),
    md("""
## 5. Errors that are not retried, and giving up

A missing model fails at once. A server that keeps failing is retried `max_retries` times, and
then the last error reaches you with its hint: one sentence on what to do next.
"""),
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
"""),
    md("""
## 6. Timeouts and a server that is not there, on real sockets

The official `ollama` client waits forever unless told otherwise; our backends always set a
timeout (`AGENTLAB_TIMEOUT`, or `timeout=` per call). Below, a socket that accepts connections
but never answers plays a hung server, and a closed port plays a server that is not running.
"""),
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
"""),
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
"""),
    md("""
## 7. Tokens and cost

Every backend adds each reply to `llm.usage`: calls, retries, prompt and completion tokens,
seconds, and dollars for priced hosted models (local models cost nothing per token, but the
tokens still cost time). Hosted prices are per million tokens:
"""),
    code("""
for model, (price_in, price_out) in PRICES_PER_MTOK.items():
    print(f"{model:14s} ${price_in:5.2f} in  ${price_out:5.2f} out  (per million tokens)")
"""),
    md("""
An agent resends the whole conversation on every call, so the prompt grows with each step:
the total cost grows with the *square* of the number of steps. Simulate a 30-step run where
each step adds 400 tokens (a tool's output) and the model answers with 150:
"""),
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
"""),
    md("""
The last call alone sent about 18,000 prompt tokens. Phase 4 (context management) is about
keeping that curve flat.

## Try it
- Set `llm.max_retries = 0` in section 3: what reaches you now?
- In section 7, halve `per_step` (a summarised tool output): how much does the run cost?
- With a real Ollama running, `OllamaBackend().chat(ASK, timeout=0.01)` and read the hint.
"""),
]


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
