"""Getting the program out of a model's reply.

Models wrap code in Markdown fences most of the time, but not always the same way:

    ```python            ```               ~~~py          Here is the code:
    print(1)             print(1)          print(1)       for i in range(3):
    ```                  ```               ~~~                print(i)

Sometimes there are several blocks (a `pip install` in bash, then the program), sometimes the
reply was cut off before the closing fence, sometimes a list item indents the whole block.
`extract_code(reply)` returns the program, or None when the reply holds no code at all.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

PYTHON_TAGS = {"python", "python3", "py", "py3", "python-repl", "ipython"}
MAX_WINDOW_TRIES = 40  # how many start and end lines the no-fence search tries (keeps it cheap)
PARSE_BUDGET = 64  # the no-fence search hands Python's parser at most 64 times the reply's length
MAX_COMPARED_BLOCKS = 20  # fenced blocks compared pair by pair for repeats (replies have a few)


@dataclass
class CodeBlock:
    """One fenced block: its language tag ("" when none), its text, and whether it was closed."""

    language: str
    code: str
    closed: bool = True


def fence_line(line: str) -> tuple[str, str] | None:
    """(fence, info) when `line` is a fence line such as "  ```python" -> ("```", "python"),
    else None. A fence is 3 or more backticks or tildes; the info after it has no backtick."""
    stripped = line.lstrip(" \t")
    char = stripped[:1]
    if char not in ("`", "~"):
        return None
    rest = stripped.lstrip(char)
    fence = stripped[: len(stripped) - len(rest)]
    if len(fence) < 3 or "`" in rest:
        return None
    return fence, rest.strip(" \t")


def find_code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block in the text, in order. An unclosed last block runs to the end."""
    lines = text.split("\n")
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        opening = fence_line(lines[i].rstrip("\r"))
        if not opening:
            i += 1
            continue
        fence, info = opening
        info = info.strip()
        language = info.split()[0].lower().strip("{}.") if info else ""
        body: list[str] = []
        j, closed = i + 1, False
        while j < len(lines):
            closing = fence_line(lines[j].rstrip("\r"))
            if (
                closing
                and not closing[1].strip()
                and closing[0][0] == fence[0]
                and len(closing[0]) >= len(fence)
            ):
                closed = True
                break
            body.append(lines[j])
            j += 1
        blocks.append(CodeBlock(language, "\n".join(body), closed))
        i = j + 1
    return blocks


def remove_stray_indent(code: str) -> str:
    """Dedent a block whose every line is indented (a block inside a Markdown list).

    Code with no common indentation comes back exactly as it was.
    """
    lines = [line for line in code.split("\n") if line.strip()]
    if lines and all(line[:1] in (" ", "\t") for line in lines):
        return textwrap.dedent(code)
    return code


def _try_parse(code: str) -> tuple[str, int]:
    """("program", 0) when `code` is a Python program; ("words", 0) when it parses but is only
    bare words or numbers ("Sure", "42"), which is not a program; else ("error", the line of the
    syntax error from 1, or 0 when it has none)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        return "error", max(err.lineno or 0, 0)
    except (ValueError, MemoryError, RecursionError):
        return "error", 0
    if any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
           for node in tree.body):
        return "program", 0
    return "words", 0


def _flush_lines(lines: list[str]) -> list[int]:
    """For each line, the index of the first line from there on that is not blank and not
    indented (len(lines) when none): a run of lines that holds one is never dedented."""
    following = [len(lines)] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        flush = lines[i].strip() and lines[i][:1] not in (" ", "\t")
        following[i] = i if flush else following[i + 1]
    return following


def _code_without_fences(text: str) -> str | None:
    """The largest run of lines that parses as a Python program, or None (prose only).

    Start lines are tried from the top and, for each, end lines from the bottom. Two shortcuts
    skip runs that would fail anyway, for runs that are not dedented (they hold a line that is
    not indented): a syntax error on line e means every longer run from this start that still
    holds line e fails too, so the next end tried is e; and a run that parses but is no program
    (bare words) has no shorter run that is one. The parser is handed at most PARSE_BUDGET times
    the reply's length in all, so the search stays linear whatever the reply.
    """
    lines = text.split("\n")
    n = len(lines)
    flush_from = _flush_lines(lines)
    budget = PARSE_BUDGET * len(text)
    for start in range(min(n, MAX_WINDOW_TRIES)):
        if not lines[start].strip():
            continue
        flush = flush_from[start]  # runs that end after this line are parsed as they are
        lowest = max(start, n - MAX_WINDOW_TRIES)
        end = n
        while end > lowest:
            chunk = remove_stray_indent("\n".join(lines[start:end])).strip("\n")
            budget -= len(chunk)
            if budget < 0:
                return None
            outcome, error_line = _try_parse(chunk)
            if outcome == "program":
                return chunk
            if end > flush and outcome == "words":
                end = flush
            elif end > flush and error_line > 0:
                end = max(min(end - 1, start + error_line - 1), flush)
            else:
                end -= 1
    return None


def _merge(blocks: list[str]) -> str:
    """Several blocks of one language: drop those repeated inside another, join the rest.
    Comparing every pair costs the square of their number, so beyond MAX_COMPARED_BLOCKS
    blocks only exact repeats are dropped."""
    kept = [b for b in blocks if b.strip()]
    if len(kept) > MAX_COMPARED_BLOCKS:
        return "\n\n".join(dict.fromkeys(kept))  # the first of each, in order
    unique = [
        b for i, b in enumerate(kept)
        if not any(j != i and b.strip() in other and (len(other) > len(b) or j < i)
                   for j, other in enumerate(kept))
    ]
    return "\n\n".join(unique)


def extract_code(text: str) -> str | None:
    """The Python program in a model's reply, or None when there is none.

    1. Fenced blocks tagged python (or py, python3...): all of them, joined in order.
    2. Else untagged fenced blocks, the same way.
    3. Else, with no fences at all, the largest run of lines that parses as Python.
    Blocks in other languages (bash, json, text) are never returned as the program.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        blocks = find_code_blocks(text)
        if blocks:
            for wanted in (lambda b: b.language in PYTHON_TAGS, lambda b: b.language == ""):
                chosen = [remove_stray_indent(b.code) for b in blocks if wanted(b)]
                merged = _merge(chosen)
                if merged.strip():
                    return merged
            return None  # only other languages: no program here
        return _code_without_fences(text)
    except RecursionError:  # absurdly nested input: say there is no code rather than crash
        return None
