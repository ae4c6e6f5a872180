"""Benchmark every LLM backend and model that is available here (`make bench-llm`).

    python -m shared.llm.bench                      # embedded 0.5B (+1.5B if assembled, + Ollama)
    python -m shared.llm.bench --prefix_tokens=500 --decode_tokens=32

For each one: load time, prompt tokens/s, decode tokens/s, and the time of a second turn that
shares a long prefix (~1,000 tokens) with the first: a backend that keeps its KV cache
(llama.cpp in process, Ollama) only computes the new tokens. Figures go to
<runs>/bench/llm.json (and llm.png) and are printed as a table.

How each figure is measured (all at temperature 0):
- load_s: loading the model (embedded); for a server, the first one-token call, which includes
  loading the model into memory if the server had not yet.
- decode_tps: a short prompt, streamed: tokens after the first / time after the first token.
- prompt_tps: turn 1 (long prefix + a question, 16 new tokens): prompt tokens / (turn time -
  the time its new tokens take at decode_tps).
- turn1_s, turn2_s: turn 2 = turn 1's conversation + its reply + a new question.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.cli import run_main
from shared.config import Settings, load_settings
from shared.llm.backend import ChatBackend
from shared.llm.errors import LLMError
from shared.trajectory import runs_root

PREFIX_TOKENS = 1000  # length of the shared prefix, in tokens (about 4 characters each)
DECODE_TOKENS = 64  # new tokens in the decode measurement
TURN_TOKENS = 16  # new tokens in each prefix turn
N_CTX = 4096  # context window for the embedded models here


def long_prefix(n_tokens: int) -> str:
    """About `n_tokens` tokens of real code: the standard library's textwrap module (the same
    bytes for a given Python version, so runs compare)."""
    source = inspect.getsource(textwrap)
    return source[: n_tokens * 4]


def conversation(prefix_tokens: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You are a concise code reviewer. Here is a file:\n\n"
         + long_prefix(prefix_tokens)},
        {"role": "user", "content": "In one sentence: what does this module do?"},
    ]


def measure(backend: ChatBackend, load_s: float, prefix_tokens: int, decode_tokens: int) -> dict:
    """Run the three measurements on one backend; returns the figures as a dict."""
    # Decode speed: a short prompt, streamed, counting pieces after the first one.
    start = time.perf_counter()
    first = None
    pieces = 0
    for _piece in backend.stream(
        [{"role": "user", "content": "Write a Python function that checks whether n is prime."}],
        max_tokens=decode_tokens, temperature=0,
    ):
        pieces += 1
        first = first or time.perf_counter()
    end = time.perf_counter()
    decode_tps = (pieces - 1) / (end - first) if first and pieces > 1 else float("nan")

    # Turn 1 on a cold prefix, then turn 2 that shares it.
    messages = conversation(prefix_tokens)
    turn1 = backend.chat(messages, max_tokens=TURN_TOKENS, temperature=0)
    messages += [turn1.as_message(), {"role": "user", "content": "Name one function in it."}]
    turn2 = backend.chat(messages, max_tokens=TURN_TOKENS, temperature=0)

    decode_time = turn1.usage.completion_tokens / decode_tps if decode_tps == decode_tps else 0.0
    prompt_time = max(turn1.latency_s - decode_time, 1e-6)
    return {
        "backend": backend.name,
        "model": backend.model,
        "load_s": round(load_s, 2),
        "prompt_tokens": turn1.usage.prompt_tokens,
        "prompt_tps": round(turn1.usage.prompt_tokens / prompt_time, 1),
        "decode_tokens": pieces,
        "decode_tps": round(decode_tps, 1),
        "turn1_s": round(turn1.latency_s, 2),
        "turn2_s": round(turn2.latency_s, 2),
        "turn2_prompt_tokens": turn2.usage.prompt_tokens,
        "prefix_speedup": round(turn1.latency_s / max(turn2.latency_s, 1e-6), 1),
        "time_to_first_token_s": round(first - start, 2) if first else None,
    }


def available(settings: Settings) -> list[tuple[str, Any]]:
    """(label, function returning (backend, load seconds)) for each backend/model present here."""
    from shared.llm.embedded import EmbeddedBackend
    from shared.llm.ollama_backend import OllamaBackend
    from shared.model_files import MODELS, model_path, verify_file

    found: list[tuple[str, Any]] = []
    for name in ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        present = verify_file(model_path(name, settings), MODELS[name])
        if present or name == "qwen2.5-coder-0.5b":  # the default is always measured

            def load(name: str = name) -> tuple[ChatBackend, float]:
                backend = EmbeddedBackend(name, settings=settings, n_ctx=N_CTX, timeout_s=600)
                start = time.perf_counter()
                backend.load()
                return backend, time.perf_counter() - start

            found.append((f"embedded {name}", load))

    ollama = OllamaBackend(settings.ollama_host, settings.model or settings.ollama_model,
                           timeout_s=600, num_ctx=N_CTX)
    if ollama.has_model():

        def load_ollama() -> tuple[ChatBackend, float]:
            reply = ollama.chat([{"role": "user", "content": "hi"}], max_tokens=1)
            return ollama, reply.latency_s

        found.append((f"ollama {ollama.model}", load_ollama))

    if _openai_answers(settings):
        from shared.llm.openai_backend import OpenAIBackend

        def load_openai() -> tuple[ChatBackend, float]:
            backend = OpenAIBackend(settings.openai_base_url, settings.openai_api_key,
                                    settings.model or settings.openai_model, timeout_s=600)
            reply = backend.chat([{"role": "user", "content": "hi"}], max_tokens=1)
            return backend, reply.latency_s

        found.append((f"openai {settings.openai_base_url}", load_openai))
    return found


def _openai_answers(settings: Settings) -> bool:
    import openai

    try:
        client = openai.OpenAI(base_url=settings.openai_base_url, api_key=settings.openai_api_key,
                               max_retries=0, timeout=1.0)
        client.models.list()
    except openai.OpenAIError:
        return False
    return True


def _forget_embedded(backend: ChatBackend) -> None:
    """Free an embedded model's memory before loading the next one."""
    from shared.llm import embedded

    if isinstance(backend, embedded.EmbeddedBackend):
        embedded._LOADED.pop((str(Path(backend.model_path).resolve()), backend.n_ctx), None)


def print_table(rows: list[dict]) -> None:
    columns = [("backend", "backend"), ("model", "model"), ("load_s", "load s"),
               ("prompt_tps", "prompt tok/s"), ("decode_tps", "decode tok/s"),
               ("turn1_s", "turn 1 s"), ("turn2_s", "turn 2 s"), ("prefix_speedup", "speed-up")]
    table = [[label for _, label in columns]]
    table += [[str(row.get(key, "")) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for i, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r['backend']}\n{r['model']}" for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    x = range(len(rows))
    ax1.bar([i - 0.2 for i in x], [r["prompt_tps"] for r in rows], 0.4, label="prompt")
    ax1.bar([i + 0.2 for i in x], [r["decode_tps"] for r in rows], 0.4, label="decode")
    ax1.set_xticks(list(x), labels, fontsize=8)
    ax1.set_ylabel("tokens/s")
    ax1.legend()
    ax2.bar([i - 0.2 for i in x], [r["turn1_s"] for r in rows], 0.4, label="turn 1 (cold)")
    ax2.bar([i + 0.2 for i in x], [r["turn2_s"] for r in rows], 0.4, label="turn 2 (shared prefix)")
    ax2.set_xticks(list(x), labels, fontsize=8)
    ax2.set_ylabel("seconds")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix_tokens", type=int, default=PREFIX_TOKENS)
    parser.add_argument("--decode_tokens", type=int, default=DECODE_TOKENS)
    parser.add_argument("--out", type=Path, default=None, help="default: <runs>/bench/llm.json")
    parser.add_argument("--only", default="", help="measure only labels containing this text")
    args = parser.parse_args(argv)
    settings = load_settings()
    out = args.out or runs_root() / "bench" / "llm.json"

    rows: list[dict] = []
    failures: list[str] = []
    for label, load in available(settings):
        if args.only and args.only not in label:
            continue
        print(f"measuring {label} ...", flush=True)
        try:
            backend, load_s = load()
            rows.append(measure(backend, load_s, args.prefix_tokens, args.decode_tokens))
            _forget_embedded(backend)
        except LLMError as err:
            failures.append(f"{label}: {err}")
            print(f"  skipped: {err}", file=sys.stderr)

    import llama_cpp

    report = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "llama_cpp": llama_cpp.__version__,
                    "threads": settings.n_threads or os.cpu_count()},
        "settings": {"prefix_tokens": args.prefix_tokens, "decode_tokens": args.decode_tokens,
                     "turn_tokens": TURN_TOKENS, "n_ctx": N_CTX},
        "results": rows,
        "failures": failures,
    }
    atomic_write_text(out, json.dumps(report, indent=2) + "\n")
    if rows:
        plot(rows, out.with_suffix(".png"))
    print()
    print_table(rows)
    print(f"\nwritten: {out}")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
