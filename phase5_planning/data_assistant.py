"""Another domain, the same core: a data-file assistant that answers questions about CSV files.

    python -m phase5_planning.data_assistant "How many units were sold in total?"
    python -m phase5_planning.data_assistant "Which region sold the most units?" --data DIR

Nothing of the agent is new. The loop, the action formats, the registry, the guardrails and the
trajectory are shared.agent's, as phase 3 froze them; only three tools are new, and each is a
plain function whose schema comes from its signature and docstring:

    list_data_files()                              the .csv files of the data folder
    describe_csv(path, rows=3)                     columns, their types, row count, first rows
    aggregate(path, column, how, group_by="")      sum / mean / min / max / count, maybe per group

They read with the standard library's csv module and cannot leave the data folder
(shared.agent.paths). The agent is `DataAssistant(Agent)`: it overrides one seam, the first
messages (a data analyst's system prompt and a worked example instead of a coder's), and
nothing else.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from shared.agent import (
    Agent,
    AgentResult,
    PathRefused,
    ToolError,
    ToolRegistry,
    final_answer,
    inside_workspace,
)
from shared.errors import AgentlabError
from shared.llm import ChatBackend, get_llm

DATA = Path(__file__).resolve().parent / "fixtures" / "data"  # the shipped fixture
MAX_STEPS = 8         # model replies per question: look, compute, answer, with room to recover
MAX_ROWS = 100_000    # a bigger file is refused: this assistant reads whole files
SHOWN_VALUES = 6      # distinct values a text column lists in describe_csv
How = Literal["sum", "mean", "min", "max", "count"]


# -- reading the files -----------------------------------------------------------------------
def number(text: str) -> float | None:
    """The value as a number, or None when it is not one ("", "n/a", "north")."""
    try:
        return float(text.replace(",", "")) if text.strip() else None
    except ValueError:
        return None


def show(value: float) -> str:
    """A number the way a person writes it: 2417, 3.75, 1234.57 (two decimals at most)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def column_type(values: list[str]) -> str:
    """integer, number or text: the narrowest type every non-empty value fits."""
    filled = [v for v in values if v.strip()]
    if not filled:
        return "empty"
    numbers = [number(v) for v in filled]
    if any(n is None for n in numbers):
        return "text"
    return "integer" if all(float(n).is_integer() and "." not in v
                            for n, v in zip(numbers, filled, strict=True)) else "number"


class DataFolder:
    """The CSV files under one folder, read whole, every path checked to stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def csv_files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.csv") if p.is_file())

    def resolve(self, path: str) -> Path:
        """The file `path` names, or a ToolError saying what to do instead."""
        try:
            found = inside_workspace(self.root, path)
        except PathRefused:  # its own sentence speaks of the workspace: say it for data
            raise ToolError(f"refused {path!r}: it is outside the data folder; name a file as "
                            "list_data_files shows it, e.g. sales.csv") from None
        if found.suffix.lower() != ".csv":
            raise ToolError(f"{path} is not a .csv file: this assistant reads CSV files only; "
                            "call list_data_files to see them")
        if not found.is_file():
            raise ToolError(f"there is no {path} in the data folder: call list_data_files to see "
                            "the files there")
        return found

    def read(self, path: str) -> tuple[list[str], list[dict[str, str]]]:
        """(the columns, the rows as dicts of text) of one CSV file."""
        found = self.resolve(path)
        try:
            with found.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                columns = [c.strip() for c in (reader.fieldnames or []) if c and c.strip()]
                rows = []
                for n, row in enumerate(reader):
                    if n >= MAX_ROWS:
                        raise ToolError(f"{path} has more than {MAX_ROWS} rows: too big for this "
                                        "assistant, which reads whole files")
                    rows.append({(k or "").strip(): (v if isinstance(v, str) else "")
                                 for k, v in row.items()})
        except (UnicodeDecodeError, csv.Error) as err:
            raise ToolError(f"{path} could not be read as UTF-8 CSV ({err})") from None
        if not columns:
            raise ToolError(f"{path} has no header row: its first line must name the columns")
        return columns, rows

    def values(self, path: str, column: str, columns: list[str],
               rows: list[dict[str, str]]) -> list[str]:
        if column not in columns:
            raise ToolError(f"there is no column {column!r} in {path}; its columns are: "
                            f"{', '.join(columns)}")
        return [row.get(column) or "" for row in rows]


# -- the three tools -------------------------------------------------------------------------
def data_tools(root: Path) -> list[Callable[..., Any]]:
    """The assistant's three tools, bound to the data folder `root`."""
    folder = DataFolder(root)

    def list_data_files() -> str:
        """List the CSV data files you can read, with their row and column counts."""
        lines = []
        for path in folder.csv_files():
            name = str(path.relative_to(folder.root))
            try:
                columns, rows = folder.read(name)
                lines.append(f"{name}: {len(rows)} rows, columns {', '.join(columns)}")
            except ToolError as err:
                lines.append(f"{name}: unreadable ({err})")
        return "\n".join(lines) or "there are no .csv files in the data folder"

    def describe_csv(path: str, rows: int = 3) -> str:
        """Describe a CSV file: its columns with their types, the row count and the first rows.

        Args:
            path: the CSV file, e.g. sales.csv (as list_data_files names it).
            rows: how many of the first rows to show.
        """
        columns, data = folder.read(path)
        lines = [f"{path}: {len(data)} rows, {len(columns)} columns"]
        for column in columns:
            values = folder.values(path, column, columns, data)
            kind = column_type(values)
            if kind in ("integer", "number"):
                nums = [n for n in map(number, values) if n is not None]
                lines.append(f"- {column} ({kind}): min {show(min(nums))}, max {show(max(nums))}")
            else:
                distinct = sorted({v for v in values if v.strip()})
                shown = ", ".join(distinct[:SHOWN_VALUES])
                more = f" and {len(distinct) - SHOWN_VALUES} more" if len(distinct) > SHOWN_VALUES \
                    else ""
                lines.append(f"- {column} ({kind}): {len(distinct)} values: {shown}{more}")
        lines.append(f"First {min(rows, len(data))} rows:")
        lines.append(",".join(columns))
        lines += [",".join(row.get(c, "") for c in columns) for row in data[:max(0, rows)]]
        return "\n".join(lines)

    def aggregate(path: str, column: str, how: How, group_by: str = "") -> str:
        """Compute the sum, mean, min, max or count of one column, over all rows or per group.

        Args:
            path: the CSV file, e.g. sales.csv.
            column: the column to compute over (numbers, except for count).
            how: sum, mean, min, max or count (count: the rows with a value in the column).
            group_by: a column to group the rows by (one result per value), or "" for all rows.
        """
        columns, data = folder.read(path)
        values = folder.values(path, column, columns, data)
        keys = folder.values(path, group_by, columns, data) if group_by else [""] * len(data)
        if how != "count" and column_type(values) == "text":
            numeric = [c for c in columns
                       if column_type(folder.values(path, c, columns, data)) != "text"]
            raise ToolError(f"the column {column!r} of {path} holds text, not numbers: use "
                            f"how='count' for it, or a numeric column ({', '.join(numeric)})")
        groups: dict[str, list[str]] = {}
        for key, value in zip(keys, values, strict=True):
            groups.setdefault(key, []).append(value)
        results = {key: compute(how, vals) for key, vals in sorted(groups.items())}
        label = f"{how} of {column}" + (f" by {group_by}" if group_by else "")
        if not group_by:
            return f"{label} in {path}: {results['']} ({len(data)} rows)"
        return f"{label} in {path}:\n" + "\n".join(f"- {key or '(empty)'}: {value}"
                                                  for key, value in results.items())

    return [list_data_files, describe_csv, aggregate]


def compute(how: str, values: list[str]) -> str:
    """One aggregate over the text values of a column, as text."""
    if how == "count":
        return str(sum(bool(v.strip()) for v in values))
    nums = [n for n in map(number, values) if n is not None]
    if not nums:
        return "no values"
    result = {"sum": sum, "min": min, "max": max,
              "mean": lambda xs: sum(xs) / len(xs)}[how](nums)
    return show(round(result, 2))


# -- the agent: the shared core with another first message -----------------------------------
INTRO = """You are a careful data analyst. You answer questions about the CSV files in the \
data folder, and you act only by calling tools, one call per reply. After each call you get the \
tool's result as an Observation; then you decide the next call. When you know the answer, call \
final_answer with it.

Tools:
{tools}

How to work:
- First look: list_data_files names the files, describe_csv shows a file's columns.
- Then compute with aggregate. Pick `how` from the question's words: a total, or "how many" \
of a number column (how many units) -> sum of that column; average -> mean; largest -> max; \
smallest -> min; how many rows or records -> count.
- Never guess a number, and never add numbers up yourself: every number in your answer must \
come from an Observation.
- Call final_answer only after aggregate has given you the number; say what the number is.

Reply with exactly one call, in this form:
{example}
"""

# A worked example on another file (few-shot): look, compute, answer.
DEMO_QUESTION = "What is the average height of the trees in trees.csv?"
DEMO_CSV = "species,height\noak,20\nbirch,15\noak,25\n"  # tests check the observations below
DEMO_STEPS: list[tuple[str, str, dict[str, Any], str]] = [
    ("First I look at the file's columns.", "describe_csv", {"path": "trees.csv"},
     "trees.csv: 3 rows, 2 columns\n- species (text): 2 values: birch, oak\n- height (integer): "
     "min 15, max 25\nFirst 3 rows:\nspecies,height\noak,20\nbirch,15\noak,25"),
    ("The question asks for the average height, so I use how=mean on height.", "aggregate",
     {"path": "trees.csv", "column": "height", "how": "mean"},
     "mean of height in trees.csv: 20 (3 rows)"),
    ("aggregate says the mean is 20.", "final_answer",
     {"answer": "The average height of the trees is 20."}, ""),
]


class DataAssistant(Agent):
    """shared.agent's Agent with the three data tools and a data analyst's first messages."""

    trajectory_kind = "phase5-data"  # its trajectories go to runs/phase5-data/

    def __init__(self, llm: ChatBackend, data_dir: Path = DATA, **options: Any) -> None:
        self.data_dir = Path(data_dir).resolve()
        if not self.data_dir.is_dir():
            raise AgentlabError(f"the data folder {self.data_dir} does not exist: name a folder "
                                "of .csv files with --data")
        options.setdefault("max_steps", MAX_STEPS)
        super().__init__(llm, ToolRegistry(data_tools(self.data_dir) + [final_answer]),
                         **options)

    def initial_messages(self, task: str) -> list[dict[str, Any]]:
        """The one seam this agent overrides: its system prompt and worked example."""
        example = self.fmt.render("First I look at the file.", "describe_csv",
                                  {"path": "sales.csv"})
        messages: list[dict[str, Any]] = [{"role": "system", "content": INTRO.format(
            tools=self.registry.describe(), example=example)}]
        if self.demonstrate:
            messages.append({"role": "user", "content": DEMO_QUESTION})
            for think, name, arguments, observation in DEMO_STEPS:
                messages.append({"role": "assistant",
                                 "content": self.fmt.render(think, name, arguments)})
                if observation:
                    messages.append({"role": "user",
                                     "content": f"Observation (ok):\n{observation}"})
        messages.append({"role": "user", "content": task})
        return messages


def ask(question: str, llm: ChatBackend, data_dir: Path = DATA, *, max_steps: int = MAX_STEPS,
        verbose: bool = False, trajectory_path: Path | None = None,
        **options: Any) -> AgentResult:
    """Answer `question` about the CSV files in `data_dir`; result.answer is the answer."""
    agent = DataAssistant(llm, data_dir, max_steps=max_steps, verbose=verbose, **options)
    return agent.run(question, trajectory_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phase5_planning.data_assistant",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("question")
    parser.add_argument("--data", default=str(DATA), help="the folder of .csv files (default: "
                        "the shipped fixture, phase5_planning/fixtures/data)")
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS)
    parser.add_argument("--quiet", action="store_true", help="print the answer only")
    args = parser.parse_args(argv)
    llm = get_llm(verbose=not args.quiet)
    result = ask(args.question, llm, Path(args.data), max_steps=args.max_steps,
                 verbose=not args.quiet)
    if args.quiet:
        print(result.answer)
    else:
        print(f"\nanswer: {result.answer or '(none)'}\nstop: {result.stop_reason}; "
              f"{result.steps} steps, {result.prompt_tokens + result.completion_tokens} tokens; "
              f"trajectory {result.trajectory}")
    return 0 if result.finished else 1


if __name__ == "__main__":
    from shared.cli import run_main

    sys.exit(run_main(main))
