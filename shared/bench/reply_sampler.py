"""Sample real replies of a model to the prompts every generation sends, for the regression suite.

    python -m shared.bench.reply_sampler --out=/tmp/sampled.jsonl --limit=90
    python -m shared.bench.reply_sampler --model=qwen2.5-coder-1.5b --limit=20

Benchmark trajectories hold few replies (a run is minutes of CPU per reply), and mostly the
well-behaved ones of temperature 0. This sends the generations' own prompts (shared.bench.prompts)
for several benchmark tasks to the embedded model, at temperature 0 and above, some with a small
token limit (the replies cut off are real cases the parsers must refuse), and writes each reply
as one JSON line with what was asked. `prompt_regression --harvest` turns such lines, and the
replies of trajectories, into the recorded cases.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.bench.prompts import TASK, generation_messages
from shared.cli import parse_overrides, run_main

out = "runs/regression/sampled.jsonl"
limit = 90
model = ""        # default: the configured embedded model
seed_base = 0     # a second batch with other seeds (and tasks) gives other replies above temperature 0
tasks = "clamp,chunk_list,word_count,calculator,parse_duration,fix_expression,line_report"

# (consumer, prompt name, temperature, max_tokens, how many tasks), those sharing a prompt's
# beginning in a row: llama.cpp then evaluates it once. The agents' prompts with their worked
# examples are ~2,000 tokens, minutes each on 2 busy cores, so most agent samples are taken
# without the examples ("_nodemo", the agents' demonstrate=False): a shorter prompt, and the
# replies a small model writes when nothing shows it the shape (prose, fences, other keys).
# The small token limits give real cut-off replies.
PLAN = [
    ("plan", "phase5_plan_request", 0.0, 160, 2),
    ("replan", "phase5_replan_request", 0.7, 160, 2),
    ("code", "phase2_loop", 0.9, 150, 2),
    ("action:tags", "phase3_agent_tags_nodemo", 0.7, 700, 2),
    ("action:json", "phase3_agent_json_nodemo", 0.7, 700, 2),
    ("action:json", "phase3_agent_json_nodemo", 1.0, 60, 2),
    ("action:native", "phase3_agent_native_nodemo", 0.7, 700, 1),
    ("plan", "phase5_plan_request", 1.0, 160, 2),
    ("summary", "phase4_summary", 0.7, 300, 1),
    ("code", "phase5_best_of", 0.8, 700, 1),
    ("action:tags", "phase3_agent_tags_nodemo", 1.0, 100, 2),
    ("replan", "phase5_replan_request", 1.0, 160, 3),
    ("code", "plain", 0.0, 1000, 2),
    ("action:json", "phase3_agent_json_nodemo", 0.7, 700, 4),
    ("action:tags", "phase3_agent_tags_nodemo", 0.7, 700, 4),
    ("plan", "phase5_plan_request", 0.0, 160, 5),
]


def task_prompts(names: list[str]) -> list[tuple[str, str]]:
    from shared.bench.task_set import load_tasks

    found = {t.name: t.prompt for t in load_tasks(names=names)}
    return [(name, found[name]) for name in names if name in found]


def with_task(messages: list[dict[str, Any]], prompt: str) -> list[dict[str, Any]]:
    """The messages with the regression TASK replaced by another task's prompt."""
    return json.loads(json.dumps(messages).replace(json.dumps(TASK)[1:-1], json.dumps(prompt)[1:-1]))


def summary_messages(all_messages: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Phase 4's conversation after one read, then the request for a summary."""
    base = list(all_messages["phase4_context_agent"])
    base += [{"role": "assistant", "content": json.dumps({
        "think": "First I read the file.", "name": "read_file", "arguments": {"path": "clamp.py"}})},
             {"role": "user", "content": "Observation (ok):\nclamp.py, lines 1-8 of 8:\n"
                                          "1 def clamp(value, low, high):\n8     raise NotImplementedError"}]
    return base + all_messages["phase4_summary_request"]


def undemonstrated() -> dict[str, list[dict[str, Any]]]:
    """The phase 3 agent's first messages without the worked examples (demonstrate=False)."""
    import tempfile

    from shared.agent import Agent, ToolRegistry, final_answer
    from shared.llm.scripted import ScriptedBackend
    from shared.tools import workspace_tools

    with tempfile.TemporaryDirectory() as scratch:
        registry = ToolRegistry(workspace_tools(Path(scratch)) + [final_answer])
        return {f"phase3_agent_{fmt}_nodemo": Agent(ScriptedBackend([]), registry, fmt,
                                                    demonstrate=False).initial_messages(TASK)
                for fmt in ("json", "tags", "native")}


def sample(llm: Any, task_list: list[tuple[str, str]], limit_n: int, path: Path,
           base: int = 0) -> int:
    messages = generation_messages()
    messages["phase4_summary"] = summary_messages(messages)
    messages.update(undemonstrated())
    from shared.bench.prompts import action_requests

    requests = action_requests()
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("a", encoding="utf-8") as sink:
        # One prompt for every task in a row: they share the system prompt and examples, which
        # llama.cpp then evaluates once (a new prompt each time cost ~90 s on 2 cores).
        for number, (consumer, name, temperature, max_tokens, count) in enumerate(PLAN):
            extra: dict[str, Any] = {}
            if name.startswith("phase3_agent_native"):
                extra = {"tools": requests["native"]["tools"]}
            if name == "phase3_agent_constrained":
                extra = {"response_format": requests["constrained"]["response_format"]}
            stop = ["```"] if consumer in ("plan", "replan") else None
            # each entry starts at another task, so that the tasks vary across entries
            if base and temperature == 0.0:
                continue  # greedy: the same prompt gives the same reply again
            chosen = [task_list[(number + base + i) % len(task_list)] for i in range(count)]
            for seed, (task_name, prompt) in enumerate(chosen, start=base):
                if written >= limit_n:
                    break
                sent = with_task(messages[name], prompt)
                start = time.perf_counter()
                try:
                    reply = llm.chat(sent, temperature=temperature, max_tokens=max_tokens,
                                     seed=seed, stop=stop, **extra)
                except Exception as err:  # noqa: BLE001 - a failed sample is skipped, said
                    print(f"skip {consumer} {name} {task_name}: {err}", flush=True)
                    continue
                line = {"consumer": consumer, "prompt": name, "task": task_name,
                        "temperature": temperature, "max_tokens": max_tokens, "seed": seed,
                        "model": llm.describe(), "content": reply.content,
                        "finish_reason": reply.finish_reason,
                        "tool_calls": [{"name": c.name, "arguments": c.arguments}
                                       for c in reply.tool_calls],
                        "sampled_at": datetime.now().isoformat(timespec="seconds"),
                        "seconds": round(time.perf_counter() - start, 1)}
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.flush()
                written += 1
                print(f"[{written}] {consumer:14} {name:24} {task_name:14} T={temperature} "
                      f"{line['seconds']}s {reply.finish_reason}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"out": out, "limit": limit, "model": model, "tasks": tasks,
                         "seed_base": seed_base}, doc=__doc__)
    from shared.config import load_settings
    from shared.llm import get_llm

    overrides: dict[str, Any] = {"backend": "embedded"}
    if o["model"]:
        overrides["embedded_model"] = o["model"]
    llm = get_llm(load_settings(**overrides), verbose=False)
    llm.timeout_s = max(getattr(llm, "timeout_s", 0) or 0, 900)
    n = sample(llm, task_prompts(o["tasks"].split(",")), o["limit"], Path(o["out"]),
               o["seed_base"])
    print(f"{n} replies written to {o['out']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
