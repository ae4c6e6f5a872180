"""The benchmark's tasks: they load, the counts are as the learning plan asks, every task's
hidden tests pass on its reference solution and fail on its untouched start, the hidden tests
never reach a prepared workspace, and a malformed task folder is reported clearly."""

from __future__ import annotations

import doctest
import importlib.util
import json
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.bench.task_set import (
    HIDDEN_FOLDER,
    TASKS_DIR,
    BenchTask,
    BenchTaskError,
    GradeResult,
    apply_solution,
    grade,
    load_tasks,
    prepare_workspace,
)

ALL = load_tasks()
BY_NAME = {task.name: task for task in ALL}
GRADE_WORKERS = 4  # grading mostly waits for sandboxed pytest runs to start and end


# Loading and counts ---------------------------------------------------------------------------


def test_every_task_loads_with_its_fields():
    assert len(ALL) >= 53
    for task in ALL:
        assert isinstance(task, BenchTask)
        assert task.prompt.strip() and task.timeout_s > 0 and task.entry
        assert task.folder == TASKS_DIR / task.track / task.name
        assert task.hidden_files(), task.name


def test_counts_per_track_and_level():
    project = Counter(t.level for t in ALL if t.track == "project")
    function = Counter(t.level for t in ALL if t.track == "function")
    assert 13 <= sum(project.values()) <= 15
    assert project["easy"] == 5 and project["medium"] == 5 and 3 <= project["hard"] <= 5
    assert sum(function.values()) >= 40
    assert all(function[level] >= 8 for level in ("easy", "medium", "hard"))


def test_the_named_tasks_are_there():
    for name in ("line_report", "function_and_tests", "calculator"):
        assert BY_NAME[name].track == "project"


def test_load_by_track_and_by_name():
    assert {t.track for t in load_tasks(track="function")} == {"function"}
    chosen = load_tasks(names=["calculator", "clamp"])
    assert [t.name for t in chosen] == ["calculator", "clamp"]
    assert [t.name for t in load_tasks(track="project", names=["calculator", "clamp"])] == [
        "calculator"]
    with pytest.raises(BenchTaskError, match="no benchmark task is named 'nope'"):
        load_tasks(names=["nope"])
    with pytest.raises(BenchTaskError, match="no track"):
        load_tasks(track="functions")


def test_function_tasks_have_the_shape_the_prompt_promises():
    for task in load_tasks(track="function"):
        module = task.entry[0]
        start = (task.start_dir / module).read_text()
        assert "raise NotImplementedError" in start and ">>>" in start, task.name
        assert [p.name for p in task.hidden_files()] == [f"test_{module}"]
        hidden = (task.hidden_dir / f"test_{module}").read_text()
        assert hidden.count("assert ") + hidden.count("pytest.raises") >= 5, task.name


def test_docstring_examples_hold_for_every_function_solution():
    for task in load_tasks(track="function"):
        path = task.solution_dir / task.entry[0]
        spec = importlib.util.spec_from_file_location(f"bench_solution_{task.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, task.name


# Malformed tasks ------------------------------------------------------------------------------


def make_task(root: Path, spec: dict | str, name: str = "demo", track: str = "function") -> Path:
    folder = root / track / name
    for part in ("start", "hidden", "solution"):
        (folder / part).mkdir(parents=True)
    (folder / "hidden" / "test_demo.py").write_text("def test_ok():\n    assert True\n")
    text = spec if isinstance(spec, str) else json.dumps(spec)
    (folder / "task.json").write_text(text)
    return folder


GOOD = {"name": "demo", "track": "function", "level": "easy", "prompt": "Do it.",
        "entry": ["demo.py"]}


def test_a_good_stand_in_task_loads_with_the_default_timeout(tmp_path):
    make_task(tmp_path, GOOD)
    [task] = load_tasks(tasks_dir=tmp_path)
    assert task.timeout_s == 30.0 and task.entry == ["demo.py"] and task.main_entry == "demo.py"


@pytest.mark.parametrize("spec, problem", [
    ('{"name": "demo",', "not valid JSON"),
    ({k: v for k, v in GOOD.items() if k != "prompt"}, "lacks prompt"),
    ({**GOOD, "level": "extreme"}, "level 'extreme'"),
    ({**GOOD, "track": "project"}, "track 'project'"),
    ({**GOOD, "name": "other"}, "differs from its folder"),
    ({**GOOD, "entry": "demo.py"}, "'entry' must be a non-empty list"),
    ({**GOOD, "timeout_s": -1}, "'timeout_s' must be a positive"),
])
def test_a_malformed_task_json_names_the_folder(tmp_path, spec, problem):
    folder = make_task(tmp_path, spec)
    with pytest.raises(BenchTaskError) as caught:
        load_tasks(tasks_dir=tmp_path)
    assert str(folder) in str(caught.value) and problem in str(caught.value)


def test_missing_parts_are_reported(tmp_path):
    folder = make_task(tmp_path, GOOD)
    (folder / "hidden" / "test_demo.py").unlink()
    with pytest.raises(BenchTaskError, match="no test_\\*.py"):
        load_tasks(tasks_dir=tmp_path)
    shutil.rmtree(folder / "solution")
    with pytest.raises(BenchTaskError, match="no solution/ folder"):
        load_tasks(tasks_dir=tmp_path)


# Workspaces and grading -----------------------------------------------------------------------


def test_hidden_files_never_reach_a_prepared_workspace(tmp_path):
    for task in ALL:
        workspace = prepare_workspace(task, tmp_path / task.track / task.name)
        names = {p.name for p in workspace.rglob("*")}
        assert not names & {p.name for p in task.hidden_files()}, task.name
        assert HIDDEN_FOLDER not in names and ".keep" not in names
        started = {p.relative_to(task.start_dir) for p in task.start_dir.rglob("*")
                   if p.is_file() and p.name != ".keep"}
        assert started == {p.relative_to(workspace) for p in workspace.rglob("*") if p.is_file()}


def test_grading_runs_only_the_hidden_tests_and_leaves_the_workspace_alone(tmp_path):
    task = BY_NAME["clamp"]
    workspace = apply_solution(task, prepare_workspace(task, tmp_path / "ws"))
    # The agent's own tests (named like the hidden file, one failing) must not count.
    (workspace / "test_clamp.py").write_text("def test_wrong():\n    assert False\n")
    before = sorted(p.name for p in workspace.iterdir())
    result = grade(task, workspace)
    assert result.passed and result.n_failed == 0 and result.n_errors == 0
    assert result.n_passed == 3
    assert sorted(p.name for p in workspace.iterdir()) == before


def test_a_missing_module_is_an_error_not_a_pass(tmp_path):
    result = grade(BY_NAME["clamp"], tmp_path)
    assert not result.passed and result.n_errors >= 1
    assert "clamp" in result.output_tail


def test_the_time_limit_is_kept(tmp_path):
    task = BY_NAME["clamp"]
    (tmp_path / "clamp.py").write_text(
        "def clamp(value, low, high):\n    while True:\n        pass\n")
    result = grade(task, tmp_path, timeout_s=3)
    assert not result.passed and result.timed_out


def grade_both(task: BenchTask) -> tuple[GradeResult, GradeResult]:
    """(grade of the reference solution, grade of the untouched start)."""
    with tempfile.TemporaryDirectory(prefix="agentlab-bench-test-") as tmp:
        start = prepare_workspace(task, Path(tmp) / "start")
        solved = apply_solution(task, prepare_workspace(task, Path(tmp) / "solved"))
        return grade(task, solved), grade(task, start)


@pytest.fixture(scope="module")
def every_grade() -> dict[str, tuple[GradeResult, GradeResult]]:
    """Every task graded twice (solution, start): two pytest runs at a time."""
    with ThreadPoolExecutor(GRADE_WORKERS) as pool:
        return dict(zip([t.name for t in ALL], pool.map(grade_both, ALL), strict=True))


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_solution_passes_and_start_fails(every_grade, name):
    solved, start = every_grade[name]
    assert solved.passed, f"{name}: the reference solution fails its hidden tests:\n" \
                          f"{solved.output_tail}"
    assert not start.passed, f"{name}: the untouched start passes its hidden tests"
    assert start.n_failed + start.n_errors >= 1
