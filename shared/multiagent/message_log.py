"""The messages between the agents of a team, one JSON object per line, written as they are sent.

    log = MessageLog(Path("runs/x.messages.jsonl"))
    log.send("orchestrator", "coder", "subtask", "Write words.py with count_words", tokens=0)
    messages = read_messages(log.path)        # [{"from", "to", "type", "content", "time", ...}]

Each line: {"from", "to", "type", "content", "time" (seconds since the log was opened),
"at" (ISO wall-clock time), "tokens" (the model tokens, prompt + completion, the sender spent
to produce the message; 0 for the orchestrator, which is plain code), ...extra fields}.
Every line is flushed and fsync'ed before `send` returns, so a crash or a kill (the benchmark
kills a run at its time limit) loses nothing already sent, and the file can be read while the
team works. A notebook replays it as a timeline (timeline.py).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

FIELDS = ("from", "to", "type", "content", "time", "tokens")  # every message has these


def message_log_path(trajectory: Path) -> Path:
    """Where the messages of a run go: beside its trajectory, `<stem>.messages.jsonl`."""
    trajectory = Path(trajectory)
    return trajectory.with_name(trajectory.stem + ".messages.jsonl")


class MessageLog:
    """An append-only JSON-lines log of the messages between agents."""

    def __init__(self, path: Path, echo: Any = None) -> None:
        """echo: called with each message as it is sent (live progress), or None."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.start = time.perf_counter()
        self.echo = echo
        self.messages: list[dict[str, Any]] = []

    def send(self, sender: str, receiver: str, kind: str, content: str, tokens: int = 0,
             **extra: Any) -> dict[str, Any]:
        """Log one message (appended, flushed, fsync'ed) and return it."""
        message = {"from": sender, "to": receiver, "type": kind, "content": content,
                   "time": round(time.perf_counter() - self.start, 3),
                   "at": datetime.now().isoformat(timespec="seconds"), "tokens": int(tokens),
                   **extra}
        line = json.dumps(message, ensure_ascii=False, default=str) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.messages.append(message)
        if self.echo is not None:
            self.echo(message)
        return message


def read_messages(path: Path) -> list[dict[str, Any]]:
    """The messages of a log; a torn last line (a run killed mid-write) or a foreign line is
    skipped."""
    messages = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict) and all(f in message for f in FIELDS):
            messages.append(message)
    return messages


def describe_message(message: dict[str, Any], width: int = 100) -> str:
    """One line for a terminal: `  12.3 s  coder -> reviewer  review_request  (345 tok)  text`."""
    first = str(message["content"]).strip().split("\n")[0]
    first = first if len(first) <= width else first[: width - 3] + "..."
    return (f"{message['time']:7.1f} s  {message['from']} -> {message['to']}  {message['type']}"
            f"  ({message['tokens']} tok)  {first}")
