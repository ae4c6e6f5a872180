"""The one base class for errors a learner can fix.

An `AgentlabError`'s message is one plain sentence that says what went wrong and what to do
next. Command-line entry points wrap their `main` in `shared.cli.run_main`, which prints that
sentence instead of a traceback.
"""

from __future__ import annotations


class AgentlabError(Exception):
    """An error with a message meant for the learner (no traceback needed to act on it)."""
