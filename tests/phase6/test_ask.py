"""`ask`: retrieved chunks in the prompt, citations that point at the supporting lines, and
"not found" below the calibrated threshold (scripted model; one live test on the embedded one)."""

from __future__ import annotations

import json

import pytest

from phase6_multiagent_rag import ask
from shared.llm import ScriptedBackend
from shared.retrieval.answer import (
    NOT_FOUND,
    THRESHOLD,
    answer_question,
    cite,
    lines_of,
    supports,
)
from shared.retrieval.chunker import Chunk

QUESTIONS = json.loads(ask.HANDBOOK_QUESTIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def handbook():
    return ask.open_docs(ask.HANDBOOK, progress=False)


def source_number(llm: ScriptedBackend, path: str, support: str) -> int:
    """The number the prompt gave the source that holds `support` (the scripted model cites it)."""
    prompt = llm.calls[-1]["messages"][-1]["content"]
    for block in prompt.split("\n\n["):
        number, _, rest = block.lstrip("Sources:\n[").partition("] ")
        if rest.startswith(path) and supports(rest, support):
            return int(number)
    return 0


def test_an_answer_cites_lines_that_hold_the_supporting_text(handbook) -> None:
    item = QUESTIONS["answerable"][0]
    numbers: list[int] = []

    def reply(messages):
        numbers.append(source_number(llm, item["path"], item["support"]))
        return f"Book it at least 48 hours ahead [{numbers[-1]}]."

    llm = ScriptedBackend(reply)
    answer = answer_question(item["question"], handbook, llm)
    assert numbers[0] > 0, "the supporting chunk was among the sources given to the model"
    assert answer.found and len(answer.citations) == 1 and not answer.citations[0].inferred
    citation = answer.citations[0]
    assert citation.path == item["path"]
    assert supports(lines_of(ask.HANDBOOK, citation), item["support"])
    assert llm.calls[0]["options"]["temperature"] == 0.0
    assert "only the numbered sources" in llm.calls[0]["messages"][0]["content"]
    rendered = answer.render()
    assert rendered.startswith("Book it") and f"{citation.path}:{citation.start}-{citation.end}" in rendered


@pytest.mark.parametrize("item", QUESTIONS["answerable"], ids=lambda i: i["question"][:30])
def test_every_answerable_question_gets_its_supporting_lines_as_a_source(handbook, item) -> None:
    llm = ScriptedBackend(["An answer [1]."])
    answer = answer_question(item["question"], handbook, llm)
    assert answer.found and answer.best_cosine >= THRESHOLD
    assert any(c.path == item["path"] and supports(c.text, item["support"]) for c in answer.sources)
    assert len(answer.sources) == 3 and len(set(answer.sources)) == 3


def test_an_unrelated_question_is_not_found_without_asking_the_model(handbook) -> None:
    llm = ScriptedBackend([])
    for question in QUESTIONS["unrelated"][:4]:
        answer = answer_question(question, handbook, llm)
        assert not answer.found and answer.text == NOT_FOUND and answer.best_cosine < THRESHOLD
    assert llm.calls == []
    assert answer.render().lower().startswith(NOT_FOUND)


def test_the_threshold_separates_the_calibration_questions(handbook) -> None:
    figures = ask.handbook_calibration()
    assert figures["separated"]
    assert figures["unrelated_max"] < THRESHOLD < figures["answerable_min"]


def test_the_model_saying_not_found_is_not_found(handbook) -> None:
    answer = answer_question("Where is the first-aid kit?", handbook,
                             ScriptedBackend([f"Sorry, {NOT_FOUND}."]))
    assert not answer.found and answer.citations == []


def test_citations_drop_unknown_numbers_and_infer_one_when_none_is_given() -> None:
    sources = [Chunk("a.md", 1, 3, "text", "a", "The roof deck closes in strong wind."),
               Chunk("b.md", 5, 9, "text", "b", "Eyepieces go back into the grey foam case.")]
    assert [c.number for c in cite("Wind closes it [1][7] [1].", sources)] == [1]
    inferred = cite("Put eyepieces back in the grey case.", sources)
    assert [(c.path, c.start, c.end, c.inferred) for c in inferred] == [("b.md", 5, 9, True)]
    assert cite("anything", []) == []


def test_the_command_line_answers_and_refuses_in_one_sentence(monkeypatch, capsys, tmp_path) -> None:
    import shared.llm

    monkeypatch.setattr(shared.llm, "get_llm", lambda verbose=True: ScriptedBackend(["Two guests [1]."]))
    code = ask.main(["How", "many guests can a member bring?", "--docs", str(ask.HANDBOOK), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["found"] and out["citations"][0]["path"] == "bookings.md"
    assert out["answer"] == "Two guests [1]."

    from shared.cli import UsageError

    with pytest.raises(UsageError, match="not a folder"):
        ask.main(["question", f"--docs={tmp_path / 'none'}"])
    with pytest.raises(UsageError, match="--docs is needed"):
        ask.main(["question"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no .md"):
        ask.main(["question", "--docs", str(tmp_path / "empty")])


@pytest.mark.live
def test_live_ask_cites_the_supporting_lines_on_the_embedded_model(handbook, embedded_llm) -> None:
    item = QUESTIONS["answerable"][0]
    answer = answer_question(item["question"], handbook, embedded_llm)
    assert answer.found, answer.text
    assert any(c.path == item["path"] and supports(lines_of(ask.HANDBOOK, c), item["support"])
               for c in answer.citations), answer.render()
    refused = answer_question("What is the capital of Australia?", handbook, embedded_llm)
    assert not refused.found


def test_agentlab_ask_answers_with_citations_and_exits_1_when_not_found(monkeypatch, capsys,
                                                                        tmp_path) -> None:
    import shared.agentlab_command as command

    monkeypatch.setattr(command, "get_llm", lambda verbose=True: ScriptedBackend(["Two guests [1]."]))
    code = command.main(["ask", "How many guests can a member bring?", "--docs",
                         str(ask.HANDBOOK), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["found"] and out["citations"][0]["path"] == "bookings.md"

    code = command.main(["ask", "What is the capital of Australia?", "--docs", str(ask.HANDBOOK)])
    assert code == 1 and "not found in the documents" in capsys.readouterr().out.lower()

    code = command.main(["ask", "anything", "--docs", str(tmp_path / "none")])
    assert code == 2 and "not a folder" in capsys.readouterr().err
