"""The architecture rule: a phase never imports another phase folder; later phases use earlier
ones only through `shared`. Checked on every module and every notebook code cell."""

from __future__ import annotations

import ast
import json
import re
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


def shared_sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in (REPO / "shared").rglob("*.py")]


def test_shared_imports_no_phase() -> None:
    """shared is the frozen API *of* the phases: it never reaches back into a phase folder."""
    offenders = [f"{path.relative_to(REPO)} imports {sorted(imported_modules(src) & set(PHASES))}"
                 for path, src in shared_sources() if imported_modules(src) & set(PHASES)]
    assert not offenders, "shared must not import a phase: " + "; ".join(offenders)


def runs_phase_module(source: str) -> bool:
    """True when `source` starts a phase as a module: `-m phaseN...` or `-m nanochat_track...`."""
    return bool(re.search(r"""["']-m["']\s*,\s*["'](phase\d|nanochat_track)|-m\s+(phase\d|nanochat_track)""",
                          source))


def test_shared_starts_no_phase_module() -> None:
    offenders = [str(path.relative_to(REPO)) for path, src in shared_sources() if runs_phase_module(src)]
    assert not offenders, "shared must not run `python -m phaseN`: " + ", ".join(offenders)


def test_the_checker_catches_a_violation() -> None:
    assert runs_phase_module('subprocess.run([sys.executable, "-m", "phase0_setup"])')
    assert runs_phase_module("python -m nanochat_track.chat_cli")
    assert not runs_phase_module('subprocess.run([sys.executable, "-m", "shared.progress"])')
    assert imported_modules("from phase2_dumb_loop.loop import run\nimport phase1_tinylm") == {
        "phase2_dumb_loop", "phase1_tinylm"}
    assert imported_modules("import importlib\nimportlib.import_module('phase3_tools.x')") >= {"phase3_tools"}
    assert imported_modules("from . import sibling") == set()
