"""Every notebook is exactly what its folder's builder writes, and runs top to bottom (at reduced
size: AGENTLAB_FAST=1)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import nbclient
import nbformat
import pytest

from shared.notebook_builder import code, md, notebook_text, write_notebook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(REPO.glob("*/notebooks/*.ipynb"))
FOLDERS = sorted({path.parent for path in NOTEBOOKS})


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 5, f"expected the phases' notebooks, found {NOTEBOOKS}"


# --- the convention: one builder per folder, and the committed notebooks are its output ---------

def load_builder(folder: Path, copy: int = 0) -> ModuleType:
    """Import `folder/build_notebooks.py` afresh (a new module each time, nothing cached)."""
    path = folder / "build_notebooks.py"
    spec = importlib.util.spec_from_file_location(f"{folder.parent.name}_builder_{copy}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def built_notebooks(folder: Path, out_dir: Path, copy: int = 0) -> dict[str, str]:
    load_builder(folder, copy).build(out_dir)
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(out_dir.glob("*.ipynb"))}


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(REPO)) for f in FOLDERS])
def test_each_notebook_folder_has_one_builder(folder: Path) -> None:
    scripts = sorted(path.name for path in folder.glob("*.py"))
    assert scripts == ["build_notebooks.py"], (
        f"{folder.relative_to(REPO)} should have one builder, build_notebooks.py; it has {scripts}")


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(REPO)) for f in FOLDERS])
def test_committed_notebooks_are_what_the_builder_writes(folder: Path, tmp_path: Path) -> None:
    built = built_notebooks(folder, tmp_path)
    committed = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.ipynb")}
    where = folder.relative_to(REPO)
    assert sorted(built) == sorted(committed), f"{where}: the builder writes {sorted(built)}"
    for name, text in built.items():
        assert committed[name] == text, (
            f"{where}/{name} is not what its builder writes: edit {where}/build_notebooks.py, "
            f"then run `.venv/bin/python {where}/build_notebooks.py`")


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(REPO)) for f in FOLDERS])
def test_a_rebuild_keeps_every_cell_id(folder: Path, tmp_path: Path) -> None:
    first = built_notebooks(folder, tmp_path / "first", copy=1)
    second = built_notebooks(folder, tmp_path / "second", copy=2)
    for name, text in first.items():
        ids = [cell["id"] for cell in json.loads(text)["cells"]]
        assert len(set(ids)) == len(ids), f"{name} has two cells with one id"
        assert ids == [cell["id"] for cell in json.loads(second[name])["cells"]], name
        assert second[name] == text, name


# --- shared/notebook_builder.py -----------------------------------------------------------------

def test_a_cell_keeps_its_id_when_cells_are_inserted_before_it() -> None:
    cells = [md("# Title"), code("x = 1"), code("print(x)")]
    before = json.loads(notebook_text("lesson.ipynb", cells))["cells"]
    after = json.loads(notebook_text("lesson.ipynb", [md("A new first cell."), *cells]))["cells"]
    assert [c["id"] for c in before] == [c["id"] for c in after[1:]]
    assert after[0]["id"] not in {c["id"] for c in before}


def test_the_same_text_twice_gets_two_ids_and_ids_depend_on_the_notebook() -> None:
    cells = [code("print(1)"), code("print(1)")]
    ids = [c["id"] for c in json.loads(notebook_text("a.ipynb", cells))["cells"]]
    other = [c["id"] for c in json.loads(notebook_text("b.ipynb", cells))["cells"]]
    assert ids[0] != ids[1]
    assert set(ids).isdisjoint(other)
    nbformat.validate(nbformat.reads(notebook_text("a.ipynb", cells), as_version=4))


def test_outputs_are_cleared_and_the_kernel_is_python3() -> None:
    cell = code("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    cell.execution_count = 7
    notebook = json.loads(notebook_text("a.ipynb", [cell]))
    assert notebook["cells"][0]["outputs"] == [] and notebook["cells"][0]["execution_count"] is None
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert cell.execution_count == 7, "the builder's own cell must not change"


def test_write_notebook_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "lesson.ipynb"
    assert write_notebook(path, [md("# One")]) is True
    before = path.stat()
    assert write_notebook(path, [md("# One")]) is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert write_notebook(path, [md("# Two")]) is True
    assert "# Two" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.ipynb"], "a temp file was left behind"


# --- every notebook runs ------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(REPO)) for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTLAB_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    assert all(c.get("execution_count") for c in code_cells), "a code cell did not run"
