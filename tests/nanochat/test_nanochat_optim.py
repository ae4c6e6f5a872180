"""Muon + AdamW: a few steps reduce the loss; our float32 Muon is torch's Muon in float32."""

from __future__ import annotations

import torch

from nanochat_track.config import make_config
from nanochat_track.optim import MuonFP32, lr_multiplier, newton_schulz, setup_optimizers


def test_newton_schulz_orthogonalises():
    g = torch.randn(64, 32)
    o = newton_schulz(g)
    singular = torch.linalg.svdvals(o)
    assert o.shape == g.shape
    assert singular.min() > 0.5 and singular.max() < 1.5  # all near 1 (not exactly, by design)


def test_float32_muon_follows_torch_muon():
    torch.manual_seed(0)
    w1 = torch.nn.Parameter(torch.randn(48, 24))
    w2 = torch.nn.Parameter(w1.detach().clone())
    ours = MuonFP32([w1], lr=0.02, weight_decay=0.1)
    theirs = torch.optim.Muon([w2], lr=0.02, weight_decay=0.1)
    for _ in range(3):
        grad = torch.randn(48, 24)
        w1.grad, w2.grad = grad.clone(), grad.clone()
        ours.step()
        theirs.step()
    start = w1.detach() - w2.detach()
    assert start.abs().max() < 2e-3  # the same update up to torch's bfloat16 rounding


def test_a_few_steps_reduce_the_loss(small_model):
    cfg = make_config("cpu-tiny", {"matrix_lr": 0.02, "embedding_lr": 0.05, "unembedding_lr": 0.01})
    optimizers = setup_optimizers(small_model, cfg)
    kinds = [type(o).__name__ for o in optimizers]
    assert kinds == ["AdamW", "MuonFP32"]  # Muon takes matrices only; torch's own on CUDA
    muon_params = {id(p) for g in optimizers[1].param_groups for p in g["params"]}
    assert id(small_model.wte.weight) not in muon_params
    assert id(small_model.lm_head.weight) not in muon_params
    x = torch.randint(0, 97, (4, 32))
    losses = []
    for _ in range(8):
        loss = small_model(x[:, :-1], x[:, 1:])
        loss.backward()
        for opt in optimizers:
            opt.step()
        small_model.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5


def test_learning_rate_schedule():
    assert lr_multiplier(0.0, 0.1, 0.2, 0.0) < 0.01  # warm-up starts near 0
    assert lr_multiplier(0.5, 0.1, 0.2, 0.0) == 1.0
    assert abs(lr_multiplier(0.9, 0.1, 0.2, 0.0) - 0.5) < 1e-6  # half-way down the warm-down
    assert lr_multiplier(1.0, 0.1, 0.2, 0.1) == 0.1
