"""Talk to a trained checkpoint in the terminal.

    .venv/bin/python -m nanochat_track.chat_cli                        # the newest checkpoint
    .venv/bin/python -m nanochat_track.chat_cli --checkpoint=runs/nanochat/cpu-tiny/checkpoints/model.pt
    .venv/bin/python -m nanochat_track.chat_cli --prompt="hello"       # one turn, then exit

Without --checkpoint it loads the newest <run>/checkpoints/model.pt under runs/nanochat (the
one `make run` or `make check` wrote last) and says which. The model of part 1 is a base model:
pretrained only, with no mid-training or SFT, it has never seen a conversation, so its replies
are continuations of code-like text, not answers; the chat format (<|user_start|> ...
<|assistant_start|>) is what part 2 teaches it. Type `clear` to start over, `quit` (or Ctrl-D)
to leave.
"""

from __future__ import annotations

import sys

import torch

from shared.cli import parse_overrides, run_main

from .checkpoint import pick_checkpoint
from .engine import chat_reply
from .pretrain import load_model
from .tokenizer import Tokenizer

OPTIONS = {
    "checkpoint": "",  # "": the newest <run>/checkpoints/model.pt under runs/nanochat
    "tokenizer": "",  # "": the run's tokenizer folder, beside checkpoints/
    "prompt": "",  # ask one question and exit
    "temperature": 0.7, "top_k": 50, "max_tokens": 128, "seed": 0,
}
BASE_MODEL_NOTE = ("This is a base model: pretrained only, not tuned for chat (no SFT yet), so expect "
                   "continuations of code-like text, not answers.")


def main(argv: list[str] | None = None) -> int:
    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    checkpoint = pick_checkpoint(args["checkpoint"])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, data = load_model(checkpoint, device)
    tokenizer = Tokenizer.load(args["tokenizer"] or checkpoint.parents[1] / "tokenizer")
    run = data.get("config", {}).get("name", "?")
    print(f"checkpoint: {checkpoint} (run {run}, step {data.get('step', '?')})", file=sys.stderr)
    print(BASE_MODEL_NOTE, file=sys.stderr)
    messages: list[dict] = []

    def turn(text: str) -> str:
        messages.append({"role": "user", "content": text})
        try:
            reply = chat_reply(model, tokenizer, messages, args["max_tokens"], args["temperature"],
                               args["top_k"], args["seed"] + len(messages))
        except ValueError as err:  # the conversation outgrew the context
            messages.clear()
            return f"[{err}]"
        messages.append({"role": "assistant", "content": reply})
        return reply

    if args["prompt"]:
        print(turn(args["prompt"]))
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
            print("model>", turn(text))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
