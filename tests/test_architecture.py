"""The architecture rule: a phase never imports another phase folder; later phases use earlier
ones only through `shared`. Checked on every module and every notebook code cell."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PHASES = sorted(p.name for p in REPO.iterdir() if p.is_dir() and (p.name.startswith("phase") or p.name == "nanochat_track"))
REQUIRED = [
    "phase0_setup", "phase1_tinylm", "phase2_dumb_loop", "phase3_tools", "phase4_context",
    "phase5_planning", "phase6_multiagent_rag", "nanochat_track",
]


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module imported by `source`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def notebook_source(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            text = "".join(cell["source"])
            lines += [ln for ln in text.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def phase_sources(phase: str) -> list[tuple[Path, str]]:
    folder = REPO / phase
    sources = [(p, p.read_text()) for p in folder.rglob("*.py")]
    sources += [(p, notebook_source(p)) for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sources


def test_the_shape_is_kept() -> None:
    for name in REQUIRED + ["shared", "tests"]:
        assert (REPO / name).is_dir(), f"missing top-level folder {name}"
    for name in ["README.md", "pyproject.toml", "Makefile", ".ci/run", "history.md", "LearningPlan.md"]:
        assert (REPO / name).is_file(), f"missing top-level file {name}"


@pytest.mark.parametrize("phase", PHASES)
def test_phase_imports_no_other_phase(phase: str) -> None:
    others = set(PHASES) - {phase}
    offenders = []
    for path, source in phase_sources(phase):
        bad = imported_modules(source) & others
        if bad:
            offenders.append(f"{path.relative_to(REPO)} imports {sorted(bad)}")
    assert not offenders, "phases must use each other only through shared: " + "; ".join(offenders)


def test_the_checker_catches_a_violation() -> None:
    assert imported_modules("from phase2_dumb_loop.loop import run\nimport phase1_tinylm") == {
        "phase2_dumb_loop", "phase1_tinylm"}
    assert imported_modules("import importlib\nimportlib.import_module('phase3_tools.x')") >= {"phase3_tools"}
    assert imported_modules("from . import sibling") == set()
