"""Token counting: the estimates, the calibrated counter, the choice per backend, and llama.cpp's
prefix-cache rule that says how many tokens a request really costs."""

from __future__ import annotations

import socket

import pytest

from shared.context.token_count import (
    PromptCache,
    ReportedCounter,
    TiktokenCounter,
    WordCounter,
    common_prefix,
    counter_for,
    estimate_tokens,
    words_per_token_rule,
)
from shared.llm import ScriptedBackend

MESSAGES = [{"role": "system", "content": "You are terse."},
            {"role": "user", "content": "def get_user(user_id): return db[user_id]"}]


def test_the_estimates() -> None:
    assert estimate_tokens("def get_user(user_id):") == 6  # def get_user ( user_id ) :
    assert words_per_token_rule("one two three") == 4
    assert estimate_tokens("") == 0


def test_the_word_counter_adds_the_template_per_message() -> None:
    counter = WordCounter()
    body = estimate_tokens("You are terse.") + estimate_tokens(MESSAGES[1]["content"])
    assert counter.count(MESSAGES) == body + 4 * len(MESSAGES) + 3  # + the generation prompt
    with_tools = counter.count(MESSAGES, tools=[{"type": "function", "function": {"name": "f"}}])
    assert with_tools > counter.count(MESSAGES)
    assert counter.count(MESSAGES, response_format={"type": "json_object"}) == counter.count(MESSAGES)


def test_a_longer_conversation_shares_its_prefix_in_tokens() -> None:
    counter = WordCounter()
    short, longer = counter.tokens(MESSAGES[:1]), counter.tokens(MESSAGES)
    assert common_prefix(short, longer) == len(short) - 3  # all but the generation prompt


def test_tiktoken_works_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("tiktoken tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    counter = TiktokenCounter()
    assert counter.count_text("def get_user(user_id):") == 6
    assert counter.count(MESSAGES) > counter.count(MESSAGES[:1])


def test_the_reported_counter_calibrates_on_what_the_server_said() -> None:
    counter = ReportedCounter(WordCounter())
    first = counter.count(MESSAGES)
    counter.observe(first, first * 2)  # the server counted twice as many
    assert counter.count(MESSAGES) == first * 2
    assert counter.count_text("a b c") == 6


def test_each_backend_gets_its_counter() -> None:
    assert counter_for(ScriptedBackend(["x"])).name == "words"

    class Server(ScriptedBackend):
        name = "ollama"

    assert isinstance(counter_for(Server(["x"])), ReportedCounter)

    class Embedded(ScriptedBackend):
        def tokenize_prompt(self, messages, tools=None):
            return [1, 2, 3]

    counter = counter_for(Embedded(["x"]))
    assert counter.exact and counter.count(MESSAGES) == 3

    class NoTemplate(ScriptedBackend):
        def tokenize_prompt(self, messages, tools=None):
            raise NotImplementedError("no prompt counting for chat format 'llama-2'")

    assert isinstance(counter_for(NoTemplate(["x"])), ReportedCounter)


def test_the_prompt_cache_reuses_the_common_prefix() -> None:
    cache = PromptCache()
    assert cache.evaluated([1, 2, 3, 4]) == 4            # cold: everything is computed
    assert cache.evaluated([1, 2, 3, 4, 5, 6]) == 2      # appended: only the new tokens
    assert cache.evaluated([1, 2, 9, 9, 9, 9]) == 4      # changed after the second token
    assert cache.evaluated([1, 2, 9, 9, 9, 9]) == 1      # identical: the last token is replayed
    assert cache.evaluated([7, 1, 2], cached=[1, 2]) == 3  # what the model really holds wins
