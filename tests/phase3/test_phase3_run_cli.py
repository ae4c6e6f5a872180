"""`python -m phase3_tools.run`: built-in tasks, a task of the learner's own in a folder of
their own, and plain one-sentence errors for a command line we cannot use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import shared.cli
from phase3_tools import bench, extract_eval, run
from shared.cli import UsageError
from shared.llm import ScriptedBackend

REPO = Path(__file__).resolve().parents[2]
FIZZBUZZ = "for i in range(1, 16):\n    print('FizzBuzz' if i % 15 == 0 else i)\n"
OWN_TASK = [
    {"name": "write_file", "arguments": {"path": "fizzbuzz.py", "content": FIZZBUZZ}},
    {"name": "edit_file", "arguments": {"path": "notes.txt", "old": "todo", "new": "done"}},
    {"name": "run_python", "arguments": {"path": "fizzbuzz.py"}},
    {"name": "final_answer", "arguments": {"answer": "fizzbuzz.py prints 1 to 15"}},
]


def scripted(monkeypatch, steps: list[dict]) -> ScriptedBackend:
    llm = ScriptedBackend([json.dumps(s) for s in steps])
    monkeypatch.setattr(run, "get_llm", lambda: llm)
    return llm


def no_model(monkeypatch) -> None:
    monkeypatch.setattr(run, "get_llm", lambda: pytest.fail("the model must not be loaded"))


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as ended:
        run.main(["--help"])
    assert ended.value.code == 0
    out = capsys.readouterr().out
    assert "--task" in out and "--prompt" in out and "--workspace" in out and "fizzbuzz" in out


def test_own_task_runs_in_the_learners_folder_and_says_nothing_checked_it(monkeypatch, capsys,
                                                                         tmp_path):
    folder = tmp_path / "my-project"
    folder.mkdir()
    (folder / "notes.txt").write_text("todo\n")
    (folder / "keep.txt").write_text("untouched\n")
    llm = scripted(monkeypatch, OWN_TASK)
    code = run.main(["--task=Write fizzbuzz.py and run it", f"--workspace={folder}",
                     "--approve=deny-risky"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert (folder / "fizzbuzz.py").read_text() == FIZZBUZZ
    assert (folder / "keep.txt").read_text() == "untouched\n"
    assert "Write fizzbuzz.py and run it" in llm.calls[0]["messages"][-1]["content"]
    assert "NOT CHECKED" in out and "no checker" in out
    assert "Answer: fizzbuzz.py prints 1 to 15" in out
    assert f"Files changed in {folder}: fizzbuzz.py (new), notes.txt (changed)\n" in out
    trajectory = out.split("Trajectory: ")[1].strip()
    assert Path(trajectory).is_file()


def test_prompt_option_and_a_home_relative_folder(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    scripted(monkeypatch, [{"name": "final_answer", "arguments": {"answer": "nothing to do"}}])
    assert run.main(["--prompt=Say hello", "--workspace=~/new/project", "--approve=deny-risky"]) == 0
    assert (tmp_path / "new" / "project").is_dir()
    assert "Files changed in" in capsys.readouterr().out


def test_own_task_that_stops_without_an_answer_fails(monkeypatch, capsys, tmp_path):
    scripted(monkeypatch, [{"name": "list_files", "arguments": {}}] * 2)
    assert run.main(["--task=List the files", f"--workspace={tmp_path}", "--max_steps=2",
                     "--approve=deny-risky"]) == 1
    out = capsys.readouterr().out
    assert "NOT CHECKED: the agent stopped (step_limit)" in out and "Answer: (none)" in out
    assert f"Files changed in {tmp_path}: none" in out


def test_a_built_in_task_still_runs_and_is_checked(monkeypatch, capsys, tmp_path):
    scripted(monkeypatch, [{"name": "final_answer", "arguments": {"answer": "no"}}])
    assert run.main(["--task=fix_broken", f"--workspace={tmp_path / 'fresh'}"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: sandbox/broken.py does not print" in out
    assert (tmp_path / "fresh" / "sandbox" / "broken.py").is_file()


def test_a_built_in_task_never_empties_a_folder_that_holds_files(monkeypatch, tmp_path):
    no_model(monkeypatch)
    (tmp_path / "mine.py").write_text("precious\n")
    with pytest.raises(UsageError, match="not an empty folder"):
        run.main(["--task=line_report", f"--workspace={tmp_path}"])
    assert (tmp_path / "mine.py").read_text() == "precious\n"


@pytest.mark.parametrize("argv, message", [
    (["--task=fix_brokn"], "unknown task 'fix_brokn': did you mean fix_broken?"),
    (["--task=line_report", "--prompt=Do it"], "not both"),
    (["--task=  "], "--task is empty"),
    (["--format=yaml"], "--format=yaml is not one of json, "),
    (["--approve=yes"], "--approve=yes is not one of ask, "),
    (["--workspce=x"], "did you mean --workspace?"),
    (["--max_steps=ten"], "--max_steps wants int"),
    (["--prompt=Hi", "--workspace=~"], "your home folder"),
])
def test_command_lines_we_cannot_use_are_one_sentence(monkeypatch, argv, message):
    no_model(monkeypatch)
    with pytest.raises(UsageError) as err:
        run.main(argv)
    assert message in str(err.value)


def test_the_command_line_prints_help_and_one_sentence_errors():
    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "phase3_tools.run", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120)

    shown = command("--help")
    assert shown.returncode == 0 and "--workspace" in shown.stdout and not shown.stderr
    wrong = command("--task=fix_brokn")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr.startswith("error: unknown task 'fix_brokn': did you mean fix_broken?")
    assert wrong.stderr.count("\n") == 1


@pytest.mark.parametrize("module, flag, closest", [
    ("phase3_tools.check", "--only_dood", "--only_dod"),
    ("phase3_tools.bench", "--seed=2", "--seeds"),
    ("phase3_tools.extract_eval", "--limt=3", "--limit"),
])
def test_every_phase3_command_names_the_closest_option(module, flag, closest):
    ended = subprocess.run([sys.executable, "-m", module, flag], cwd=REPO, capture_output=True,
                           text=True, timeout=120)
    assert ended.returncode == 2
    assert ended.stderr.strip() == f"error: unknown option {flag.split('=')[0]}: did you mean {closest}?"


def test_phase3_reads_its_options_with_shared_cli():
    for module in (run, bench, extract_eval):
        assert module.parse_overrides is shared.cli.parse_overrides


def test_bench_refuses_an_unknown_format_before_loading_a_model(monkeypatch):
    import shared.llm

    monkeypatch.setattr(shared.llm, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="--formats: 'yaml' is not one of json"):
        bench.main(["--formats=json,yaml"])


def bare_python_commands(text: str) -> list[str]:
    """Commands in `text` that start with a bare `python -m` (not .venv/bin/python), leaving out
    paragraphs that say how to activate the venv first."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        if "source .venv/bin/activate" in paragraph:
            continue
        found += re.findall(r"(?:^|`)[ \t]*python3? -m [^\n`]*", paragraph, re.MULTILINE)
    return found


@pytest.mark.parametrize("readme", ["phase0_setup/README.md", "phase2_dumb_loop/README.md",
                                    "phase3_tools/README.md", "README.md"])
def test_readme_commands_use_the_projects_python(readme):
    text = (REPO / readme).read_text()
    if readme == "README.md":
        text = text.split("\n## ")[0]  # the top: the other sections belong to other lessons
        assert ".venv/bin/python -m" in text and "source .venv/bin/activate" in text
    assert bare_python_commands(text) == []
    assert bare_python_commands("run it:\n\n```bash\npython -m phase2_dumb_loop x\n```") != []
