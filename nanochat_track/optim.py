"""Optimizers: Muon for the matrices inside the blocks, AdamW for the embedding and the head.

Muon keeps a momentum of each weight matrix's gradient, then replaces the update by the nearest
(semi-)orthogonal matrix (five Newton-Schulz iterations), so every direction of the matrix moves
by a similar amount. It only makes sense for 2-D weights; embeddings and the output head are
lookup tables / classifiers and train better with AdamW.

PyTorch's own `torch.optim.Muon` runs the Newton-Schulz iteration in bfloat16. On a GPU that is
the fast path; on a CPU bfloat16 matrix products are ~30x slower than float32 (measured here:
0.66 s vs 0.02 s for one 1024x256 matrix), so on CPU we use `MuonFP32`: the same algorithm and
defaults, in float32.
"""

from __future__ import annotations

import math

import torch

NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)  # the quintic of Keller Jordan's Muon (torch's default)


def newton_schulz(grad: torch.Tensor, steps: int = 5, eps: float = 1e-7) -> torch.Tensor:
    """An approximately orthogonal matrix with the singular vectors of `grad` (2-D), in its dtype."""
    a, b, c = NS_COEFFICIENTS
    x = grad.T if grad.size(0) > grad.size(1) else grad
    x = x / x.norm().clamp(min=eps)  # spectral norm <= Frobenius norm <= 1
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if grad.size(0) > grad.size(1) else x


class MuonFP32(torch.optim.Optimizer):
    """torch.optim.Muon's update (Nesterov momentum, Newton-Schulz, lr * sqrt(max(1, rows/cols)),
    decoupled weight decay) with the orthogonalisation in float32."""

    def __init__(self, params, lr: float = 0.02, weight_decay: float = 0.0, momentum: float = 0.95,
                 nesterov: bool = True, ns_steps: int = 5):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      nesterov=nesterov, ns_steps=ns_steps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.ndim != 2:
                    raise ValueError("Muon only takes 2-D parameters; give the others to AdamW.")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p)
                buf = state["momentum_buffer"]
                buf.lerp_(p.grad, 1 - group["momentum"])
                update = p.grad.lerp(buf, group["momentum"]) if group["nesterov"] else buf
                update = newton_schulz(update.float(), group["ns_steps"]).to(p.dtype)
                scale = math.sqrt(max(1.0, p.size(0) / p.size(1)))
                p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(update, alpha=-group["lr"] * scale)


def setup_optimizers(model, cfg) -> list[torch.optim.Optimizer]:
    """[AdamW(embedding, head), Muon(block matrices)], each group remembering its `initial_lr`.

    AdamW learning rates are scaled by 1/sqrt(model_dim / 768) so they transfer across depths.
    """
    matrices = [p for p in model.blocks.parameters() if p.ndim == 2]
    others = [p for p in model.blocks.parameters() if p.ndim != 2]
    assert not others, "every block parameter is a matrix in this model (no biases, no norm weights)"
    scale = (model.config.n_embd / 768) ** -0.5
    on_cuda = model.lm_head.weight.device.type == "cuda"
    adamw = torch.optim.AdamW(
        [dict(params=[model.wte.weight], lr=cfg.embedding_lr * scale),
         dict(params=[model.lm_head.weight], lr=cfg.unembedding_lr * scale)],
        betas=tuple(cfg.adam_betas), eps=1e-10, weight_decay=0.0, fused=on_cuda or None)
    if on_cuda:
        muon = torch.optim.Muon(matrices, lr=cfg.matrix_lr, weight_decay=cfg.weight_decay,
                                momentum=cfg.muon_momentum, nesterov=True)
    else:
        muon = MuonFP32(matrices, lr=cfg.matrix_lr, weight_decay=cfg.weight_decay,
                        momentum=cfg.muon_momentum, nesterov=True)
    optimizers = [adamw, muon]
    for opt in optimizers:
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    return optimizers


def lr_multiplier(progress: float, warmup_frac: float, warmdown_frac: float,
                  final_lr_frac: float) -> float:
    """Learning-rate factor at `progress` (0..1 of the run): linear warm-up, constant, linear
    warm-down to final_lr_frac."""
    if warmup_frac > 0 and progress < warmup_frac:
        return (progress + 1e-8) / warmup_frac
    if progress <= 1.0 - warmdown_frac:
        return 1.0
    frac = (1.0 - progress) / max(warmdown_frac, 1e-8)
    return final_lr_frac + (1.0 - final_lr_frac) * max(0.0, frac)


def optimizer_step(model: torch.nn.Module, optimizers: list, grad_clip: float,
                   lr_mult: float | None = None) -> None:
    """One update: clip the gradients' norm (when grad_clip > 0), set every group's lr to
    initial_lr x lr_mult (when given), step every optimizer, clear the gradients."""
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    for opt in optimizers:
        if lr_mult is not None:
            for group in opt.param_groups:
                group["lr"] = group["initial_lr"] * lr_mult
        opt.step()
    model.zero_grad(set_to_none=True)
