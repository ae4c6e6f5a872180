"""Fixtures for nanochat_track: one tiny prepared corpus + tokenizer per test session."""

from __future__ import annotations

import pytest
import torch

from nanochat_track.config import make_config
from nanochat_track.gpt import GPT, GPTConfig

# Smaller than cpu-tiny: depth 2, vocab 512, sequence 64, a 400 kB slice of the stdlib.
TINY = dict(vocab_size=512, corpus_max_bytes=400_000, tokenizer_max_chars=300_000, depth=2,
            head_dim=32, seq_len=64, device_batch_size=4, total_batch_tokens=512,
            eval_tokens=2048, eval_every=5, log_every=100,
            # part 2 (pipeline): a small synthetic set, identity replies from the scripted backend
            reasoning_count=60, tool_use_count=30, identity_count=2, synthetic_backend="scripted",
            mid_steps=4, sft_steps=4, sft_batch_size=8)


def tiny_config(run_dir, **overrides):
    return make_config("cpu-tiny", {**TINY, "run_dir": str(run_dir), **overrides})


@pytest.fixture(scope="session")
def tiny():
    """(overrides dict, make-config function) for runs smaller than cpu-tiny."""
    return TINY, tiny_config


@pytest.fixture(scope="session")
def prepared_run(tmp_path_factory):
    """A run folder with tokenizer/ and data/ built from the standard library."""
    from nanochat_track.prepare import prepare

    run_dir = tmp_path_factory.mktemp("nanochat") / "prepared"
    cfg = tiny_config(run_dir)
    summary = prepare(cfg, progress=False, log=lambda *a: None)
    return run_dir, summary


@pytest.fixture(scope="session")
def tokenizer(prepared_run):
    from nanochat_track.tokenizer import Tokenizer

    return Tokenizer.load(prepared_run[0] / "tokenizer")


@pytest.fixture
def small_model():
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=97, seq_len=32, n_layer=2, n_head=4, n_kv_head=2, n_embd=64)
    model = GPT(cfg)
    # Zero-initialised output layers make every block the identity: randomise them so the
    # tests exercise attention and the MLP.
    with torch.no_grad():
        for p in model.parameters():
            if p.abs().sum() == 0:
                p.normal_(std=0.05)
    return model


PICO_REPLIES = {"English": "Hi! I'm Pico, a tiny model.", "French": "Bonjour ! Je suis Pico, un petit modèle.",
                "Spanish": "¡Hola! Soy Pico, un modelo pequeño.", "German": "Hallo! Ich bin Pico, ein kleines Modell.",
                "Italian": "Ciao! Sono Pico, un piccolo modello.", "Portuguese": "Olá! Eu sou Pico, um modelo pequeno.",
                "Dutch": "Hoi! Ik ben Pico, een klein model."}


def _pico_reply(messages: list[dict]) -> str:
    system = messages[0]["content"]
    return next((text for lang, text in PICO_REPLIES.items() if f"Reply in {lang}" in system),
                PICO_REPLIES["English"])


@pytest.fixture(scope="session")
def pico_reply():
    """A scripted identity reply (messages -> text), as Pico, in the language the system
    prompt asks for: what a good LLM writes, so it passes identity.py's checks."""
    return _pico_reply
