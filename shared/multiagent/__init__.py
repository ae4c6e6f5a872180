"""The frozen multi-agent team of phase 6: a planner (no tools), a coder (files and execution,
no tests) and a reviewer (reads, searches, runs the tests; no edits), all configurations of the
shared agent core, routed by an orchestrator that logs every message between them.

    from shared.multiagent import run_team, read_messages, coordination_failures, plot_timeline
    result = run_team(get_llm(), "Create words.py ... all tests pass.", Path("ws"))
    messages = read_messages(result.message_log)
    coordination_failures(messages, passed=False), plot_timeline(messages)
"""

from shared.multiagent.briefs import coder_brief, review_brief
from shared.multiagent.coordination import (
    KINDS,
    CoordinationFailure,
    coordination_failures,
    count_kinds,
)
from shared.multiagent.message_log import (
    MessageLog,
    describe_message,
    message_log_path,
    read_messages,
)
from shared.multiagent.orchestrator import Orchestrator, TeamResult, run_team
from shared.multiagent.planner import PlannerReply, make_plan, make_replan
from shared.multiagent.roles import Coder, Reviewer, coder_registry, reviewer_registry
from shared.multiagent.timeline import plot_timeline, timeline_text
from shared.multiagent.verdict import Verdict, VerdictUnreadable, parse_verdict

__all__ = [
    "KINDS", "Coder", "CoordinationFailure", "MessageLog", "Orchestrator", "PlannerReply",
    "Reviewer", "TeamResult", "Verdict", "VerdictUnreadable", "coder_brief", "coder_registry",
    "coordination_failures", "count_kinds", "describe_message", "make_plan", "make_replan",
    "message_log_path", "parse_verdict", "plot_timeline", "read_messages", "review_brief",
    "reviewer_registry", "run_team", "timeline_text",
]
