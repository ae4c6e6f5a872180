"""Writes the lesson notebooks of phase 1 (outputs cleared, stable cell ids). Run after editing a lesson:

    .venv/bin/python phase1_tinylm/notebooks/build_notebooks.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.notebook_builder import code, md, write_notebooks

HERE = Path(__file__).resolve().parent

SETUP = """import os
FAST = bool(os.environ.get("AGENTLAB_FAST"))  # the tests run every notebook at a reduced size
import phase1_tinylm  # noqa: F401  (first: it sets numpy's BLAS to one thread)
import numpy as np
import matplotlib.pyplot as plt  # plots show inline: no module of this phase picks the backend"""


def cells(*parts: tuple[str, str]):
    return [md(text) if kind == "md" else code(text) for kind, text in parts]


LESSONS: dict[str, list] = {}

LESSONS["01_data_bigram_sampling.ipynb"] = cells(
    ("md", """# Lesson 1-3: text, a character tokenizer, a bigram model, and sampling

A language model assigns a probability to the next piece of text given what came before. We start
with the smallest possible pieces, **characters**, and the smallest possible context, **one
character**. Everything later in this phase (an MLP, a transformer) is a better answer to the same
question: *what comes next?*"""),
    ("code", SETUP),
    ("md", """## 1. The data

The default corpus is the Python standard library's own source code and docstrings, read file by
file in path order. Every machine with the same Python version has exactly the same bytes, and
nothing is downloaded. `load_corpus("some.txt")` uses any text file instead."""),
    ("code", """from phase1_tinylm.data import load_corpus, CharTokenizer, UNK
corpus = load_corpus(max_bytes=100_000 if FAST else None)
print(corpus.describe())
print("first files:", [p.name for p in corpus.files[:6]])
print(corpus.text[:300])"""),
    ("md", """## 2. A character tokenizer

The vocabulary is every distinct character of the training text; each gets an integer id. Id 0 is
reserved for characters the vocabulary has never seen (unknown), which decode to `�` (U+FFFD)."""),
    ("code", """tok = corpus.tokenizer
print("vocabulary size:", tok.vocab_size)
print("".join(tok.itos[1:]))
ids = tok.encode("def hello():")
print(ids, "->", repr(tok.decode(ids)))
print("unknown:", tok.encode("naïve 😀"), "->", tok.decode(tok.encode("naïve 😀")))"""),
    ("md", """The split is fixed: the first 90% of the text trains, the last 10% validates. No shuffling,
so validation text is text the model has truly never seen (later files of the library)."""),
    ("code", """train_ids = np.array(tok.encode(corpus.train_text))
val_ids = np.array(tok.encode(corpus.val_text))
len(train_ids), len(val_ids)"""),
    ("md", """## 3. A bigram model from counts

Count how often each character follows each other character. Row `a` of the count matrix, divided
by its sum, is the model's distribution of the next character after `a`."""),
    ("code", """from phase1_tinylm.bigram import count_bigrams, bigram_probs, nll, bits, best_alpha, BigramModel
counts = count_bigrams(train_ids, tok.vocab_size)
row = counts[tok.stoi["d"]]
top = np.argsort(row)[::-1][:8]
print("after 'd':", [(tok.itos[i], int(row[i])) for i in top])
plt.figure(figsize=(5, 5))
plt.imshow(np.log1p(counts), cmap="Blues")
plt.title("log(1 + count): row = current char, column = next char")
plt.show()"""),
    ("md", """Some pairs never occur in training. Their probability would be zero, and a single such pair
in the validation text would make the loss infinite. **Smoothing** adds α to every count first.

The loss is the average **negative log-likelihood** of each actual next character: in nats
(natural log) or bits (log base 2; divide by ln 2). A model that guesses uniformly among V characters
scores ln V nats."""),
    ("code", """probs = bigram_probs(counts, alpha=1.0)
print("rows sum to 1:", np.allclose(probs.sum(axis=1), 1))
print(f"uniform guess: {np.log(tok.vocab_size):.3f} nats")
alpha, scores = best_alpha(train_ids, val_ids, tok.vocab_size)
for a, s in scores.items():
    print(f"alpha={a:<5} val NLL {s:.4f} nats = {bits(s):.3f} bits/char")
bigram = BigramModel.fit(train_ids, tok.vocab_size, alpha)
print(f"train {bigram.loss(train_ids):.4f}, val {bigram.loss(val_ids):.4f} nats")"""),
    ("md", """## 4. Sampling

To generate text, draw the next character from the model's distribution, append it, repeat.
**Temperature** divides the scores before the softmax: below 1 the likely characters get likelier
(safe, repetitive), above 1 the distribution flattens (varied, more mistakes). **Top-k** keeps only
the k most likely characters. A **seed** makes the draw reproducible. `generate` works with every
model of this phase: each offers `next_logits(context)`."""),
    ("code", """from phase1_tinylm.sampling import generate_text, probs_from_logits
for t in (0.5, 1.0, 1.5):
    print(f"--- temperature {t}")
    print(generate_text(bigram, tok, "\\ndef ", 150, temperature=t, top_k=None, seed=0))"""),
    ("code", """p = probs_from_logits(bigram.next_logits([tok.stoi["e"]]), temperature=1.0, top_k=5)
print("top-5 after 'e':", [(tok.itos[i], round(float(p[i]), 3)) for i in np.nonzero(p)[0]])
a = generate_text(bigram, tok, "\\n", 60, top_k=5, seed=42)
b = generate_text(bigram, tok, "\\n", 60, top_k=5, seed=42)
print("same seed, same text:", a == b)"""),
    ("md", """The bigram knows which letters tend to follow which, and nothing else. Its text is word-shaped
soup. Next: learn the same table by gradient descent (lesson 4), then give the model more context
(lesson 5)."""),
)

LESSONS["02_neural_bigram_pure_python.ipynb"] = cells(
    ("md", """# Lesson 4 (optional): a neural bigram in pure Python, gradients by hand

Same model as the counting bigram, learned differently: a table of weights `W` (V × V) whose row
`W[a]` holds the scores (logits) of every next character after `a`. Softmax turns scores into
probabilities; the loss is the NLL of the true next character.

For one example `a → b`, with `p = softmax(W[a])`, the gradient is

    d loss / d W[a][j] = p[j] - (1 if j == b else 0)

and zero for every other row. No numpy, no autograd: a few lines of Python."""),
    ("code", SETUP),
    ("code", """import math
from phase1_tinylm.data import load_corpus
from phase1_tinylm.neural_bigram import PurePythonBigram, softmax, make_pairs, train_pure_bigram
corpus = load_corpus(max_bytes=100_000 if FAST else None)
tok = corpus.tokenizer
train_ids, val_ids = tok.encode(corpus.train_text), tok.encode(corpus.val_text)
print(softmax([1.0, 2.0, 3.0]))"""),
    ("md", """Check the hand-written gradient against a finite difference: nudge one weight up and down
by ε and see how the loss moves."""),
    ("code", """model = PurePythonBigram(tok.vocab_size, seed=0)
batch = make_pairs(train_ids[:50])
a, b = batch[0]
eps = 1e-5
model.W[a][b] += eps; up = model.loss(batch)
model.W[a][b] -= 2 * eps; down = model.loss(batch)
model.W[a][b] += eps
numeric = (up - down) / (2 * eps)
before = model.W[a][b]
model.step(batch, lr=1.0)            # W -= lr * gradient
analytic = before - model.W[a][b]
print(f"numeric {numeric:.8f}  analytic {analytic:.8f}")"""),
    ("code", """model, stats = train_pure_bigram(train_ids, val_ids, tok.vocab_size,
                                 steps=200 if FAST else 1000, batch_size=64, lr=10.0)
h = stats["history"]
plt.plot(h["step"], h["val_loss"], label="validation")
plt.plot(h["step"], h["train_loss"], label="train batch")
plt.axhline(math.log(tok.vocab_size), ls=":", c="gray", label="uniform guess")
plt.xlabel("step"); plt.ylabel("nats/char"); plt.legend(); plt.show()
print(f"{stats['train_seconds']:.1f} s, {stats['tokens_per_s']:,.0f} pairs/s")"""),
    ("md", """Compare with the counting bigram: gradient descent walks towards the same table. With
enough steps (and a good learning rate) the two losses meet: the neural view and the counting view
of a bigram are the same model.

A comparison is only fair on the same characters: both models are scored on every pair of the
validation split (the training curve above already was). On a slice, one model can look better
than it is just because that slice is easier."""),
    ("code", """from phase1_tinylm.bigram import BigramModel
counting = BigramModel.fit(np.array(train_ids), tok.vocab_size, alpha=0.5)
val_pairs = make_pairs(val_ids)  # every character of the validation split after the first
assert model.loss(val_pairs) == h["val_loss"][-1]  # the curve's last point is on all of them
print(f"{len(val_pairs):,} validation pairs")
print(f"counting bigram val: {counting.loss(np.array(val_ids)):.4f} nats")
print(f"neural bigram val:   {model.loss(val_pairs):.4f} nats")
from phase1_tinylm.sampling import generate_text
print(generate_text(model, tok, "\\ndef ", 150, temperature=1.0, seed=0))"""),
)

LESSONS["03_numpy_mlp_gradcheck.ipynb"] = cells(
    ("md", """# Lesson 5: a tiny neural network in numpy, forward and backward by hand

A bigram sees one character. This model sees the last `k` characters:

1. look up a learned **embedding** vector (size d) for each of them: `C[X]`, shape (B, k, d);
2. concatenate them: (B, k·d);
3. one **hidden layer**: `h = tanh(x @ W1 + b1)`, shape (B, hidden);
4. scores for every next character: `logits = h @ W2 + b2`, shape (B, V); softmax; NLL.

The backward pass applies the chain rule to each step in reverse (`mlp_numpy.backward`). Before
trusting it, we check it against finite differences."""),
    ("code", SETUP),
    ("code", """from phase1_tinylm.mlp_numpy import init_params, forward, cross_entropy, backward, grad_check, lr_at, train_mlp
params = init_params(vocab_size=20, context=4, emb=5, hidden=16, seed=0)
rng = np.random.default_rng(0)
X, Y = rng.integers(0, 20, (8, 4)), rng.integers(0, 20, 8)
logits, cache = forward(params, X)
loss, dlogits = cross_entropy(logits, Y)
print("logits", logits.shape, f"loss {loss:.4f} (uniform: {np.log(20):.4f})")
grads = backward(params, cache, dlogits)
print({k: v.shape for k, v in grads.items()})"""),
    ("md", """## The gradient check

For a few entries of each parameter: nudge it by ±ε, recompute the loss, and compare
(loss⁺ − loss⁻)/2ε with the backward pass. In float64 the relative error should be around 1e-7 or
smaller; a bug (a missing transpose, a forgotten `1 - tanh²`) shows up as 1e-2 or worse."""),
    ("code", """errors = grad_check(params, X, Y)
for name, err in errors.items():
    print(f"{name:3s} relative error {err:.2e}")
assert max(errors.values()) < 1e-6"""),
    ("md", """## Training: mini-batches and a learning-rate schedule

Each step uses a random mini-batch of positions. The learning rate warms up linearly (large steps
on random weights are unstable), then decays along a cosine (small steps to settle in). The
optimizer is Adam written out in a few lines (`mlp_numpy.Adam`)."""),
    ("code", """steps = 300 if FAST else 3000
plt.plot([lr_at(s, steps, 3e-3, 100) for s in range(steps)])
plt.xlabel("step"); plt.ylabel("learning rate"); plt.show()"""),
    ("code", """from phase1_tinylm.data import load_corpus
from phase1_tinylm.bigram import BigramModel, bits
corpus = load_corpus(max_bytes=100_000 if FAST else None)
tok = corpus.tokenizer
train_ids, val_ids = np.array(tok.encode(corpus.train_text)), np.array(tok.encode(corpus.val_text))
mlp, stats = train_mlp(train_ids, val_ids, tok.vocab_size, context=8, emb=16 if FAST else 24,
                       hidden=128 if FAST else 384, steps=steps, batch_size=128, lr=3e-3,
                       warmup=30 if FAST else 100, eval_every=steps // 6, pad_id=tok.stoi.get("\\n", 0))
h = stats["history"]
plt.plot(h["step"], h["train_loss"], label="train"); plt.plot(h["step"], h["val_loss"], label="validation")
plt.xlabel("step"); plt.ylabel("nats/char"); plt.legend(); plt.show()"""),
    ("code", """bigram = BigramModel.fit(train_ids, tok.vocab_size, 0.5)
print(f"bigram val {bits(bigram.loss(val_ids)):.3f} bits/char, MLP val {bits(mlp.loss(val_ids)):.3f} bits/char")
print(f"MLP: {mlp.num_params():,} parameters, {stats['tokens_per_s']:,.0f} tokens/s")
from phase1_tinylm.sampling import generate_text
print(generate_text(mlp, tok, "\\ndef ", 200, temperature=0.8, top_k=20, seed=0))"""),
)

LESSONS["04_overfitting.ipynb"] = cells(
    ("md", """# Lesson 6: evaluating loss, and overfitting

The **training loss** measures how well the model fits text it has seen; the **validation loss**
how well it predicts text it has not. Only the second one tells us whether the model learned
something general.

A large model on a tiny text learns the text by heart: the training loss keeps falling while the
validation loss turns around and climbs. That is **overfitting**. Three fixes, each on the same
model:

- **more data**: the same model trained on the whole training text;
- **weight decay**: each step pulls every weight a little towards zero, so only patterns that
  keep paying off survive;
- **early stopping**: evaluate regularly, keep the parameters with the best validation loss, stop
  when it has not improved for a while."""),
    ("code", SETUP),
    ("code", """from phase1_tinylm.data import load_corpus
from phase1_tinylm.overfitting import overfitting_experiment, summarise, BIG_MODEL
from phase1_tinylm.curves import plot_runs
corpus = load_corpus(max_bytes=100_000 if FAST else None)
tok = corpus.tokenizer
train_ids, val_ids = tok.encode(corpus.train_text), tok.encode(corpus.val_text)
print("model:", BIG_MODEL)"""),
    ("md", """Each line gives the losses of the parameters the run ends with: for early stopping, the
best ones it kept, not the last ones it evaluated. The weight decay is the default of
`overfitting_experiment`, the one `make overfit` uses."""),
    ("code", """runs = overfitting_experiment(train_ids, val_ids, tok.vocab_size, tiny_chars=3000,
                              steps=200 if FAST else 1000, eval_every=20 if FAST else 50, patience=3)
print("\\n".join(summarise(runs)))
overfit, decay, early = runs["overfit (tiny data)"], runs["weight decay"], runs["early stopping"]
assert decay["val_loss"] < overfit["val_loss"] and decay["train_loss"] > overfit["train_loss"]
assert early["val_loss"] == early["best_val_loss"]  # early stopping keeps its best parameters"""),
    ("code", """fig = plot_runs({name: r["history"] for name, r in runs.items()},
                title="a large MLP on 3,000 characters, and three fixes", ncols=2)
plt.show()"""),
    ("md", """Read the panels:

- **overfit**: the gap between the curves grows; the validation loss has a minimum early on.
- **more data**: train and validation stay together; with 300× more text there is nothing to
  memorise.
- **weight decay**: the training loss cannot go as low, and the validation loss stays lower.
- **early stopping**: training stops soon after the best validation loss and keeps those
  parameters. Cheap, and often all you need.

Other fixes not shown here: dropout (the transformer has a `dropout` setting) and a smaller model."""),
)

LESSONS["05_save_load.ipynb"] = cells(
    ("md", """# Lesson 7: saving and loading a model

A model file must hold everything needed to use the model again: the **weights**, the
**vocabulary** (ids mean nothing without it), the **hyperparameters** (they decide the shapes),
and a **checksum** to detect damage. Here: a numpy `.npz` archive with one extra entry, a JSON
header. Writes are atomic (a temp file, then a rename), so a crash never leaves half a file.

Loading checks everything and raises `CheckpointError` with one sentence on what to do."""),
    ("code", SETUP),
    ("code", """import tempfile
from pathlib import Path
from phase1_tinylm.data import load_corpus
from phase1_tinylm.mlp_numpy import train_mlp
from phase1_tinylm.checkpoint import save_mlp, load_mlp, load_model, CheckpointError
from phase1_tinylm.sampling import generate_text
corpus = load_corpus(max_bytes=100_000 if FAST else None)
tok = corpus.tokenizer
train_ids, val_ids = np.array(tok.encode(corpus.train_text)), np.array(tok.encode(corpus.val_text))
mlp, stats = train_mlp(train_ids, val_ids, tok.vocab_size, context=8, emb=16, hidden=128,
                       steps=200 if FAST else 1000, eval_every=100, progress=False)
folder = Path(tempfile.mkdtemp())
path = folder / "mlp.npz"
header = save_mlp(path, mlp, tok.to_list(), stats["hparams"])
print(path, path.stat().st_size, "bytes")
print({k: v for k, v in header.items() if k != "vocab"})"""),
    ("code", """loaded, header = load_mlp(path, tok.to_list())
print("same val loss:", loaded.loss(val_ids) == mlp.loss(val_ids))
a = generate_text(mlp, tok, "\\ndef ", 80, temperature=0.8, top_k=20, seed=3)
b = generate_text(loaded, tok, "\\ndef ", 80, temperature=0.8, top_k=20, seed=3)
print("same sample:", a == b)
print(a)"""),
    ("md", """## When it goes wrong

A damaged file (a bad disk, an interrupted copy), a file of another model kind, or a model
trained on another vocabulary: each is caught at load time with a clear message."""),
    ("code", """damaged = folder / "damaged.npz"
data = bytearray(path.read_bytes())
data[len(data) // 2: len(data) // 2 + 32] = bytes(32)
damaged.write_bytes(bytes(data))
for attempt in (lambda: load_mlp(damaged),
                lambda: load_mlp(path, tok.to_list() + ["€"]),
                lambda: load_model(path, kind="transformer"),
                lambda: load_mlp(folder / "missing.npz")):
    try:
        attempt()
    except CheckpointError as err:
        print("CheckpointError:", err)"""),
    ("md", """One flipped bit anywhere is caught too: the checksum covers the weights and the header, and
a file whose zip or array headers no longer parse is reported the same way. Flip one bit at 200
places of the file; each damaged copy is refused, or (for a bit no reader uses, such as a zip
timestamp) loads exactly the same weights."""),
    ("code", """data = path.read_bytes()
places = range(0, len(data), max(1, len(data) // 200))
refused = 0
for i in places:
    flipped = bytearray(data)
    flipped[i] ^= 0x10
    damaged.write_bytes(bytes(flipped))
    try:
        same, _ = load_mlp(damaged)
    except CheckpointError:
        refused += 1
        continue
    assert all(np.array_equal(same.params[k], mlp.params[k]) for k in mlp.params)
print(f"{refused} of {len(places)} damaged copies refused, the others load the same weights")"""),
)

LESSONS["06_transformer.ipynb"] = cells(
    ("md", """# Lesson 8: a tiny transformer in PyTorch

The MLP glues a fixed window of characters together. A transformer lets every position **attend**
to every earlier position and decide which ones matter: in code, the matching `(`, the name of the
function, the indentation of the line above.

- **causal multi-head self-attention**: each head compares a query of position t with the keys of
  positions ≤ t, and takes a weighted mix of their values; a mask hides the future;
- **pre-norm blocks**: `x + attn(ln(x))`, then `x + mlp(ln(x))`: residual connections keep
  gradients flowing;
- training: **AdamW**, **warm-up + cosine decay**, **gradient clipping**, **periodic evaluation**,
  **checkpoints** that a run can **resume** from exactly.

PyTorch computes the gradients (autograd); the model is in `transformer.py`, the loop in
`train_transformer.py`."""),
    ("code", SETUP),
    ("code", """import torch
from phase1_tinylm.transformer import GPTConfig, TinyTransformer, TransformerLM, pick_device
if FAST:
    torch.set_num_threads(1)  # the tests share the cores with other processes
print("device:", pick_device())
cfg = GPTConfig(vocab_size=30, block_size=8, n_layer=2, n_head=2, n_embd=16)
model = TinyTransformer(cfg).eval()
print(model)
print(f"{model.num_params():,} parameters")"""),
    ("md", """## Causality, checked

Change the characters from position 5 on: the logits of positions 0-4 must not move."""),
    ("code", """x = torch.randint(0, 30, (1, 8))
y = x.clone(); y[0, 5:] = (y[0, 5:] + 1) % 30
with torch.no_grad():
    a, _ = model(x); b, _ = model(y)
print("past unchanged:", torch.equal(a[0, :5], b[0, :5]), "| future changed:", not torch.equal(a[0, 5:], b[0, 5:]))
att = model.blocks[0].attn.mask[0, 0, :8, :8].int()
print(att)"""),
    ("md", """## Training, with a checkpoint and a resume

We stop a run half-way (as if the machine had crashed), then resume from the checkpoint. Because
the checkpoint holds the weights, AdamW's moments, the step and the random generators, the resumed
run ends exactly where an uninterrupted run ends."""),
    ("code", """import tempfile
from pathlib import Path
from phase1_tinylm.data import load_corpus
from phase1_tinylm.train_transformer import train_transformer, load_transformer
from phase1_tinylm.bigram import BigramModel, bits
corpus = load_corpus(max_bytes=100_000 if FAST else None)
tok = corpus.tokenizer
train_ids, val_ids = np.array(tok.encode(corpus.train_text)), np.array(tok.encode(corpus.val_text))
settings = dict(block_size=32 if FAST else 64, n_layer=2 if FAST else 3, n_embd=48 if FAST else 128,
                n_head=4, batch_size=16 if FAST else 32, max_steps=120 if FAST else 600,
                warmup=10 if FAST else 50, eval_every=40 if FAST else 100, eval_tokens=3000 if FAST else 20000,
                ckpt_every=40, threads=1 if FAST else 0)
folder = Path(tempfile.mkdtemp())
lm_full, full = train_transformer(train_ids, val_ids, tok.to_list(), settings, out=folder / "full.npz")
half = settings["max_steps"] // 2
_, first = train_transformer(train_ids, val_ids, tok.to_list(), settings, out=folder / "run.npz", stop_at=half)
print("interrupted at step", first["steps"])
lm, resumed = train_transformer(train_ids, val_ids, tok.to_list(), settings, out=folder / "run.npz", resume=True)
print("uninterrupted val losses:", [round(v, 4) for v in full["history"]["val_loss"]])
print("resumed val losses:      ", [round(v, 4) for v in resumed["history"]["val_loss"]])
print("identical:", full["history"]["val_loss"] == resumed["history"]["val_loss"])"""),
    ("code", """h = full["history"]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.plot(h["step"], h["train_loss"], label="train"); ax1.plot(h["step"], h["val_loss"], label="validation")
ax1.set_xlabel("step"); ax1.set_ylabel("nats/char"); ax1.legend()
ax2.plot(h["step"], h["lr"]); ax2.set_xlabel("step"); ax2.set_ylabel("learning rate")
plt.show()
bigram = BigramModel.fit(train_ids, tok.vocab_size, 0.5)
print(f"bigram {bits(bigram.loss(val_ids)):.3f} bits/char, transformer {bits(lm.loss(val_ids)):.3f} bits/char "
      f"({full['tokens_per_s']:,.0f} tokens/s on {full['device']})")"""),
    ("md", """## Sampling with temperature and top-k

The same sampler as for the bigram: the transformer offers `next_logits(context)` too."""),
    ("code", """from phase1_tinylm.sampling import generate_text
for t in (0.5, 0.8, 1.2):
    print(f"--- temperature {t}, top-k 20")
    print(generate_text(lm, tok, "\\ndef ", 120 if FAST else 300, temperature=t, top_k=20, seed=0))"""),
    ("md", """With the full settings (run the notebook without `AGENTLAB_FAST`) the transformer ends more
than a bit per character below the bigram and picks up indentation, `self.`, keywords and the
shape of docstrings; the reduced run the tests use is too short for that. The milestone (`make run`) trains all three models at a larger size and writes
the comparison to `runs/phase1/WRITEUP.md`; `make bench` measures tokens/s and eager vs `torch.compile`."""),
)


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, LESSONS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
