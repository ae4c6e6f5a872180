"""Run configurations as plain dataclasses: `cpu-tiny`, `gpu-1`, and the 8-GPU `d20`/`d26`/`d32`.

Every field can be overridden from the command line: `--depth=4 --max_steps=50`, after the
preset `--config=gpu-1`. An unknown option is an error that names the closest one. One knob,
`depth`, sets the model's width (depth * aspect_ratio) and its number of heads (width / head_dim).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass

from shared.cli import parse_overrides
from shared.errors import AgentlabError


class ConfigError(AgentlabError):
    """A run that cannot go as configured: an unknown preset, no GPU, a missing package, data
    not prepared yet, sizes that do not fit. The message says what to do."""


@dataclass
class Config:
    """Everything one run needs: data, tokenizer, model shape, optimisation, evaluation, output."""

    name: str = "cpu-tiny"
    # data
    corpus: str = "stdlib"  # "stdlib", "site-packages", "all", or a comma-separated list of files
    corpus_max_bytes: int = 3_000_000  # stop collecting text at this many UTF-8 bytes (0: no cap)
    val_percent: int = 5  # share of documents (by content hash) held out for validation
    # tokenizer
    vocab_size: int = 2048  # including the 256 bytes and the special tokens
    tokenizer_max_chars: int = 2_000_000  # characters of the corpus the BPE is trained on
    # model
    depth: int = 4  # number of transformer blocks; width and heads follow from it
    aspect_ratio: int = 64  # model_dim = depth * aspect_ratio
    head_dim: int = 64
    kv_head_ratio: int = 2  # query heads per key/value head (grouped-query attention); 1 = MHA
    seq_len: int = 256
    softcap: float = 15.0  # logits = softcap * tanh(logits / softcap)
    # optimisation
    device_batch_size: int = 4  # sequences per forward pass on one device
    total_batch_tokens: int = 4096  # tokens per optimizer step over all devices and micro-steps
    max_steps: int = -1  # -1: derive from tokens_per_param
    tokens_per_param: float = 20.0  # Chinchilla-style budget when max_steps is -1
    time_budget_s: float = 0.0  # stop (and finish the warm-down) by this wall time; 0: none
    embedding_lr: float = 0.2  # AdamW, token embedding
    unembedding_lr: float = 0.004  # AdamW, output head
    matrix_lr: float = 0.02  # Muon, every 2-D weight inside the blocks
    weight_decay: float = 0.0
    adam_betas: tuple[float, float] = (0.8, 0.95)
    muon_momentum: float = 0.95
    warmup_frac: float = 0.0  # fraction of the run spent warming the learning rate up
    warmdown_frac: float = 0.3  # fraction of the run spent decaying it to final_lr_frac
    final_lr_frac: float = 0.0
    grad_clip: float = 1.0  # 0: no clipping
    seed: int = 1337
    # systems
    device: str = "auto"  # "auto", "cpu", "cuda"
    dtype: str = "auto"  # "auto" (bf16 on CUDA, fp32 on CPU), "bfloat16", "float32"
    compile: str = "auto"  # "auto" (on for CUDA, off for CPU), "on", "off"
    threads: int = 0  # CPU threads per process; 0: cores / processes, or 1 on a busy machine
    # evaluation and output
    eval_every: int = 25  # steps between validations (and at the end)
    eval_tokens: int = 16_384  # validation tokens per evaluation
    save_every: int = 0  # steps between checkpoints; 0: only at the end
    run_dir: str = ""  # default: runs/nanochat/<name>
    log_every: int = 10
    # part 2: synthetic data, mid-training, SFT (README, "Part 2")
    synthetic_dir: str = ""  # default: <run_dir>/synthetic
    synthetic_backend: str = ""  # LLM of the identity replies; "": the project's settings (Ollama if it answers, else embedded)
    identity_file: str = ""  # a JSON ModelIdentity card; "": the default one (synthetic/identity.py)
    identity_count: int = 8  # conversations of each synthetic type the pipeline generates
    reasoning_count: int = 400
    tool_use_count: int = 200
    mixture: str = "identity:4,reasoning:1,tool_use:1"  # SOURCE:EPOCHS; a synthetic type or a .jsonl path
    mid_steps: int = 60  # mid-training optimizer steps of total_batch_tokens each
    mid_lr_frac: float = 1.0  # mid-training learning rates = pretraining's x this
    sft_steps: int = -1  # SFT optimizer steps; -1: one pass over the mixture's conversations
    sft_batch_size: int = 16  # conversations per SFT step (micro-batches of device_batch_size)
    sft_lr_frac: float = 0.3  # SFT learning rates = pretraining's x this
    channels: bool = False  # analysis / commentary / final channel tokens (channels.py)

    @property
    def model_dim(self) -> int:
        return self.depth * self.aspect_ratio

    @property
    def n_head(self) -> int:
        return max(1, self.model_dim // self.head_dim)

    @property
    def n_kv_head(self) -> int:
        ratio = self.kv_head_ratio if self.n_head % self.kv_head_ratio == 0 else 1
        return self.n_head // ratio


PRESETS: dict[str, dict] = {
    # Whole pipeline in about a minute on 2 CPU cores (depth 4 / vocab 2048 / seq 256 / batch 4).
    "cpu-tiny": dict(
        name="cpu-tiny", corpus="stdlib", corpus_max_bytes=3_000_000, vocab_size=2048,
        depth=4, head_dim=64, seq_len=256, device_batch_size=4, total_batch_tokens=1024,
        max_steps=100, eval_every=25, eval_tokens=8192, tokenizer_max_chars=2_000_000,
        matrix_lr=0.02, embedding_lr=0.05, unembedding_lr=0.004,
        warmdown_frac=0.3, device="cpu", dtype="float32", compile="off",
    ),
    # A real 10-minute run on one H100: depth 12 (135M parameters with a 32k vocabulary).
    "gpu-1": dict(
        name="gpu-1", corpus="all", corpus_max_bytes=0, vocab_size=32_768,
        tokenizer_max_chars=50_000_000, depth=12, head_dim=128, kv_head_ratio=1, seq_len=2048,
        device_batch_size=16, total_batch_tokens=262_144, max_steps=-1, tokens_per_param=20.0,
        time_budget_s=600.0, eval_every=100, eval_tokens=2_097_152, log_every=10,
        embedding_lr=0.2, unembedding_lr=0.004, matrix_lr=0.02, warmdown_frac=0.2,
        device="cuda", dtype="bfloat16", compile="on", save_every=500,
        identity_count=300, reasoning_count=20_000, tool_use_count=10_000, mid_steps=60,
        sft_batch_size=32,
    ),
}
# The seeds' 8-GPU speedruns: depth 20, 26, 32 with a 65,536 vocabulary and sequence 2048.
for _depth, _batch in ((20, 16), (26, 8), (32, 4)):
    PRESETS[f"d{_depth}"] = dict(
        name=f"d{_depth}", corpus="all", corpus_max_bytes=0, vocab_size=65_536,
        tokenizer_max_chars=200_000_000, depth=_depth, head_dim=128, kv_head_ratio=1,
        seq_len=2048, device_batch_size=_batch, total_batch_tokens=524_288, max_steps=-1,
        tokens_per_param=20.0, eval_every=250, eval_tokens=10_485_760, log_every=10,
        warmdown_frac=0.2, device="cuda", dtype="bfloat16", compile="on", save_every=1000,
        identity_count=1000, reasoning_count=100_000, tool_use_count=50_000, mid_steps=200,
        sft_batch_size=32,
    )


def _parse_value(text: str, current: object) -> object:
    """Turn `text` into the type of the field's current value (bool, int, float, tuple or str)."""
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(float(text))
    if isinstance(current, float):
        return float(text)
    if isinstance(current, tuple):
        return tuple(float(x) for x in text.split(","))
    return text


def make_config(preset: str = "cpu-tiny", overrides: dict | None = None) -> Config:
    """The preset's Config with `overrides` (field name -> value or string) applied."""
    if preset not in PRESETS:
        close = difflib.get_close_matches(preset, list(PRESETS), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"Unknown config {preset!r}: {hint}choose one of {', '.join(PRESETS)}.")
    cfg = Config(**PRESETS[preset])
    names = [f.name for f in dataclasses.fields(Config)]
    for key, value in (overrides or {}).items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean --{close[0]}?" if close else "the options are the fields of Config in nanochat_track/config.py."
            raise ConfigError(f"Unknown option --{key}: {hint}")
        if isinstance(value, str):
            value = _parse_value(value, getattr(cfg, key))
        setattr(cfg, key, value)
    if not cfg.run_dir:
        cfg.run_dir = os.path.join(runs_root(), cfg.name)
    return cfg


def parse_args(argv: list[str], extra: dict | None = None, doc: str | None = None,
               default_preset: str = "cpu-tiny", defaults: dict | None = None) -> tuple[Config, dict]:
    """`--config=gpu-1 --depth=16 --resume` -> (Config, the entry point's own flags).

    `extra`: the flags this entry point takes besides the Config fields, with their defaults
    (e.g. {"resume": False}); `defaults`: Config fields this entry point starts from other
    values. Every other flag is an error naming the closest known one (shared.cli)."""
    preset = _preset_of(argv, default_preset)
    make_config(preset)  # an unknown preset fails here, with the list of presets
    fields = {**PRESETS[preset], **(defaults or {})}
    base = dataclasses.asdict(Config(**fields))
    options = {"config": preset, **{k: _as_text(v) for k, v in base.items()}, **(extra or {})}
    values = parse_overrides(argv, options, doc)
    values.pop("config")
    flags = {k: values.pop(k) for k in (extra or {})}
    return make_config(preset, values), flags


def _preset_of(argv: list[str], default: str) -> str:
    """The value of --config (as --config=NAME or --config NAME), or `default`."""
    for i, arg in enumerate(argv):
        if arg.startswith("--config="):
            return arg.partition("=")[2]
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
    return default


def _as_text(value: object) -> object:
    """A tuple field as comma-separated text, so --adam_betas=0.9,0.95 reads as a tuple."""
    return ",".join(str(v) for v in value) if isinstance(value, tuple) else value


def runs_root() -> str:
    """runs/nanochat under $AGENTLAB_RUNS (set by the tests) or the repository's runs/ folder."""
    base = os.environ.get("AGENTLAB_RUNS") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runs")
    return os.path.join(base, "nanochat")


def as_dict(cfg: Config) -> dict:
    """The config as a JSON-friendly dict, derived sizes included."""
    out = dataclasses.asdict(cfg)
    out.update(model_dim=cfg.model_dim, n_head=cfg.n_head, n_kv_head=cfg.n_kv_head)
    return out
