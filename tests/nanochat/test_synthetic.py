"""Synthetic data: identity through a scripted LLM, programmatic reasoning and tool use, the
JSON-lines files (dedup, resume, repair), the CLI, and the mixture that loads them."""

from __future__ import annotations

import json
import random
import re

import pytest

from nanochat_track.mixture import Mixture, MixtureError
from nanochat_track.synthetic import identity, reasoning, tool_use
from nanochat_track.synthetic.generate import generate, main
from nanochat_track.synthetic.jsonl_store import JsonlStore
from shared.cli import UsageError
from shared.llm import ScriptedBackend


def identity_llm(pico_reply, bad_every: int = 0) -> ScriptedBackend:
    """Answers as Pico; every `bad_every`-th call answers as another model instead."""
    calls = {"n": 0}

    def reply(messages):
        calls["n"] += 1
        if bad_every and calls["n"] % bad_every == 0:
            return "I am Qwen, made by Alibaba Cloud."
        return f"{pico_reply(messages)} ({messages[-1]['content']})"
    return ScriptedBackend(reply)


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_identity_conversations_are_written_by_the_llm_and_checked(tmp_path, pico_reply):
    llm = identity_llm(pico_reply, bad_every=3)
    path = tmp_path / "identity.jsonl"
    figures = generate("identity", 6, path, seed=1, llm=llm, progress=False, log=lambda *a: None)
    records = read(path)
    assert figures["written"] == len(records) == 6 and figures["rejected"] >= 1
    langs = set()
    for rec in records:
        msgs = rec["messages"]
        assert [m["role"] for m in msgs] in (["user", "assistant"], ["user", "assistant"] * 2)
        assert all("Pico" in m["content"] and "Qwen" not in m["content"] for m in msgs if m["role"] == "assistant")
        assert msgs[0]["content"] == rec["spec"]["opening"]
        langs.add(rec["spec"]["lang"])
    # the LLM saw the identity card, the persona and the language by name
    system = llm.calls[0]["messages"][0]["content"]
    assert "Name: Pico" in system and "The user is" in system
    assert any(f"Reply in {name} only" in c["messages"][0]["content"]
               for c in llm.calls for name in identity.LANGUAGE_NAMES.values())
    assert len(langs) > 1


def test_identity_reply_checks():
    card = identity.ModelIdentity(name="Zed")
    assert identity.check_reply("Hello, I am Zed.", card, first=True) is None
    assert identity.check_reply("Hello!", card, first=True) == "does not say the name"
    assert identity.check_reply("Hello!", card, first=False) is None
    assert identity.check_reply("I'm Zed, built on Llama.", card, first=True) == "names another model"
    assert identity.check_reply("", card, first=False) == "empty"
    assert identity.check_reply("Hello, Zed! How can I help?", card, first=True) == "greets the user by the model's name"
    # the roles mixed up: the user called by the model's name, in several languages
    assert identity.check_reply("Oi Zed! Como posso ajudar?", card, first=True) == "greets the user by the model's name"
    assert identity.check_reply("You are Zed, a small model.", card, first=True) == "calls the user by the model's name"
    assert identity.check_reply("Je bent Zed, een klein model.", card, first=True) == "calls the user by the model's name"
    # the reply must be in the user's language (judged by frequent short words)
    assert identity.check_reply("I am Zed.", card, first=True, lang="it") == "not in Italian"
    assert identity.check_reply("Ciao! Sono Zed, un piccolo modello.", card, first=True, lang="it") is None
    assert identity.check_reply("Hallo! Ich bin Zed.", card, first=True, lang="de") is None
    assert identity.check_reply("Zed!", card, first=False, lang="fr") is None  # too short to judge
    # the first reply introduces the model by name, in the first person, in any language
    for intro in ("I'm Zed.", "My name is Zed!", "Je m'appelle Zed.", "Soy Zed.", "Ich heiße Zed.",
                  "Ciao! Sono Zed, un modello.", "O meu nome é Zed.", "Eu sou o Zed.", "Ik ben Zed."):
        assert identity.check_reply(intro, card, first=True) is None, intro
    for wrong in ("J'ai créé Zed, un modèle.", "Ecco un modello conosciuto come \"Zed\".", "Zed is here."):
        assert identity.check_reply(wrong, card, first=True) == "does not introduce itself by name", wrong
    assert identity.check_reply("Ciao! Ciao Zed! Buon giorno.", card, first=True) == "greets the user by the model's name"
    assert identity.reply_language("Bonjour ! Je suis Zed, un petit modèle.")[0] == "fr"
    assert identity.clean_reply('Zed: "Hi there"', "Zed") == "Hi there"
    assert identity.clean_reply("I am Zed. I like cats. And I also", "Zed", truncated=True) == "I am Zed. I like cats."
    assert identity.clean_reply("I am Zed and I", "Zed", truncated=True) == ""


def test_a_reply_cut_at_max_tokens_keeps_its_finished_sentences():
    from shared.llm import ChatResult

    llm = ScriptedBackend(lambda m: ChatResult(content="I'm Pico. I count letters. And also", finish_reason="length"))
    spec = {"lang": "en", "persona": "a retired engineer", "opening": "Who are you?", "follow_up": None}
    made = identity.conversation(spec, llm, identity.ModelIdentity())
    assert made["messages"][1]["content"] == "I'm Pico. I count letters."


def test_identity_card_from_json(tmp_path):
    (tmp_path / "me.json").write_text(json.dumps({"name": "Orbit", "year": 2030}))
    card = identity.ModelIdentity.load(tmp_path / "me.json")
    assert card.name == "Orbit" and card.year == 2030 and card.limitations
    (tmp_path / "bad.json").write_text(json.dumps({"nom": "x"}))
    with pytest.raises(Exception, match="fields"):
        identity.ModelIdentity.load(tmp_path / "bad.json")


def test_identity_gives_up_on_a_backend_that_never_says_the_name(tmp_path):
    llm = ScriptedBackend(lambda m: "Hello there!")
    figures = generate("identity", 2, tmp_path / "i.jsonl", llm=llm, progress=False, log=lambda *a: None)
    assert figures["written"] == 0 and figures["rejected"] > 0 and figures["skipped"] > 0
    assert figures["reasons"] == {"does not say the name": figures["rejected"]}
    assert (tmp_path / "i.jsonl").read_text() == ""
    refused = read(tmp_path / "i.refused.jsonl")  # what was refused, and why, to read
    assert len(refused) == figures["rejected"]
    assert refused[0]["reply"] == "Hello there!" and refused[0]["reason"] == "does not say the name"


def check_reasoning_answer(rec: dict) -> None:
    """Recompute the answer from the spec, independently of the generator's code."""
    spec = rec["spec"]
    word = spec["word"]
    expected = {"count_letter": lambda: str(word.count(spec.get("letter") or "")),
                "count_vowels": lambda: str(sum(c in "aeiou" for c in word)),
                "letter_at": lambda: word[spec["k"] - 1] if "k" in spec else None,
                "reverse": lambda: word[::-1],
                "longer": lambda: ("same" if len(word) == len(spec["other"]) else
                                   max(word, spec["other"], key=len))}[spec["task"]]()
    assert rec["answer"] == expected
    final = rec["messages"][1]["content"][-1]["text"]
    assert expected in final or spec["task"] == "longer" and expected == "same"


def test_reasoning_is_correct_and_varied(tmp_path):
    path = tmp_path / "reasoning.jsonl"
    generate("reasoning", 120, path, seed=3, progress=False)
    records = read(path)
    assert len(records) == 120 and len({r["id"] for r in records}) == 120
    for rec in records:
        check_reasoning_answer(rec)
        steps = rec["messages"][1]["content"][0]
        assert steps["channel"] == "analysis" and "-".join(rec["spec"]["word"]) in steps["text"]
        assert not reasoning.is_held_out(rec["spec"]["word"])
    assert {r["spec"]["task"] for r in records} == set(reasoning.TASKS)
    assert {r["spec"]["lang"] for r in records} == set(reasoning.LANGUAGES)
    assert {r["spec"]["level"] for r in records} == {"easy", "medium", "hard"}
    assert len({r["messages"][0]["content"].split('"')[0] for r in records}) > 15  # many phrasings
    words = reasoning.corpus_words()
    assert len(words) > 500 and any(reasoning.is_held_out(w) for w in words)


def test_count_letter_steps_spell_number_and_count():
    spec = {"task": "count_letter", "lang": "en", "level": "hard", "word": "strawberry", "template": 0, "letter": "r"}
    made = reasoning.conversation(spec)
    steps = made["messages"][1]["content"][0]["text"]
    assert "s-t-r-a-w-b-e-r-r-y" in steps and "3 r" in steps and "position 3, 8, 9" in steps
    assert "Counting them: 1, 2, 3." in steps and made["answer"] == "3"
    none = reasoning.conversation({**spec, "letter": "z"})
    assert none["answer"] == "0" and "does not appear" in none["messages"][1]["content"][0]["text"]


def test_tool_use_calls_the_calculator(tmp_path):
    path = tmp_path / "tool_use.jsonl"
    generate("tool_use", 80, path, seed=5, progress=False)
    records = read(path)
    assert len(records) == 80
    for rec in records:
        parts = rec["messages"][1]["content"]
        assert [p["type"] for p in parts] == ["text", "python", "python_output", "text"]
        assert re.fullmatch(r"[\d+\-*/%() .]+", parts[1]["text"])
        value = eval(parts[1]["text"], {"__builtins__": {}})  # the test's own check of the result
        assert float(parts[2]["text"]) == pytest.approx(value, rel=1e-6)
        assert parts[2]["text"] in parts[3]["text"] and rec["answer"] == parts[2]["text"]
    assert len({r["spec"]["kind"] for r in records}) >= 6
    assert len({r["spec"]["lang"] for r in records}) == 4
    # one calculator: the data's results are the engine's tool output, to the character
    from nanochat_track import calculator

    assert tool_use.calculate is calculator.calculate
    assert all(calculator.tool_output(r["messages"][1]["content"][1]["text"]) == r["answer"] for r in records)


def test_resume_appends_only_what_is_missing_and_repairs_a_cut_line(tmp_path):
    path = tmp_path / "r.jsonl"
    generate("reasoning", 10, path, seed=0, progress=False)
    first = path.read_text()
    again = generate("reasoning", 10, path, seed=0, progress=False)
    assert again["written"] == 0 and again["already"] == 10 and path.read_text() == first
    with open(path, "a") as handle:  # a crash in the middle of writing the 11th line
        handle.write('{"id": "half a reco')
    logs = []
    more = generate("reasoning", 15, path, seed=0, progress=False, log=logs.append)
    assert more["written"] == 5 and any("unfinished" in m for m in logs)
    records = read(path)  # every line parses: the cut line is gone
    assert len(records) == 15 and len({r["id"] for r in records}) == 15
    assert path.read_text().startswith(first)
    store = JsonlStore(path)
    assert store.count == 15 and not store.repaired


def test_cli(tmp_path, capsys):
    main(["--type=all", "--count=4", f"--out={tmp_path}", "--backend=scripted", "--progress=0",
          "--languages=en"])
    out = capsys.readouterr().out
    assert "conversations/min" in out
    for kind in ("reasoning", "tool_use"):
        assert len(read(tmp_path / f"{kind}.jsonl")) == 4
    # the scripted backend never says the name: identity conversations are all rejected
    assert "identity: 0" in out
    main(["--type=reasoning", "--count=3", f"--out={tmp_path / 'one.jsonl'}", "--progress=0"])
    assert len(read(tmp_path / "one.jsonl")) == 3
    with pytest.raises(UsageError, match="did you mean --count"):
        main(["--cuont=3"])
    with pytest.raises(UsageError, match="--type"):
        main(["--type=poetry"])
    with pytest.raises(UsageError, match="no templates"):
        main(["--type=reasoning", "--languages=xx", f"--out={tmp_path}"])


def test_mixture_weights_shuffle_and_split(tmp_path):
    generate("reasoning", 40, tmp_path / "reasoning.jsonl", progress=False)
    generate("tool_use", 20, tmp_path / "tool_use.jsonl", progress=False)
    # a bare list of messages per line is read too
    (tmp_path / "extra.jsonl").write_text(json.dumps([{"role": "user", "content": "hi"},
                                                       {"role": "assistant", "content": "hello"}]) + "\n")
    mix = Mixture.from_spec(f"reasoning:2,tool_use:0.5,{tmp_path / 'extra.jsonl'}", tmp_path, seed=1, val_percent=0)
    train, val = mix.split()
    assert val == [] and len(train) == 40 * 2 + 10 + 1
    again, _ = Mixture.from_spec(f"reasoning:2,tool_use:0.5,{tmp_path / 'extra.jsonl'}", tmp_path, seed=1,
                                 val_percent=0).split()
    assert again == train
    other, _ = Mixture.from_spec("reasoning:2,tool_use:0.5", tmp_path, seed=2, val_percent=0).split()
    assert other != train[:len(other)]
    train, val = Mixture.from_spec("reasoning:1", tmp_path, val_percent=30).split()
    assert len(train) + len(val) == 40 and val and not any(v in train for v in val)
    with pytest.raises(MixtureError, match="generate them first"):
        Mixture.from_spec("nothing:1", tmp_path).split()
    with pytest.raises(MixtureError, match="SOURCE:EPOCHS"):
        Mixture.from_spec("reasoning:lots", tmp_path)


def test_spec_draws_are_reproducible():
    a = [reasoning.make_spec(random.Random(f"0:r:{i}")) for i in range(5)]
    b = [reasoning.make_spec(random.Random(f"0:r:{i}")) for i in range(5)]
    assert a == b


def test_the_pipeline_stage_fills_the_runs_synthetic_folder(tmp_path, tiny, pico_reply):
    from nanochat_track.synthetic.generate import generate_for_run

    cfg = tiny[1](tmp_path / "run", reasoning_count=7, tool_use_count=5, identity_count=2)
    figures = generate_for_run(cfg, identity_llm(pico_reply), progress=False, log=lambda *a: None)
    assert {k: f["total"] for k, f in figures.items() if k != "llm"} == {"reasoning": 7, "tool_use": 5, "identity": 2}
    assert figures["llm"].startswith("scripted")
    assert all(len(read(tmp_path / "run" / "synthetic" / f"{k}.jsonl")) == n
               for k, n in (("reasoning", 7), ("tool_use", 5), ("identity", 2)))
