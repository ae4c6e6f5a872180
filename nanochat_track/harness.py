"""The agent harness: the trained model behind the project's shared LLM interface.

The web chat server (web_chat.py) speaks OpenAI's /v1/chat/completions, so the model is used
through shared.llm's own OpenAIBackend: `shared` never imports this track, and every phase
agent runs on it with the usual settings:

    .venv/bin/python -m nanochat_track.web_chat --port=8000        # in one terminal
    AGENTLAB_BACKEND=openai OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_MODEL=nanochat \\
        .venv/bin/python -m phase3_tools.run ...                   # any phase, in another

(A model this small follows no agent's action format: expect the agents to fail politely.)

`solve` is the minimal loop that uses the model's own tool tokens: the server's engine runs
each calculator call (<|python_start|>...<|python_end|>) and its reply shows it as
"[python] 17*23 -> 391"; the loop reads those calls, and when one failed ("-> error: ...")
sends the error back and asks again, up to `max_turns` replies.

    .venv/bin/python -m nanochat_track.harness --question="What is 17 times 23?"
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.cli import parse_overrides, run_main
from shared.llm import ChatBackend
from shared.llm.openai_backend import OpenAIBackend

from .web_chat import BackgroundServer, ChatModel, create_app

TOOL_LINE = re.compile(r"^\[python\] (?P<expression>.*?) -> (?P<output>.*)$", re.MULTILINE)


def nanochat_backend(base_url: str, model: str = "nanochat", timeout_s: float = 120.0) -> ChatBackend:
    """shared.llm's OpenAI-compatible backend pointed at a nanochat server (URL without /v1)."""
    return OpenAIBackend(base_url=f"{base_url.rstrip('/')}/v1", model=model, timeout_s=timeout_s,
                         max_retries=0)


@contextmanager
def serve(chat: ChatModel) -> Iterator[ChatBackend]:
    """Serve `chat` on a free local port for the duration of the block; yields its backend."""
    with BackgroundServer(create_app(chat)) as server:
        yield nanochat_backend(server.url, chat.name)


def tool_calls(reply: str) -> list[dict]:
    """The calculator calls a reply shows: [{"expression", "output", "ok"}]."""
    return [{"expression": m["expression"], "output": m["output"], "ok": not m["output"].startswith("error:")}
            for m in TOOL_LINE.finditer(reply)]


def final_answer(reply: str) -> str:
    """The reply without its tool lines."""
    return TOOL_LINE.sub("", reply).strip()


def solve(llm: ChatBackend, question: str, max_turns: int = 3, max_tokens: int = 96,
          temperature: float = 0.0) -> dict:
    """Ask `question`; while the model's calculator call failed, tell it and ask again.

    Returns {"answer", "tool_calls" (all turns), "turns", "transcript"}."""
    messages = [{"role": "user", "content": question}]
    calls: list[dict] = []
    for turn in range(1, max_turns + 1):
        reply = llm.chat(messages, max_tokens=max_tokens, temperature=temperature).content
        messages.append({"role": "assistant", "content": reply})
        these = tool_calls(reply)
        calls += these
        failed = [c for c in these if not c["ok"]]
        if not failed or turn == max_turns:
            break
        messages.append({"role": "user", "content": f"The calculator answered {failed[-1]['output']!r} "
                                                    "for your expression. Fix it and try again."})
    return {"answer": final_answer(messages[-1]["content"]), "tool_calls": calls, "turns": turn,
            "transcript": messages}


OPTIONS = {"checkpoint": "",  # "": the newest run's best chat checkpoint
           "question": "What is 17 times 23?", "max_turns": 3}


def main(argv: list[str] | None = None) -> int:
    from .chat_cli import chat_checkpoint

    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    checkpoint = Path(chat_checkpoint(args["checkpoint"]))
    with serve(ChatModel.from_checkpoint(checkpoint)) as llm:
        print(f"{llm.describe()} serving {checkpoint}", file=sys.stderr)
        result = solve(llm, args["question"], args["max_turns"])
    for call in result["tool_calls"]:
        print(f"tool: {call['expression']} -> {call['output']}")
    print(f"answer ({result['turns']} turn(s)): {result['answer']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
