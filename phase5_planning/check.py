"""Phase 5's definition of done, run for real with the configured model.

    python -m phase5_planning.check                       # every line below, once
    python -m phase5_planning.check --runs=3 --record=0   # three seeds, nothing recorded
    python -m phase5_planning.check --data_question=0     # without the live data question

1. `agentlab run --yes` completes the calculator task ("create calculator.py ... and
   test_calculator.py ...; all tests pass") in a fresh folder, with no intervention: the
   command's own code (shared.agentlab_command.run_goal, as the console script runs it), then
   - the agent's own test_calculator.py passes;
   - hidden tests, which the agent never sees, pass against its calculator.py;
   - the agent finished by itself, and its finish was verified by its tests.
   For information: whether its tests catch two broken calculators.
2. The domain notebook (notebooks/04_another_domain_data_assistant.ipynb: the same agent core
   with three data tools) runs top to bottom; and one live question to the data assistant gets
   the number the CSV file holds.
3. The prompt regression suite (tests/phase5/test_prompt_regression.py) passes.
4. The benchmark runs end to end on a small slice and writes its report (run first: its workers
   are forked, which must happen before this process runs the model itself).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

from phase5_planning.data_assistant import DATA, ask
from phase5_planning.tasks import CALCULATOR
from shared.agentlab_command import run_goal
from shared.bench.command import SLICE_GENERATIONS, SLICE_TASKS, run_slice
from shared.check_report import CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import ChatBackend, get_llm
from shared.trajectory import runs_root

runs = 1              # seeds 0 .. runs-1; each must pass
max_steps = 20
record = True
data_question = True  # ask the data assistant one question on the real model

REPO = Path(__file__).resolve().parents[1]
DOMAIN_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / \
    "04_another_domain_data_assistant.ipynb"
PROMPT_SUITE = REPO / "tests" / "phase5" / "test_prompt_regression.py"
NOTEBOOK_TIMEOUT_S = 600
SUITE_TIMEOUT_S = 900
QUESTION = "What is the total of the units column in sales.csv?"
QUESTION_STEPS = 6


def units_sold(data: Path = DATA) -> float:
    """The question's answer, read from the CSV file here (not by the agent's tools)."""
    with (data / "sales.csv").open(encoding="utf-8", newline="") as handle:
        return float(sum(float(row["units"]) for row in csv.DictReader(handle)))


def numbers_in(text: str) -> list[float]:
    """The numbers written in a text ("2,280 units" -> [2280.0])."""
    return [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def ask_data_question(llm: ChatBackend) -> tuple[bool, str]:
    """One question to the data assistant; passes when its answer holds the right number."""
    expected = units_sold()
    result = ask(QUESTION, llm, DATA, max_steps=QUESTION_STEPS, verbose=True,
                 trajectory_path=runs_root() / "phase5" / "check-data-question.jsonl")
    right = any(abs(n - expected) < 0.01 for n in numbers_in(result.answer))
    return right, (f"{QUESTION!r} -> {result.answer or '(no answer)'!r} (the file says "
                   f"{expected:g}); stop: {result.stop_reason}, {result.steps} steps, "
                   f"{result.seconds:.0f} s; trajectory {result.trajectory}")


def run_notebook(path: Path = DOMAIN_NOTEBOOK) -> tuple[bool, str]:
    """Execute a notebook top to bottom as the test suite does (a scripted model: AGENTLAB_FAST=1).
    Returns (it ran without an error, one line saying so or naming the error)."""
    if not path.is_file():
        return False, f"{path.name} is not there"
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in ("AGENTLAB_FAST", "MPLBACKEND", "PYTHONPATH",
                                           "AGENTLAB_NOTEBOOK_LIVE")}
    os.environ.update(AGENTLAB_FAST="1", MPLBACKEND="Agg",
                      PYTHONPATH=str(REPO) + os.pathsep + (saved["PYTHONPATH"] or ""))
    os.environ.pop("AGENTLAB_NOTEBOOK_LIVE", None)
    try:
        nbclient.NotebookClient(notebook, timeout=NOTEBOOK_TIMEOUT_S, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as err:  # noqa: BLE001 - the cell's error, in one line, is the detail
        lines = [ln for ln in str(err).splitlines() if ln.strip()]
        return False, f"{path.name} stopped: {lines[-1] if lines else type(err).__name__}"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    cells = sum(c.cell_type == "code" for c in notebook.cells)
    return True, f"{path.name}: {cells} code cells ran"


def run_prompt_regression(suite: Path = PROMPT_SUITE) -> tuple[bool, str]:
    """`pytest -q -m "not live"` on the prompt regression suite, in a subprocess."""
    if not suite.is_file():
        return False, (f"the prompt regression suite is not there "
                       f"({suite.relative_to(REPO) if suite.is_relative_to(REPO) else suite})")
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not live",
                               "-p", "no:cacheprovider", str(suite)], cwd=REPO,
                              capture_output=True, text=True, timeout=SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"the suite ran past {SUITE_TIMEOUT_S} s"
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    failed = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    summary = lines[-1].strip("= ") if lines else f"exit code {proc.returncode}"
    return proc.returncode == 0, "; ".join([summary] + failed[:3])


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"runs": runs, "max_steps": max_steps, "record": record,
                         "data_question": data_question}, doc=__doc__)
    if o["runs"] < 1:
        raise UsageError("--runs must be at least 1.")
    report = CheckReport("phase5_planning", "an agent that plans, tests its work and finishes "
                         "only when it works")
    # "The benchmark runs end to end on a small slice and writes its report." First: its workers
    # are forked, and a process forked after this one has run the embedded model cannot run it
    # (llama.cpp's OpenMP threads stay in the parent; measured: the worker hung).
    print(f"\n== the benchmark, a slice: {SLICE_TASKS} easy function tasks x "
          f"{', '.join(SLICE_GENERATIONS)}, one seed", flush=True)
    ran, report_path = run_slice()
    report.add("the benchmark runs end to end on a slice and writes its report", ran,
               f"report: {report_path}" if report_path else "no task ran",
               "read results.jsonl in the slice's folder for the item that errored or timed out "
               "(on a busy machine, a task may pass its time limit: run the check again)")

    llm = get_llm()
    for seed in range(o["runs"]):
        # `agentlab run --yes` in a fresh folder: the command's own code, then the task's grade
        workspace = CALCULATOR.prepare(runs_root() / "phase5" / f"check-agentlab-{seed}")
        print(f"\n== agentlab run --yes --workspace {workspace} (seed {seed}): "
              f"{CALCULATOR.prompt}", flush=True)
        summary = run_goal(CALCULATOR.prompt, workspace, llm, yes=True,
                           max_steps=o["max_steps"], seed=seed, quiet=False)
        grade = CALCULATOR.grade(workspace)
        figures = (f"{summary['steps']} steps, stop: {summary['stop_reason']}, "
                   f"{summary['tokens']['prompt'] + summary['tokens']['completion']} tokens, "
                   f"{summary['seconds']:.0f} s; trajectory {summary['trajectory']}")
        label = f"agentlab run --yes: calculator, seed {seed} ({llm.describe()})"
        report.add(label, grade.passed, f"{grade.detail}; {figures}",
                   "read the trajectory to see where the agent went wrong; try the bigger model "
                   "(AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b)")
        report.add(f"finished by itself, verified (seed {seed})", summary["success"],
                   f"stop: {summary['stop_reason']}, files changed: "
                   f"{', '.join(summary['files_changed']) or 'none'}",
                   "the agent did not reach a finish its tests confirm: see the finish_refused "
                   "and stopped events in the trajectory")
        caught = grade.mutants_caught
        if caught:
            report.note(f"its tests catch bugs (seed {seed})", ", ".join(
                f"{name}: {'caught' if hit else 'missed'}" for name, hit in caught.items()))

    # "A notebook builds a small agent for another domain from the same core."
    print(f"\n== the domain notebook: {DOMAIN_NOTEBOOK.name}", flush=True)
    ran, detail = run_notebook()
    report.add("the domain notebook runs", ran, detail,
               "run it in Jupyter to see the failing cell; rebuild it with `make -C "
               "phase5_planning notebooks`")
    if o["data_question"]:
        print(f"\n== the data assistant, live: {QUESTION}", flush=True)
        right, detail = ask_data_question(llm)
        report.add("the data assistant answers a question from the CSV", right, detail,
                   "read the trajectory: did it call aggregate before final_answer? "
                   "(--data_question=0 leaves this line out)")

    print("\n== the prompt regression suite", flush=True)
    passed, detail = run_prompt_regression()
    report.add("the prompt regression suite passes", passed, detail,
               "run `pytest -q tests/phase5/test_prompt_regression.py` and read the case it "
               "names")

    print(f"\nLLM usage: {llm.usage.summary()}")
    return report.finish(record=o["record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
