"""Cutting a long tool output to a token budget: keep the head and the tail, say what was cut.

    cut_middle(text, max_tokens=300, count_text=estimate_tokens,
               see_rest=lambda a, b: f"read_file(path='log.txt', start={a}, end={b}) shows them")
    # ...the first lines...
    # [... 40 lines cut (about 610 tokens) to keep the context small; read_file(...) shows them ...]
    # ...the last lines...

The head of an output holds what a program printed first (a header, a file's imports), the tail
holds what matters most often (the end of a traceback, the last lines of a test run). The marker
between them names the cut lines and how to see them, so the model can ask for exactly those.
"""

from __future__ import annotations

from collections.abc import Callable

HEAD_SHARE = 2 / 3   # of the budget, for the head; the rest for the tail
MARKER_TOKENS = 60   # room kept for the marker line itself


def cut_middle(text: str, max_tokens: int, count_text: Callable[[str], int],
               see_rest: Callable[[int, int], str] | None = None) -> str:
    """`text` if it fits in `max_tokens`, else its first and last lines with a marker between.

    see_rest(first, last) says where the cut lines are and how to see them (given their 1-based
    line numbers in `text`).
    """
    total = count_text(text)
    if total <= max_tokens:
        return text
    lines = text.split("\n")
    room = max(1, max_tokens - MARKER_TOKENS)
    head = take_lines(lines, int(room * HEAD_SHARE), count_text)
    tail = take_lines(lines[len(head):][::-1], room - sum(map(count_text, head)), count_text)[::-1]
    if len(head) + len(tail) >= len(lines):  # nothing to cut after all
        return text
    if not head and not tail:  # one enormous line: cut it by characters instead
        return cut_characters(text, room, total)
    first, last = len(head) + 1, len(lines) - len(tail)
    cut_tokens = total - sum(map(count_text, head + tail))
    where = see_rest(first, last) if see_rest else f"they were lines {first}-{last} of {len(lines)}"
    marker = (f"[... {last - first + 1} lines cut (about {cut_tokens} tokens) to keep the context "
              f"small; {where} ...]")
    return "\n".join(head + [marker] + tail)


def take_lines(lines: list[str], budget: int, count_text: Callable[[str], int]) -> list[str]:
    """The leading lines of `lines` that fit in `budget` tokens (a newline counts as one)."""
    taken: list[str] = []
    used = 0
    for line in lines:
        cost = count_text(line) + 1
        if used + cost > budget:
            break
        taken.append(line)
        used += cost
    return taken


def cut_characters(text: str, budget: int, total: int) -> str:
    """Head and tail by characters, for text without useful line breaks."""
    keep = max(2, int(len(text) * budget / max(total, 1)))
    head, tail = text[: keep * 2 // 3], text[-(keep // 3):]
    cut = len(text) - len(head) - len(tail)
    return f"{head}\n[... {cut} characters cut to keep the context small ...]\n{tail}"
