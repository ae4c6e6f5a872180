"""Live tests with the embedded model (`pytest -m live tests/phase4`): our count of a request is
the prompt_tokens llama.cpp reports, and the prefix cache re-uses what we say it does."""

from __future__ import annotations

import pytest

from shared.context.context_agent import ContextAgent
from shared.context.token_count import LlamaCounter, PromptCache
from shared.tools.file_tools import build_registry

pytestmark = pytest.mark.live
LIVE_TIMEOUT_S = 900  # a busy 2-core machine takes minutes for a cold 2,000-token prompt


def test_the_count_of_each_request_equals_what_llama_cpp_reports(embedded_llm, tmp_path) -> None:
    """The phase 4 agent's first request (system, examples, task), then the same conversation
    grown by a turn, with and without a JSON schema and native tools."""
    registry = build_registry(tmp_path)
    agent = ContextAgent(embedded_llm, registry, workspace=tmp_path)
    messages = agent.initial_messages("List the files.")
    counter = LlamaCounter(embedded_llm)
    grown = messages + [{"role": "assistant", "content": '{"think": "look", "name": "list_files", '
                                                         '"arguments": {"path": "."}}'},
                        {"role": "user", "content": "Observation (ok):\nnotes.txt (12 bytes)"}]
    for conversation, request in [(messages, agent.fmt.request(registry)), (grown, {}),
                                  (grown[-3:], {"tools": registry.schemas()})]:
        reply = embedded_llm.chat(conversation, **request, max_tokens=8, temperature=0,
                                  timeout=LIVE_TIMEOUT_S)
        assert counter.count(conversation, **request) == reply.usage.prompt_tokens


def test_the_prefix_cache_rule_matches_llama_cpp(embedded_llm) -> None:
    """llama.cpp's own counter of prompt tokens evaluated agrees with PromptCache's prediction:
    all of a cold prompt, only the new turn of an appended one."""
    from llama_cpp import llama_cpp

    llama = embedded_llm.load()
    counter, cache = LlamaCounter(embedded_llm), PromptCache()

    def prompt_tokens_evaluated() -> int:
        return llama_cpp.llama_perf_context(llama._ctx.ctx).n_p_eval

    conversation = [{"role": "system", "content": "You answer in one word."},
                    {"role": "user", "content": "Name a colour, in one word: " + "red? " * 40}]
    llama.reset()  # a cold cache, whatever an earlier test left in it
    for turn in range(3):
        tokens = counter.tokens(conversation)
        predicted = cache.evaluated(tokens, counter.cached())
        before = prompt_tokens_evaluated()
        reply = embedded_llm.chat(conversation, max_tokens=3, temperature=0, timeout=LIVE_TIMEOUT_S)
        measured = prompt_tokens_evaluated() - before
        if turn == 0:
            assert predicted == len(tokens)
            # Measured: llama.cpp counts one token fewer on the first decode after a reset.
            assert predicted - 1 <= measured <= predicted
        else:
            assert measured == predicted < len(tokens) // 2, turn  # most came from the cache
        conversation += [{"role": "assistant", "content": reply.content},
                         {"role": "user", "content": f"And another one, number {turn + 2}?"}]
