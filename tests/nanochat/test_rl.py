"""RL on verifiable rewards: the reward check, the policy-gradient loss, and a tiny run that
saves its reward curve and checkpoint and resumes."""

from __future__ import annotations

import json
import random

import pytest
import torch

from nanochat_track.config import ConfigError, make_config
from nanochat_track.gpt import GPT, GPTConfig
from nanochat_track.pretrain import save_checkpoint
from nanochat_track.rl import RLSettings, make_task, policy_loss, reward, settings_from, train_rl
from nanochat_track.tokenizer import SPLIT_PATTERN, Tokenizer


def test_reward_checks_the_last_number_of_the_final_text():
    assert reward("It appears 3 times.", "3") == 1.0
    assert reward("2, no wait, 4", "4") == 1.0 and reward("4, no wait, 2", "4") == 0.0
    assert reward("no number", "3") == 0.0
    parts = [{"type": "text", "text": "s-t-r: 9", "channel": "analysis"},
             {"type": "python", "text": "6*7"}, {"type": "python_output", "text": "42"},
             {"type": "text", "text": "The answer is 42.", "channel": "final"}]
    assert reward(parts, "42") == 1.0 and reward(parts, "9") == 0.0


def test_tasks_have_checkable_answers():
    rng = random.Random(0)
    for task in (make_task(rng, ["strawberry"]) for _ in range(20)):
        if task["kind"] == "letters":
            letter, word = task["question"].split("'")[1], task["question"].split('"')[1]
            assert task["answer"] == str(word.count(letter))
        else:
            expr = task["question"][len("What is "):-1].replace("times", "*")
            assert task["answer"] == str(eval(expr))  # the test's own check, on its own strings


def tiny_gpt(vocab_size: int) -> GPT:
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=vocab_size, seq_len=64, n_layer=1, n_head=2, n_kv_head=1, n_embd=32))
    with torch.no_grad():
        for p in model.parameters():
            if p.abs().sum() == 0:
                p.normal_(std=0.05)
    return model


def test_policy_gradient_raises_the_rewarded_tokens_and_skips_forced_ones():
    model = tiny_gpt(50)
    sample = {"prompt": [1, 2, 3], "ids": [7, 8, 9, 10], "forced": [False, True, True, False]}
    x = torch.tensor([[1, 2, 3, 7, 8, 9]])

    def logp() -> torch.Tensor:
        lp = torch.log_softmax(model(x)[0], -1)
        return torch.stack([lp[2, 7], lp[3, 8], lp[4, 9], lp[5, 10]])

    before = logp().detach()
    loss = policy_loss(model, [sample], [1.0], torch.device("cpu"))
    loss.backward()
    # the loss is -mean log p over the two tokens the model chose (7 and 10), not the forced ones
    assert torch.isclose(loss, -(before[0] + before[3]) / 2, atol=1e-5)
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= 0.5 * p.grad
    after = logp().detach()
    assert after[0] > before[0] and after[3] > before[3]


def test_a_tiny_run_writes_its_curve_and_checkpoint_and_resumes(tmp_path):
    tok = Tokenizer.from_ranks({bytes([i]): i for i in range(256)}, SPLIT_PATTERN)
    run_dir = tmp_path / "run"
    tok.save(run_dir / "tokenizer")
    cfg = make_config("cpu-tiny", {"run_dir": str(run_dir), "depth": 1, "seq_len": 64})
    save_checkpoint(run_dir / "checkpoints" / "sft.pt", tiny_gpt(tok.vocab_size), [], 0, {}, cfg)
    settings = RLSettings(steps=3, prompts=2, samples=3, max_tokens=6, eval_questions=2)
    quiet = {"log": lambda *a: None, "progress": False}
    first = train_rl(cfg, settings, stop_at=1, **quiet)
    assert first["steps"] == 1 and first["reward_after"] is None
    result = train_rl(cfg, settings, resume=True, **quiet)
    assert result["steps"] == 3 and [r["step"] for r in result["history"]] == [1, 2, 3]
    assert all(0.0 <= r["mean_reward"] <= 1.0 for r in result["history"])
    assert result["reward_before"] is not None and result["reward_after"] is not None
    saved = json.loads((run_dir / "rl.json").read_text())
    assert saved["history"] == result["history"]
    assert (run_dir / "rl_reward.png").stat().st_size > 0 and (run_dir / "checkpoints" / "rl.pt").exists()


def test_a_single_sample_has_no_baseline():
    with pytest.raises(ConfigError, match="at least 2"):
        settings_from({"rl_samples": 1})
