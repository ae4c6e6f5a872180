"""The GPT: shapes, causality, grouped-query attention, soft cap, sizes per depth."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from nanochat_track.config import make_config
from nanochat_track.gpt import GPT, GPTConfig, apply_rotary, parameter_table, rotary_tables


def test_shapes_and_loss(small_model):
    x = torch.randint(0, 97, (3, 16))
    logits = small_model(x)
    assert logits.shape == (3, 16, 97)
    loss = small_model(x, x)
    assert loss.ndim == 0 and torch.isfinite(loss)
    per_token = small_model(x, x, reduction="none")
    assert per_token.shape == (48,) and torch.allclose(per_token.mean(), loss, atol=1e-6)


def test_logits_are_soft_capped(small_model):
    with torch.no_grad():
        small_model.lm_head.weight.mul_(1000)
    logits = small_model(torch.randint(0, 97, (1, 8)))
    assert logits.abs().max() <= small_model.config.softcap + 1e-4


def test_future_tokens_do_not_change_the_past(small_model):
    x = torch.randint(0, 97, (1, 20))
    y = x.clone()
    y[0, 12:] = (y[0, 12:] + 1) % 97
    a, b = small_model(x), small_model(y)
    assert torch.allclose(a[0, :12], b[0, :12], atol=1e-5)
    assert not torch.allclose(a[0, 12:], b[0, 12:], atol=1e-3)


def test_grouped_query_attention_matches_repeated_heads(small_model):
    attn = small_model.blocks[0].attn
    assert attn.n_head == 4 and attn.n_kv_head == 2
    assert attn.c_k.weight.shape == (2 * 16, 64)  # half the key/value parameters of MHA
    q = torch.randn(1, 4, 10, 16)
    k, v = torch.randn(1, 2, 10, 16), torch.randn(1, 2, 10, 16)
    gqa = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    mha = F.scaled_dot_product_attention(q, k.repeat_interleave(2, 1), v.repeat_interleave(2, 1),
                                         is_causal=True)
    assert torch.allclose(gqa, mha, atol=1e-5)


def test_rotary_is_a_rotation_and_relative():
    cos, sin = rotary_tables(16, 8)
    x = torch.randn(1, 16, 2, 8)
    rotated = apply_rotary(x, cos, sin)
    assert torch.allclose(rotated.norm(dim=-1), x.norm(dim=-1), atol=1e-5)
    # the dot product of a rotated query and key depends only on their distance
    q, k = torch.randn(8), torch.randn(8)
    qs = apply_rotary(q.expand(1, 16, 1, 8), cos, sin)[0, :, 0]
    ks = apply_rotary(k.expand(1, 16, 1, 8), cos, sin)[0, :, 0]
    assert torch.allclose(qs[5] @ ks[3], qs[9] @ ks[7], atol=1e-4)


def test_no_biases_and_untied_embeddings():
    model = GPT(GPTConfig(vocab_size=50, n_layer=1, n_head=2, n_kv_head=1, n_embd=32))
    assert all(p.ndim == 2 for p in model.parameters())  # no bias vectors, no norm weights
    assert model.wte.weight.data_ptr() != model.lm_head.weight.data_ptr()


def test_depth_sets_width_and_heads():
    cfg = make_config("gpu-1", {"depth": 20})
    assert (cfg.model_dim, cfg.n_head) == (1280, 10)
    rows = parameter_table([4, 12, 20])
    params = [r["params"] for r in rows]
    assert params == sorted(params)
    assert 500e6 < params[-1] < 600e6  # d20 with a 65k vocabulary: ~560M like nanochat's d20
    assert rows[1]["flops_per_token"] > 6 * (rows[1]["params"] - 65_536 * 768)
