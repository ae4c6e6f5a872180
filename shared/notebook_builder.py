"""Write lesson notebooks from a Python script, so that rebuilding an unchanged one changes nothing.

The convention: a phase's notebooks are never edited by hand. Their text lives in one script,
`<phase>/notebooks/build_notebooks.py`, which lists the cells and writes the .ipynb files:

    NOTEBOOKS = {"01_intro.ipynb": [md("# Hello"), code("print(1 + 1)")]}

    def build(out_dir=HERE):
        write_notebooks(out_dir, NOTEBOOKS)

nbformat gives every new cell a random id, so each rebuild used to change every notebook in git.
Here a cell's id is derived from the notebook's name and the cell's text: an unchanged cell keeps
its id, and inserting a cell does not renumber the ones after it.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from shared.atomic_write import atomic_write_text

KERNEL_METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}


def md(text: str) -> NotebookNode:
    """A markdown cell; the blank lines around a triple-quoted text are dropped."""
    return new_markdown_cell(text.strip())


def code(text: str) -> NotebookNode:
    """A code cell, without outputs; the blank lines around a triple-quoted text are dropped."""
    return new_code_cell(text.strip())


def notebook_text(name: str, cells: list[NotebookNode]) -> str:
    """The .ipynb text of notebook `name`: stable cell ids, no outputs, a Python 3 kernel."""
    copies, seen = [], {}
    for cell in cells:
        cell = copy.deepcopy(cell)  # the builder's cells stay as they were
        key = f"{name}\n{cell.cell_type}\n{cell.source}"
        seen[key] = seen.get(key, 0) + 1  # the same text twice in one notebook gets two ids
        cell.id = hashlib.sha1(f"{key}\n{seen[key]}".encode()).hexdigest()[:8]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        copies.append(cell)
    notebook = new_notebook(cells=copies, metadata=copy.deepcopy(KERNEL_METADATA))
    return nbformat.writes(notebook) + "\n"  # writes() validates; files end with a newline


def write_notebook(path: str | Path, cells: list[NotebookNode]) -> bool:
    """Write the notebook at `path` atomically, unless it has this text already; True if written."""
    path = Path(path)
    text = notebook_text(path.name, cells)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def write_notebooks(out_dir: str | Path, notebooks: dict[str, list[NotebookNode]]) -> None:
    """Write each notebook (file name -> cells) into `out_dir`, saying which ones changed."""
    for name, cells in notebooks.items():
        path = Path(out_dir) / name
        print("wrote    " if write_notebook(path, cells) else "unchanged", path)
