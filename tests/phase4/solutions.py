"""Reference solutions of the fixture tasks, played without a model: they prove that the hidden
tests can pass (and that they fail on the untouched service)."""

from __future__ import annotations

import ast
from pathlib import Path

from phase4_context.tasks import apply_edits

FIX_USERS_500 = [("service/users.py", '"email": user["email"],', '"email": user.get("email"),')]

VALIDATED = {  # update_email and add_order validate already
    "service/users.py": ["get_user", "deactivate_user"],
    "service/orders.py": ["orders_for_user", "total_spent"],
}


def validate_user_id(workspace: Path) -> None:
    """require_user_id(user_id) first in every function taking user_id."""
    edits = []
    for path, names in VALIDATED.items():
        text = (Path(workspace) / path).read_text()
        for name in names:
            line = next(ln for ln in text.splitlines() if ln.startswith(f"def {name}("))
            edits.append((path, line + "\n", f"{line}\n    require_user_id(user_id)\n"))
    apply_edits(workspace, edits)


def document_functions(workspace: Path) -> None:
    """A docstring under every def that has none (found with ast, inserted bottom-up)."""
    for path in sorted((Path(workspace) / "service").glob("*.py")):
        lines = path.read_text().split("\n")
        nodes = [n for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.FunctionDef)
                 and not ast.get_docstring(n)]
        for node in sorted(nodes, key=lambda n: n.body[0].lineno, reverse=True):
            indent = " " * node.body[0].col_offset
            lines.insert(node.body[0].lineno - 1, f'{indent}"""Do what {node.name} says."""')
        path.write_text("\n".join(lines))


def count_undocumented(workspace: Path) -> int:
    return sum(1 for path in (Path(workspace) / "service").glob("*.py")
               for n in ast.walk(ast.parse(path.read_text()))
               if isinstance(n, ast.FunctionDef) and not ast.get_docstring(n))
