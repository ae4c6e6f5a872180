"""shared.cli: one override parser for every command line, and plain errors instead of tracebacks."""

from __future__ import annotations

import pytest

from shared.cli import UsageError, parse_overrides, run_main
from shared.errors import AgentlabError

DEFAULTS = {"max_steps": 10, "lr": 3e-4, "resume": False, "out": "runs/x", "name": None}


def test_values_take_the_type_of_their_default() -> None:
    got = parse_overrides(["--max_steps=20", "--lr", "0.01", "--resume", "--out=a=b", "--name=n"],
                          DEFAULTS)
    assert got == {"max_steps": 20, "lr": 0.01, "resume": True, "out": "a=b", "name": "n"}
    assert parse_overrides(["--resume=no"], DEFAULTS)["resume"] is False
    assert parse_overrides(["--max-steps=3"], DEFAULTS)["max_steps"] == 3  # dashes read as _


def test_an_unknown_flag_is_an_error_that_names_the_closest_one() -> None:
    with pytest.raises(UsageError, match="--resmue: did you mean --resume"):
        parse_overrides(["--max_steps=10", "--resmue"], DEFAULTS)
    with pytest.raises(UsageError, match="did you mean --max_steps"):
        parse_overrides(["--max_step=10"], DEFAULTS)
    with pytest.raises(UsageError, match="--help lists"):
        parse_overrides(["--zzzzzz=1"], DEFAULTS)


def test_bad_values_and_bare_words_are_errors() -> None:
    with pytest.raises(UsageError, match="wants int"):
        parse_overrides(["--max_steps=ten"], DEFAULTS)
    with pytest.raises(UsageError, match="true or false"):
        parse_overrides(["--resume=maybe"], DEFAULTS)
    with pytest.raises(UsageError, match="look like --name=value"):
        parse_overrides(["steps"], DEFAULTS)
    with pytest.raises(UsageError, match="needs a value"):
        parse_overrides(["--out"], DEFAULTS)


def test_help_lists_every_option_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_overrides(["--help"], DEFAULTS, doc="Train a thing.")
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "Train a thing." in text
    assert all(f"--{name}" in text for name in DEFAULTS)


def test_run_main_prints_one_sentence_for_a_learner_error(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> int:
        raise AgentlabError("the corpus folder data/ is empty: point --data at a text file.")

    assert run_main(broken) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: the corpus folder data/ is empty: point --data at a text file."
    assert "Traceback" not in err
    assert run_main(lambda: None) == 0 and run_main(lambda: 3) == 3


def test_run_main_lets_a_real_bug_raise() -> None:
    def buggy() -> int:
        raise ZeroDivisionError("a bug, not a learner error")

    with pytest.raises(ZeroDivisionError):
        run_main(buggy)
