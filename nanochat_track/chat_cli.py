"""Talk to a trained checkpoint in the terminal.

    .venv/bin/python -m nanochat_track.chat_cli                        # the newest checkpoint
    .venv/bin/python -m nanochat_track.chat_cli --checkpoint=runs/nanochat/cpu-tiny/checkpoints/model.pt
    .venv/bin/python -m nanochat_track.chat_cli --prompt="What is 17*23?"  # one turn, then exit
    .venv/bin/python -m nanochat_track.chat_cli --show_analysis=1      # show the hidden reasoning

Without --checkpoint it takes the newest run under runs/nanochat (the one `make run` or
`make check` wrote last) and, in it, the most trained chat checkpoint: rl.pt, else sft.pt,
else mid.pt, else model.pt; it says which. Replies are streamed as they are generated, with
tool use: when the model calls the calculator (<|python_start|>17*23<|python_end|>) the engine
computes it and writes the result back, shown as "[python] 17*23 -> 391". A base model
(model.pt: pretrained only, no mid-training or SFT) has never seen a conversation, so its
replies are continuations of code-like text, not answers. Type `clear` to start over, `quit`
(or Ctrl-D) to leave.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from shared.cli import parse_overrides, run_main

from .checkpoint import pick_checkpoint
from .engine import stream_reply
from .finetune import checkpoint_tokenizer
from .pretrain import load_model

OPTIONS = {
    "checkpoint": "",  # "": the newest <run>/checkpoints/model.pt under runs/nanochat
    "prompt": "",  # ask one question and exit
    "show_analysis": False,  # with a channels model: show the analysis (hidden reasoning)
    "temperature": 0.7, "top_k": 50, "max_tokens": 128, "seed": 0,
}
BASE_MODEL_NOTE = ("This is a base model: pretrained only, not tuned for chat (no SFT yet), so expect "
                   "continuations of code-like text, not answers.")
CHAT_CHECKPOINTS = ("rl.pt", "sft.pt", "mid.pt", "model.pt")  # most trained first


def chat_checkpoint(given: str | Path = "") -> Path:
    """`given`, or the most trained checkpoint of the newest run under runs/nanochat."""
    if given:
        return Path(given)
    folder = pick_checkpoint("").parent
    return next(folder / name for name in CHAT_CHECKPOINTS if (folder / name).exists())


def main(argv: list[str] | None = None) -> int:
    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    checkpoint = chat_checkpoint(args["checkpoint"])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, data = load_model(checkpoint, device)
    tokenizer = checkpoint_tokenizer(checkpoint, data)
    channels = bool(data.get("config", {}).get("channels", False))
    run = data.get("config", {}).get("name", "?")
    print(f"checkpoint: {checkpoint} (run {run}, step {data.get('step', '?')}"
          + (", channels)" if channels else ")"), file=sys.stderr)
    if checkpoint.name == "model.pt":
        print(BASE_MODEL_NOTE, file=sys.stderr)
    messages: list[dict] = []

    def turn(text: str) -> str:
        """Stream the reply to stdout; returns it."""
        messages.append({"role": "user", "content": text})
        pieces: list[str] = []
        try:
            for piece in stream_reply(model, tokenizer, messages, args["max_tokens"], args["temperature"],
                                      args["top_k"], args["seed"] + len(messages), channels,
                                      args["show_analysis"]):
                pieces.append(piece)
                print(piece, end="", flush=True)
        except ValueError as err:  # the conversation outgrew the context
            messages.clear()
            pieces.append(f"[{err}]")
            print(pieces[-1], end="")
        print()
        reply = "".join(pieces)
        messages.append({"role": "assistant", "content": reply})
        return reply

    if args["prompt"]:
        turn(args["prompt"])
        return 0
    print("nanochat: type a message (`clear` starts over, `quit` leaves).")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if text in ("quit", "exit"):
            break
        if text == "clear":
            messages.clear()
            continue
        if text:
            print("model> ", end="")
            turn(text)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
