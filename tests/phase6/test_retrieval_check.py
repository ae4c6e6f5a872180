"""The retrieval check lines pass on right answers and fail on wrong ones (scripted model; the
search lines need the whole labelled corpus indexed, minutes, so they run in `make check` only)."""

from __future__ import annotations

from phase6_multiagent_rag.retrieval_check import ask_lines
from shared.llm import ScriptedBackend
from shared.retrieval.answer import NOT_FOUND


def test_ask_lines_pass_when_the_answers_cite_the_supporting_source() -> None:
    lines = ask_lines(ScriptedBackend(lambda messages: "It says so [1]."), progress=False)
    assert [line.name for line in lines] == ["ask cites the supporting lines",
                                             "ask says not found on an unrelated question"]
    assert all(line.passed for line in lines), [line.detail for line in lines]
    assert "3 of 3" in lines[0].detail


def test_ask_lines_fail_on_a_wrong_citation_or_a_refusal() -> None:
    wrong = ask_lines(ScriptedBackend(lambda messages: "It says so [3]."), progress=False)
    assert not wrong[0].passed and wrong[1].passed
    refusing = ask_lines(ScriptedBackend(lambda messages: NOT_FOUND), progress=False)
    assert not refusing[0].passed and "0 of" in refusing[0].detail
