"""What each agent is told: only the context its job needs, never the whole history.

    coder_brief(goal, subtask, done, feedback, tests)     # the coder: its subtask, the goal for
                                                          # context, what is done, the feedback
    review_brief(goal, subtask, summary, changed, last)   # the reviewer: the subtask, the goal,
                                                          # the coder's one-sentence summary and
                                                          # the files it changed

Neither sees the other's conversation (its tool calls, observations, earlier attempts): a small
model's context is short (8K tokens for the embedded one) and every token of someone else's
history is a token less for its own work. What crosses between them is what a person would
pass on: the coder's summary and the list of changed files (measured, not claimed: the
orchestrator compares the workspace before and after), and the reviewer's feedback.
"""

from __future__ import annotations

FEEDBACK_CHARS = 1500    # of the reviewer's feedback passed to the coder
SUMMARY_CHARS = 400      # of the coder's summary passed to the reviewer


def cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " [...]"


def coder_brief(goal: str, subtask: str, done: list[str], feedback: str = "",
                tests: list[str] | None = None) -> str:
    """The coder's task message for one attempt at `subtask`."""
    if subtask.strip() == goal.strip():
        parts = [f"Your task: {goal}"]
    else:
        parts = [f"Your subtask: {subtask}",
                 f"It is one part of this goal (for context; do only your subtask):\n{goal}"]
    if done:
        parts.append("Already done and approved:\n" + "\n".join(f"- {d}" for d in done))
    if tests:
        parts.append(f"The reviewer will run the tests in {', '.join(tests)}; you cannot run "
                     "them yourself.")
    if feedback.strip():
        parts.append("The reviewer rejected your last attempt and said:\n"
                     f"{cut(feedback, FEEDBACK_CHARS)}\nFix exactly that, then call final_answer.")
    return "\n\n".join(parts)


def review_brief(goal: str, subtask: str, summary: str, changed: list[str],
                 last: bool = False) -> str:
    """The reviewer's task message for the coder's latest attempt at `subtask`."""
    parts = [f"Review the coder's work on this subtask: {subtask}"]
    if subtask.strip() != goal.strip():
        parts.append(f"The goal it is part of: {goal}")
    parts.append(f"The coder says: {cut(summary, SUMMARY_CHARS) or '(nothing)'}\n"
                 f"Files it changed: {', '.join(changed) if changed else 'none'}")
    if last and subtask.strip() != goal.strip():
        parts.append("This is the last subtask: check that the whole goal is met.")
    parts.append("Run the tests, read what you need, then call final_answer with APPROVE, or "
                 "REJECT: what is wrong and how to fix it.")
    return "\n\n".join(parts)
