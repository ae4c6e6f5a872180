"""Worked examples for phase 4's tools, shown to the model before its task (few-shot).

Phase 3 measured that a small model copies the shape of a demonstration far better than it
follows rules. Its examples read whole files and run scripts with run_python; here the shape
to copy is: run the failing command, read just the lines the traceback names, fix, run again;
and: search for every place that matters, then change each one. They take the place of phase 3's
examples (about as many tokens), so the pinned part of the context does not grow.
"""

from __future__ import annotations

from typing import Any

from shared.agent import ActionFormat

Step = tuple[str, str, dict[str, Any], str]  # think, tool, arguments, observation

CRASH_TASK = "The report command crashes (try `python -m shop.report daily`). Find the bug and fix it."
CRASH_LINE = '    return sum(item["price"] for item in items) + shipping'
CRASH_STEPS: list[Step] = [
    ("First I run the command to see the error.", "run_shell",
     {"command": "python -m shop.report daily"},
     '(exit code 1)\nstderr:\nTraceback (most recent call last):\n  File "shop/report.py", line 30, '
     'in <module>\n    print(daily())\n  File "shop/report.py", line 14, in total\n'
     f"{CRASH_LINE}\nNameError: name 'shipping' is not defined"),
    ("The error is in shop/report.py at line 14. I read the lines around it.", "read_file",
     {"path": "shop/report.py", "start": 10, "end": 15},
     "shop/report.py, lines 10-15 of 31:\n10| \n11| def total(items, shipping_cost=0):\n"
     '12|     """The price of the items plus shipping."""\n13|     items = [i for i in items if i]\n'
     f"14| {CRASH_LINE}\n15| \n[16 more lines: read_file(path='shop/report.py', start=16) shows "
     "the next ones; search_files finds a line by its text]"),
    ("Line 14 uses shipping, but the parameter is called shipping_cost. I fix that line.",
     "edit_file", {"path": "shop/report.py", "old": CRASH_LINE,
                   "new": CRASH_LINE.replace("shipping", "shipping_cost")},
     "wrote 1043 bytes to shop/report.py"),
    ("Now I run the command again to check it.", "run_shell",
     {"command": "python -m shop.report daily"}, "(exit code 0)\nstdout:\ndaily total: 42.50"),
    ("It works.", "final_answer",
     {"answer": "Fixed shop/report.py line 14 (shipping -> shipping_cost); the report runs."}, ""),
]

EVERY_TASK = ("Every function in shop/ that takes a price must call check_price(price) first, "
              "as add_item already does.")
EVERY_STEPS: list[Step] = [
    ("I search for every function that takes a price, with the line after each.", "search_files",
     {"pattern": r"def \w+\(.*price", "path": "shop", "glob": "*.py", "context": 1},
     "shop/cart.py-7- \nshop/cart.py:8: def add_item(cart, name, price):\n"
     "shop/cart.py-9-     check_price(price)\n--\nshop/sale.py-3- \n"
     "shop/sale.py:4: def discount(price, percent):\nshop/sale.py-5-     return price * (1 - percent / 100)\n"
     "[2 matching lines in 2 files]"),
    ("add_item already checks; discount does not. I add the check as its first line.", "edit_file",
     {"path": "shop/sale.py", "old": "def discount(price, percent):",
      "new": "def discount(price, percent):\n    check_price(price)"},
     "wrote 312 bytes to shop/sale.py"),
    ("sale.py must import check_price too. I search for its imports.", "search_files",
     {"pattern": "^(from|import) ", "path": "shop/sale.py", "context": 0},
     "shop/sale.py:1: from shop.money import cents\n[1 matching line in 1 file]"),
    ("I add the import next to the other one.", "edit_file",
     {"path": "shop/sale.py", "old": "from shop.money import cents",
      "new": "from shop.checks import check_price\nfrom shop.money import cents"},
     "wrote 349 bytes to shop/sale.py"),
    ("Now I run the tests.", "run_shell", {"command": "python -m pytest -q tests"},
     "(exit code 0)\nstdout:\n6 passed in 0.05s"),
    ("Every function that takes a price checks it.", "final_answer",
     {"answer": "discount in shop/sale.py now calls check_price first (add_item already did)."}, ""),
]

# The model copies the nearest example most: the one that starts by running the failing command
# comes last, right before the task.
DEMONSTRATIONS: list[tuple[str, list[Step]]] = [(EVERY_TASK, EVERY_STEPS), (CRASH_TASK, CRASH_STEPS)]


def demonstration(fmt: ActionFormat) -> list[dict[str, Any]]:
    """The worked examples as conversation turns, written in the agent's action format."""
    messages: list[dict[str, Any]] = []
    for task, steps in DEMONSTRATIONS:
        messages.append({"role": "user", "content": task})
        for think, name, arguments, observation in steps:
            messages.append({"role": "assistant", "content": fmt.render(think, name, arguments)})
            if observation:
                kind = "error" if observation.startswith("(exit code 1)") else "ok"
                messages.append({"role": "user", "content": f"Observation ({kind}):\n{observation}"})
    return messages
