"""Stage 5: reinforcement learning on verifiable rewards (letter counting, arithmetic).

    .venv/bin/python -m nanochat_track.rl --config=cpu-tiny                  # from checkpoints/sft.pt
    .venv/bin/python -m nanochat_track.rl --config=cpu-tiny --rl_steps=30 --rl_samples=8
    .venv/bin/python -m nanochat_track.rl --config=cpu-tiny --resume         # continue rl.pt

No labels to imitate: the model answers, a program checks the answer, and answers that scored
better than the others for the same question are made more likely. Each step:

1. draw `rl_prompts` questions: how many times a letter is in a word (the word from the local
   corpus), or a product or sum of two numbers; the right answer is known;
2. sample `rl_samples` replies to each (temperature 1, calculator calls evaluated by the engine);
3. reward each reply 1 when the last number of its final text is the right answer, else 0;
4. advantage = reward - mean reward of the same question (the baseline: GRPO-style, no value
   network); questions where every reply scored the same teach nothing and are skipped;
5. policy gradient (REINFORCE): loss = -sum(advantage x log-probability of each token the
   model sampled) / number of those tokens. Tokens the engine forced (the tool's output) are
   not the model's choice and are left out, like the prompt.

Before and after, the greedy reward on held-out questions (words held out from the synthetic
data) measures the change. Writes checkpoints/rl.pt (checkpoint.py: resumable), rl.json and
rl_reward.png (the reward curve).
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from shared.atomic_write import atomic_write_text
from shared.cli import run_main

from .config import Config, ConfigError, parse_args
from .conversation import parse_assistant, render_prompt
from .engine import generate_tokens_with_tools
from .finetune import device_of, resume_from, scale_learning_rates, start_model
from .optim import optimizer_step, setup_optimizers
from .pretrain import save_checkpoint, set_cpu_threads
from .sft import pad_batch

FALLBACK_WORDS = ("strawberry", "banana", "letter", "mississippi", "bookkeeper", "parallel",
                  "committee", "tomorrow", "balloon", "coffee", "assessment", "address")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class RLSettings:
    steps: int = 10  # policy-gradient steps
    prompts: int = 4  # questions per step
    samples: int = 4  # replies sampled per question
    max_tokens: int = 40  # longest reply sampled
    temperature: float = 1.0
    lr_frac: float = 0.05  # learning rates = pretraining's x this
    eval_questions: int = 16  # held-out questions, greedy, before and after


def word_lists() -> tuple[list[str], list[str]]:
    """(training words, held-out words) of the local corpus, as the synthetic data splits them."""
    try:
        from .synthetic.reasoning import corpus_words, is_held_out

        words = [w for w in corpus_words() if 3 <= len(w) <= 10]
    except (ImportError, OSError):
        return list(FALLBACK_WORDS), list(FALLBACK_WORDS)
    train = [w for w in words if not is_held_out(w)] or list(FALLBACK_WORDS)
    held = [w for w in words if is_held_out(w)] or list(FALLBACK_WORDS)
    return train, held


def make_task(rng: random.Random, words: list[str]) -> dict:
    """One question with a checkable answer: {"kind", "question", "answer"}."""
    if rng.random() < 0.5:
        word = rng.choice(words)
        repeated = sorted(c for c in set(word) if word.count(c) > 1)
        # half the time a letter that appears more than once: "1" must not be a safe guess
        letter = rng.choice(repeated) if repeated and rng.random() < 0.5 else rng.choice(word)
        return {"kind": "letters", "answer": str(word.count(letter)),
                "question": f"How many times does the letter '{letter}' appear in \"{word}\"?"}
    a, b = rng.randint(2, 99), rng.randint(2, 30)
    if rng.random() < 0.5:
        return {"kind": "arithmetic", "question": f"What is {a} times {b}?", "answer": str(a * b)}
    return {"kind": "arithmetic", "question": f"What is {a} + {b}?", "answer": str(a + b)}


def final_text(content: str | list[dict]) -> str:
    """The text the user would see: text parts outside the analysis channel."""
    if isinstance(content, str):
        return content
    return "".join(p["text"] for p in content if p["type"] == "text" and p.get("channel") != "analysis")


def reward(content: str | list[dict], answer: str) -> float:
    """1.0 when the last number of the final text equals the answer, else 0.0."""
    numbers = NUMBER.findall(final_text(content))
    return 1.0 if numbers and float(numbers[-1]) == float(answer) else 0.0


def sample_group(model, tokenizer, task: dict, settings: RLSettings, channels: bool, seed: int,
                 temperature: float | None = None, samples: int | None = None) -> list[dict]:
    """Replies to one question: [{"ids", "forced", "reward", "prompt"}]."""
    prompt = render_prompt(tokenizer, [{"role": "user", "content": task["question"]}], channels=channels)
    end = tokenizer.special_id("<|assistant_end|>")
    stops = {end, tokenizer.bos_id}
    rows = generate_tokens_with_tools(model, tokenizer, prompt, settings.max_tokens, samples or settings.samples,
                                      settings.temperature if temperature is None else temperature,
                                      None, seed, stops)
    out = []
    for ids, forced in rows:
        r = reward(parse_assistant(tokenizer, ids), task["answer"])
        if len(ids) < settings.max_tokens:  # it stopped: <|assistant_end|> was its choice too
            ids, forced = [*ids, end], [*forced, False]
        out.append({"prompt": prompt, "ids": ids, "forced": forced, "reward": r})
    return out


def mean_reward(model, tokenizer, tasks: list[dict], settings: RLSettings, channels: bool) -> float:
    """Greedy reward averaged over `tasks`."""
    total = 0.0
    for i, task in enumerate(tasks):
        total += sample_group(model, tokenizer, task, settings, channels, seed=i, temperature=0.0, samples=1)[0]["reward"]
    return total / max(1, len(tasks))


def policy_loss(model, samples: list[dict], advantages: list[float], device: torch.device) -> torch.Tensor:
    """-sum(advantage x log p(sampled token)) / number of sampled tokens, over `samples`."""
    examples = []
    for s in samples:
        ids = s["prompt"] + s["ids"]
        mask = [0] * len(s["prompt"]) + [0 if f else 1 for f in s["forced"]]
        examples.append((ids, mask))
    x, y = pad_batch(examples, pad_id=0)
    x, y = x.to(device), y.to(device)
    nll = model(x, y, reduction="none").view(y.shape)  # -log p, 0 where y == -1
    adv = torch.tensor(advantages, device=device)[:, None]
    return (adv * nll).sum() / (y != -1).sum().clamp(min=1)


def train_rl(cfg: Config, settings: RLSettings, init: str = "", resume: bool = False,
             stop_at: int | None = None, log=print, progress: bool = True) -> dict:
    """RL per `cfg` and `settings`; returns the summary (reward curve, before/after, paths)."""
    device = device_of(cfg)
    if device.type == "cpu":
        set_cpu_threads(cfg, 1)
    run_dir = Path(cfg.run_dir)
    ckpts = run_dir / "checkpoints"
    init_path = Path(init) if init else next((ckpts / n for n in ("sft.pt", "mid.pt", "model.pt")
                                             if (ckpts / n).exists()), ckpts / "sft.pt")
    out_path = ckpts / "rl.pt"
    model, tokenizer, tok_folder = start_model(cfg, init_path, device, log)
    optimizers = setup_optimizers(model, cfg)
    scale_learning_rates(optimizers, settings.lr_frac)
    start_step, state = 0, {"history": [], "train_time_s": 0.0}
    if resume:
        start_step, state = resume_from(out_path, model, optimizers)
        log(f"resumed from {out_path} at step {start_step}")
    state.update(stage="rl", tokenizer=tok_folder, init=str(init_path), settings=asdict(settings))

    train_words, held_words = word_lists()
    held_rng = random.Random(f"{cfg.seed}:held-out")
    held_tasks = [make_task(held_rng, held_words) for _ in range(settings.eval_questions)]
    if "reward_before" not in state:
        state["reward_before"] = mean_reward(model, tokenizer, held_tasks, settings, cfg.channels)
    log(f"RL from {init_path.name}: {settings.steps} steps x {settings.prompts} questions x "
        f"{settings.samples} samples; held-out greedy reward before {state['reward_before']:.3f}")

    bar = tqdm(range(start_step, settings.steps), desc="rl", disable=not progress, initial=start_step,
               total=settings.steps)
    step = start_step
    for step in bar:
        if stop_at is not None and step == stop_at:
            break
        t0 = time.time()
        rng = random.Random(f"{cfg.seed}:rl:{step}")
        samples, advantages, rewards = [], [], []
        for q in range(settings.prompts):
            task = make_task(rng, train_words)
            group = sample_group(model, tokenizer, task, settings, cfg.channels, seed=step * 1000 + q)
            group_rewards = [s["reward"] for s in group]
            rewards += group_rewards
            baseline = sum(group_rewards) / len(group_rewards)
            for s in group:
                if s["reward"] != baseline and s["ids"]:
                    samples.append(s)
                    advantages.append(s["reward"] - baseline)
        loss_value = 0.0
        if samples:
            model.train()
            loss = policy_loss(model, samples, advantages, device)
            loss.backward()
            optimizer_step(model, optimizers, cfg.grad_clip)
            loss_value = loss.item()
        dt = time.time() - t0
        state["train_time_s"] += dt
        record = {"step": step + 1, "mean_reward": sum(rewards) / len(rewards), "loss": loss_value,
                  "updated_samples": len(samples), "dt_s": dt}
        state["history"].append(record)
        bar.set_postfix(reward=f"{record['mean_reward']:.2f}")
        step += 1
    else:
        step = settings.steps
    stopped_early = stop_at is not None and step < settings.steps
    if not stopped_early:
        state["reward_after"] = mean_reward(model, tokenizer, held_tasks, settings, cfg.channels)
        log(f"RL done: held-out greedy reward {state['reward_before']:.3f} -> {state['reward_after']:.3f}")
    save_checkpoint(out_path, model, optimizers, step, state, cfg)
    summary = {"steps": step, "settings": asdict(settings), "init": str(init_path),
               "reward_before": state["reward_before"], "reward_after": state.get("reward_after"),
               "held_out_questions": len(held_tasks), "train_time_s": state["train_time_s"],
               "history": state["history"], "checkpoint": str(out_path)}
    summary["plot"] = str(plot_rewards(state["history"], run_dir / "rl_reward.png"))
    atomic_write_text(run_dir / "rl.json", json.dumps(summary, indent=1))
    return summary


def plot_rewards(history: list[dict], path: Path) -> Path | None:
    """Mean reward of the sampled replies per step (PNG)."""
    if not history:
        return None
    import matplotlib.pyplot as plt  # the backend is the caller's: inline in a notebook

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([r["step"] for r in history], [r["mean_reward"] for r in history], marker=".")
    ax.set(xlabel="step", ylabel="mean reward (sampled replies)", title="RL reward", ylim=(-0.05, 1.05))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


EXTRA_FLAGS = {"init": "",  # checkpoint to start from; "": sft.pt, else mid.pt, else model.pt
               "resume": False, "stop_at": 0,
               **{f"rl_{k}": v for k, v in asdict(RLSettings()).items()}}


def settings_from(flags: dict) -> RLSettings:
    settings = RLSettings(**{k[3:]: v for k, v in flags.items() if k.startswith("rl_")})
    if settings.samples < 2:
        raise ConfigError("--rl_samples must be at least 2: the baseline is the mean of a question's replies.")
    return settings


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    result = train_rl(cfg, settings_from(flags), init=flags["init"], resume=flags["resume"],
                      stop_at=flags["stop_at"] or None)
    print(f"reward curve: {result['plot']}\ncheckpoint: {result['checkpoint']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
