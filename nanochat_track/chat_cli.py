"""Talk to a trained checkpoint in the terminal.

    python -m nanochat_track.chat_cli --checkpoint=runs/nanochat/cpu-tiny/checkpoints/model.pt
    python -m nanochat_track.chat_cli --checkpoint=... --prompt="hello"     # one turn, then exit

A base model has never seen a conversation, so its replies are continuations of code-like
text; the chat format (<|user_start|> ... <|assistant_start|>) is what mid-training and SFT
(part 2) teach it. Type `clear` to start over, `quit` (or Ctrl-D) to leave.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .engine import chat_reply
from .pretrain import load_model
from .tokenizer import Tokenizer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="path to checkpoints/model.pt")
    parser.add_argument("--tokenizer", default="", help="tokenizer folder (default: beside the run)")
    parser.add_argument("--prompt", default="", help="ask one question and exit")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--top_k", type=int, default=50)
    parser.add_argument("--max_tokens", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, _ = load_model(args.checkpoint, device)
    tokenizer = Tokenizer.load(args.tokenizer or Path(args.checkpoint).parents[1] / "tokenizer")
    messages: list[dict] = []

    def turn(text: str) -> str:
        messages.append({"role": "user", "content": text})
        try:
            reply = chat_reply(model, tokenizer, messages, args.max_tokens, args.temperature,
                               args.top_k, args.seed + len(messages))
        except ValueError as err:  # the conversation outgrew the context
            messages.clear()
            return f"[{err}]"
        messages.append({"role": "assistant", "content": reply})
        return reply

    if args.prompt:
        print(turn(args.prompt))
        return
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


if __name__ == "__main__":
    main()
