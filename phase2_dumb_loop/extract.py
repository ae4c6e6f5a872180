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
import re
import textwrap
from dataclasses import dataclass

PYTHON_TAGS = {"python", "python3", "py", "py3", "python-repl", "ipython"}
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
MAX_WINDOW_TRIES = 40  # how many start and end lines the no-fence search tries (keeps it cheap)


@dataclass
class CodeBlock:
    """One fenced block: its language tag ("" when none), its text, and whether it was closed."""

    language: str
    code: str
    closed: bool = True


def find_code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block in the text, in order. An unclosed last block runs to the end."""
    lines = text.split("\n")
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i].rstrip("\r"))
        if not opening:
            i += 1
            continue
        fence = opening.group("fence")
        info = opening.group("info").strip()
        language = info.split()[0].lower().strip("{}.") if info else ""
        body: list[str] = []
        j, closed = i + 1, False
        while j < len(lines):
            closing = FENCE.match(lines[j].rstrip("\r"))
            if (
                closing
                and not closing.group("info").strip()
                and closing.group("fence")[0] == fence[0]
                and len(closing.group("fence")) >= len(fence)
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


def _parses(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    # A bare word or number ("Sure", "42") parses as Python but is not a program.
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
        for node in tree.body
    )


def _code_without_fences(text: str) -> str | None:
    """The largest run of lines that parses as a Python program, or None (prose only)."""
    lines = text.split("\n")
    n = len(lines)
    for start in range(min(n, MAX_WINDOW_TRIES)):
        if not lines[start].strip():
            continue
        for end in range(n, max(start, n - MAX_WINDOW_TRIES), -1):
            chunk = remove_stray_indent("\n".join(lines[start:end])).strip("\n")
            if chunk.strip() and _parses(chunk):
                return chunk
    return None


def _merge(blocks: list[str]) -> str:
    """Several blocks of one language: drop those repeated inside another, join the rest."""
    kept = [b for b in blocks if b.strip()]
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
