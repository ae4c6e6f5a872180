"""The GPT: one file, top to bottom.

Choices (the modern small-GPT recipe, as in nanochat):
- rotary position embeddings (no learned positions);
- queries and keys RMS-normalised after the rotation (QK norm: stable attention logits);
- grouped-query attention: fewer key/value heads than query heads (a smaller KV cache);
- ReLU² MLP, no biases anywhere, parameter-free RMSNorm;
- untied token embedding and output head;
- logits soft-capped: softcap * tanh(logits / softcap).
Width and heads follow from one knob, `depth` (see config.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 2048
    seq_len: int = 256  # longest context the rotary table covers (generation may extend it)
    n_layer: int = 4
    n_head: int = 4
    n_kv_head: int = 2
    n_embd: int = 256
    softcap: float = 15.0

    @classmethod
    def from_run_config(cls, cfg, vocab_size: int) -> GPTConfig:
        return cls(vocab_size=vocab_size, seq_len=cfg.seq_len, n_layer=cfg.depth,
                   n_head=cfg.n_head, n_kv_head=cfg.n_kv_head, n_embd=cfg.model_dim,
                   softcap=cfg.softcap)


def rms_norm(x: torch.Tensor) -> torch.Tensor:
    """Parameter-free RMSNorm over the last dimension."""
    return F.rms_norm(x, (x.size(-1),))


def rotary_tables(seq_len: int, head_dim: int, base: float = 10_000.0,
                  device: torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of shape (1, seq_len, 1, head_dim/2) for positions 0..seq_len-1."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))
    angles = torch.outer(torch.arange(seq_len, dtype=torch.float32, device=device), inv_freq)
    return angles.cos()[None, :, None, :], angles.sin()[None, :, None, :]


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (first half, second half) of each head's channels by position angles.

    x: (B, T, H, D); cos/sin: (1, T, 1, D/2).
    """
    d = x.shape[-1] // 2
    x1, x2 = x[..., :d], x[..., d:]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.cat([x1 * cos + x2 * sin, x2 * cos - x1 * sin], dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer_idx: int):
        super().__init__()
        assert config.n_embd % config.n_head == 0, "n_embd must be divisible by n_head"
        assert config.n_head % config.n_kv_head == 0, "n_head must be a multiple of n_kv_head"
        self.layer_idx = layer_idx
        self.n_head, self.n_kv_head = config.n_head, config.n_kv_head
        self.head_dim = config.n_embd // config.n_head
        self.c_q = nn.Linear(config.n_embd, self.n_head * self.head_dim, bias=False)
        self.c_k = nn.Linear(config.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_v = nn.Linear(config.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, kv_cache=None) -> torch.Tensor:
        B, T, C = x.shape
        q = self.c_q(x).view(B, T, self.n_head, self.head_dim)
        k = self.c_k(x).view(B, T, self.n_kv_head, self.head_dim)
        v = self.c_v(x).view(B, T, self.n_kv_head, self.head_dim)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        q, k = rms_norm(q), rms_norm(k)  # QK norm
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        if kv_cache is not None:
            k, v = kv_cache.insert(self.layer_idx, k, v)  # all keys/values so far
        T_k = k.size(2)
        if kv_cache is None or T == T_k:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        elif T == 1:  # one new token attends to everything cached
            y = F.scaled_dot_product_attention(q, k, v, is_causal=False, enable_gqa=True)
        else:  # a chunk after a prefix: each query sees the prefix and the chunk causally
            prefix = T_k - T
            mask = torch.ones(T, T_k, dtype=torch.bool, device=q.device).tril(diagonal=prefix)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.relu(self.c_fc(x)).square())  # ReLU²


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer_idx: int):
        super().__init__()
        self.attn = CausalSelfAttention(config, layer_idx)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, kv_cache=None):
        x = x + self.attn(rms_norm(x), cos, sin, kv_cache)
        return x + self.mlp(rms_norm(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        head_dim = config.n_embd // config.n_head
        # 10x the training length, so generation can run past seq_len without recomputing.
        self.rotary_len = config.seq_len * 10
        cos, sin = rotary_tables(self.rotary_len, head_dim)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Embedding ~N(0,1); matrices uniform with std 1/sqrt(fan_in); residual outputs and
        the head start at zero, so every block starts as the identity (as nanochat does)."""
        nn.init.normal_(self.wte.weight, std=1.0)
        nn.init.zeros_(self.lm_head.weight)
        for block in self.blocks:
            for lin in (block.attn.c_q, block.attn.c_k, block.attn.c_v, block.mlp.c_fc):
                bound = math.sqrt(3.0) / math.sqrt(lin.in_features)
                nn.init.uniform_(lin.weight, -bound, bound)
            nn.init.zeros_(block.attn.c_proj.weight)
            nn.init.zeros_(block.mlp.c_proj.weight)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, kv_cache=None,
                reduction: str = "mean") -> torch.Tensor:
        """Logits (B, T, vocab) when targets is None, else the cross-entropy loss.

        With a kv_cache, positions continue from the cache's length.
        """
        B, T = idx.shape
        start = kv_cache.pos if kv_cache is not None else 0
        if start + T > self.rotary_len:
            raise ValueError(f"sequence of {start + T} tokens is longer than the rotary table "
                             f"({self.rotary_len}); generate fewer tokens.")
        cos, sin = self.cos[:, start:start + T], self.sin[:, start:start + T]
        x = rms_norm(self.wte(idx))
        for block in self.blocks:
            x = block(x, cos, sin, kv_cache)
        x = rms_norm(x)
        if kv_cache is not None:
            kv_cache.advance(T)
        logits = self.lm_head(x).float()
        cap = self.config.softcap
        logits = cap * torch.tanh(logits / cap)
        if targets is None:
            return logits
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=-1, reduction=reduction)

    # -- sizes -----------------------------------------------------------------------------
    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def flops_per_token(self) -> float:
        """Training FLOPs per token: 6 per non-embedding weight, plus attention's
        12 * layers * heads * head_dim * seq_len (forward and backward of QK^T and AV)."""
        c = self.config
        n = self.num_params() - self.wte.weight.numel()
        head_dim = c.n_embd // c.n_head
        return 6 * n + 12 * c.n_layer * c.n_head * head_dim * c.seq_len


def parameter_table(depths: list[int], vocab_size: int = 65_536, aspect_ratio: int = 64,
                    head_dim: int = 128, seq_len: int = 2048) -> list[dict]:
    """Parameter count per depth, computed on the meta device (no memory used)."""
    rows = []
    for depth in depths:
        dim = depth * aspect_ratio
        n_head = max(1, dim // head_dim)
        cfg = GPTConfig(vocab_size=vocab_size, seq_len=seq_len, n_layer=depth, n_head=n_head,
                        n_kv_head=n_head, n_embd=dim)
        with torch.device("meta"):
            model = GPT(cfg)
        rows.append({"depth": depth, "model_dim": dim, "n_head": n_head,
                     "params": model.num_params(), "flops_per_token": model.flops_per_token()})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the parameter count per depth (`make params`); takes no options."""
    import sys

    from shared.cli import parse_overrides

    parse_overrides(sys.argv[1:] if argv is None else argv, {}, main.__doc__)
    print("depth  dim  heads  parameters (vocab 65,536, head_dim 128)")
    for row in parameter_table([2, 4, 6, 8, 12, 16, 20, 26, 32]):
        print(f"{row['depth']:5d} {row['model_dim']:5d} {row['n_head']:5d}  {row['params'] / 1e6:9.1f}M")
    return 0


if __name__ == "__main__":
    from shared.cli import run_main

    raise SystemExit(run_main(main))
