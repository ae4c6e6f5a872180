"""The agent harness: shared.llm's OpenAI backend talks to the nanochat server, and the
minimal loop reads the model's tool calls and retries a failed one."""

from __future__ import annotations

import torch

from nanochat_track.gpt import GPTConfig
from nanochat_track.harness import final_answer, serve, solve, tool_calls
from nanochat_track.tokenizer import SPLIT_PATTERN, Tokenizer
from nanochat_track.web_chat import ChatModel
from shared.llm import ScriptedBackend


class TwoReplies:
    """Stands in for a GPT: its first reply calls the calculator wrongly, the next ones right."""

    def __init__(self, tok: Tokenizer):
        ps, pe, end = (tok.special_id(t) for t in ("<|python_start|>", "<|python_end|>", "<|assistant_end|>"))
        bad = [ps, *tok.encode("x*23"), pe] + [0] * 60 + [end]
        good = [ps, *tok.encode("17*23"), pe] + [0] * 5 + tok.encode("It is 391.") + [end]
        self.replies, self.reply, self.pos = [bad, good], -1, 0
        self.config = GPTConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_kv_head=1, n_embd=4)
        self.lm_head = torch.nn.Linear(4, tok.vocab_size, bias=False)
        self.rotary_len = 10_000
        self.tok = tok

    def eval(self):
        return self

    def __call__(self, ids, kv_cache=None):
        if ids.size(1) > 1:  # prefill: the next reply
            self.reply, self.pos = min(self.reply + 1, 1), 0
        kv_cache.advance(ids.size(1))
        script = self.replies[self.reply]
        if self.reply == 0 and int(ids[0, -1]) == self.tok.special_id("<|output_end|>"):
            self.pos = len(script) - 1  # after the error output: end the reply
        logits = torch.full((ids.size(0), ids.size(1), self.config.vocab_size), -1e9)
        logits[:, -1, script[min(self.pos, len(script) - 1)]] = 0.0
        self.pos += 1
        return logits


def test_shared_openai_backend_talks_to_the_server_and_the_loop_retries():
    tok = Tokenizer.from_ranks({bytes([i]): i for i in range(256)}, SPLIT_PATTERN)
    with serve(ChatModel(TwoReplies(tok), tok)) as llm:
        assert llm.describe().startswith("openai (nanochat at http://127.0.0.1:")
        result = solve(llm, "What is 17 times 23?", max_turns=3)
    assert result["turns"] == 2
    assert [c["ok"] for c in result["tool_calls"]] == [False, True]
    assert result["tool_calls"][0]["output"].startswith("error: names are not allowed")
    assert result["tool_calls"][1] == {"expression": "17*23", "output": "391", "ok": True}
    assert result["answer"] == "It is 391."
    assert "Fix it" in result["transcript"][2]["content"]


def test_the_loop_works_on_any_shared_backend():
    llm = ScriptedBackend(["[python] 2+2 -> 4\nFour."])
    result = solve(llm, "2+2?")
    assert result == {"answer": "Four.", "tool_calls": [{"expression": "2+2", "output": "4", "ok": True}],
                      "turns": 1, "transcript": result["transcript"]}
    assert tool_calls("no tools here") == [] and final_answer("[python] 1 -> 1\nok") == "ok"
