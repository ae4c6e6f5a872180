"""Mid-training and SFT at a size smaller than cpu-tiny: losses fall, resume continues the same
curve, SFT trains on the assistant's tokens only, and the channels option grows the model."""

from __future__ import annotations

import math
import shutil

import pytest
import torch

from nanochat_track.conversation import render_conversation
from nanochat_track.finetune import load_chat_model
from nanochat_track.midtrain import train_mid
from nanochat_track.pretrain import train
from nanochat_track.sft import pad_batch, step_examples, train_sft
from nanochat_track.synthetic.generate import generate
from shared.llm import ScriptedBackend

QUIET = dict(log=lambda *a: None, progress=False)


@pytest.fixture(scope="module")
def base_run(prepared_run, tiny, tmp_path_factory, pico_reply):
    """A run folder with a briefly pretrained tiny model and a small synthetic set."""
    run_dir = tmp_path_factory.mktemp("chat") / "run"
    for part in ("tokenizer", "data"):
        shutil.copytree(prepared_run[0] / part, run_dir / part)
    cfg = tiny[1](run_dir, max_steps=4, eval_every=4)
    train(cfg, **QUIET)
    synthetic = run_dir / "synthetic"
    generate("reasoning", 60, synthetic / "reasoning.jsonl", progress=False)
    generate("tool_use", 40, synthetic / "tool_use.jsonl", progress=False)
    llm = ScriptedBackend(pico_reply)
    generate("identity", 4, synthetic / "identity.jsonl", llm=llm, progress=False)
    return run_dir


def fresh(base_run, tmp_path):
    """A copy of the base run to train in (the module's runs must not see each other's files)."""
    run_dir = tmp_path / "run"
    shutil.copytree(base_run, run_dir)
    return run_dir


def test_midtraining_lowers_the_conversation_loss_and_resumes(base_run, tmp_path, tiny):
    run_dir = fresh(base_run, tmp_path)
    cfg = tiny[1](run_dir, mid_steps=8, eval_every=4)
    result = train_mid(cfg, **QUIET)
    evals = [e["val_loss"] for e in result["evals"]]
    assert len(evals) == 3 and all(math.isfinite(v) for v in evals)
    assert evals[-1] < evals[0] - 0.2
    assert (run_dir / "checkpoints" / "mid.pt").exists() and (run_dir / "mid_loss.png").exists()
    assert result["conversations"] > 90 and "reasoning.jsonl x1" in result["mixture"]
    # 4 straight steps vs 2 + resume 2: the same losses
    straight = train_mid(tiny[1](fresh(base_run, tmp_path / "a"), mid_steps=4, eval_every=4), **QUIET)
    resumed_dir = fresh(base_run, tmp_path / "b")
    cfg_b = tiny[1](resumed_dir, mid_steps=4, eval_every=4)
    train_mid(cfg_b, stop_at=2, **QUIET)
    resumed = train_mid(cfg_b, resume=True, **QUIET)
    assert [r["loss"] for r in resumed["history"]] == pytest.approx([r["loss"] for r in straight["history"]], abs=1e-5)
    assert resumed["evals"][-1]["val_loss"] == pytest.approx(straight["evals"][-1]["val_loss"], abs=1e-5)


def test_sft_batches_mask_everything_but_the_assistant(tokenizer):
    chat = [{"role": "user", "content": "What is 2+3?"},
            {"role": "assistant", "content": [{"type": "python", "text": "2+3"},
                                              {"type": "python_output", "text": "5"},
                                              {"type": "text", "text": "5."}]}]
    short = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    examples = [render_conversation(tokenizer, chat), render_conversation(tokenizer, short)]
    x, y = pad_batch(examples, pad_id=0)
    ids, mask = examples[0]
    assert x.shape == y.shape == (2, len(ids) - 1)
    assert x[0].tolist() == ids[:-1]
    assert y[0].tolist() == [t if m else -1 for t, m in zip(ids[1:], mask[1:], strict=True)]
    n_short = len(examples[1][0]) - 1
    assert (y[1, n_short:] == -1).all() and (x[1, n_short:] == 0).all()  # padding: no target
    expected = tokenizer.encode("hello") + [tokenizer.special_id("<|assistant_end|>")]
    assert [t for t in y[1].tolist() if t != -1] == expected
    output_ids = set(tokenizer.encode("5")) | {tokenizer.special_id("<|output_start|>")}
    out_pos = ids.index(tokenizer.special_id("<|output_start|>"))
    assert y[0, out_pos - 1] == -1 and y[0, out_pos] == -1  # the tool's output is not learned
    assert output_ids


def test_sft_batches_are_reproducible_epochs():
    examples = [([i, i], [0, 1]) for i in range(5)]
    seen = [step_examples(examples, s, 2, seed=7) for s in range(5)]  # 10 draws = 2 epochs
    flat = [e[0][0] for batch in seen for e in batch]
    assert sorted(flat[:5]) == sorted(flat[5:]) == [0, 1, 2, 3, 4]
    assert seen == [step_examples(examples, s, 2, seed=7) for s in range(5)]


def test_sft_lowers_the_assistant_loss_and_resumes(base_run, tmp_path, tiny):
    run_dir = fresh(base_run, tmp_path)
    cfg = tiny[1](run_dir, sft_steps=8, sft_batch_size=8, eval_every=4, sft_lr_frac=1.0)
    result = train_sft(cfg, **QUIET)
    evals = [e["val_loss"] for e in result["evals"]]
    assert evals[-1] < evals[0] - 0.2
    assert result["init"].endswith("model.pt")  # no mid.pt in this run: the base model
    assert (run_dir / "checkpoints" / "sft.pt").exists() and (run_dir / "sft_loss.png").exists()
    straight = train_sft(tiny[1](fresh(base_run, tmp_path / "a"), sft_steps=4, sft_batch_size=8,
                                 eval_every=4), **QUIET)
    cfg_b = tiny[1](fresh(base_run, tmp_path / "b"), sft_steps=4, sft_batch_size=8, eval_every=4)
    train_sft(cfg_b, stop_at=2, **QUIET)
    resumed = train_sft(cfg_b, resume=True, **QUIET)
    assert [r["loss"] for r in resumed["history"]] == pytest.approx([r["loss"] for r in straight["history"]], abs=1e-5)


def test_mid_then_sft_with_channels(base_run, tmp_path, tiny):
    run_dir = fresh(base_run, tmp_path)
    cfg = tiny[1](run_dir, mid_steps=2, sft_steps=2, sft_batch_size=4, eval_every=2, channels=True)
    train_mid(cfg, **QUIET)
    sft = train_sft(cfg, **QUIET)
    assert sft["init"].endswith("mid.pt")
    model, tok, channels = load_chat_model(run_dir / "checkpoints" / "sft.pt")
    assert channels and tok.vocab_size == model.config.vocab_size
    assert "<|analysis|>" in tok.special_tokens
    assert model(torch.tensor([[tok.special_id("<|final|>")]])).shape[-1] == tok.vocab_size
    base, base_tok, base_channels = load_chat_model(run_dir / "checkpoints" / "model.pt")
    assert not base_channels and base_tok.vocab_size == base.config.vocab_size == tok.vocab_size - 3


def test_cli_flags(base_run, tmp_path, tiny):
    from nanochat_track.midtrain import main as mid_main
    from nanochat_track.sft import main as sft_main
    from shared.cli import UsageError

    run_dir = fresh(base_run, tmp_path)
    overrides = [f"--{k}={v}" for k, v in tiny[0].items()]
    mid_main([*overrides, f"--run_dir={run_dir}", "--mid_steps=1", "--mixture=reasoning:1"])
    sft_main([*overrides, f"--run_dir={run_dir}", "--sft_steps=1", "--mixture=tool_use:1"])
    assert (run_dir / "checkpoints" / "sft.pt").exists()
    with pytest.raises(UsageError, match="did you mean --mid_steps"):
        mid_main(["--mid_step=3"])
