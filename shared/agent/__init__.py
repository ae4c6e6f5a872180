"""The frozen agent core from phase 3: the tool interface, action formats, guardrails and the loop
(the tools themselves are in shared.tools).

Phase 3 built it and teaches it; later phases import it from here and extend it (subclass
`Agent`, add tools to a `ToolRegistry`), never copy it.

    from shared.agent import Agent, ToolRegistry, final_answer
    from shared.tools import workspace_tools
    agent = Agent(get_llm(), ToolRegistry(workspace_tools(ws) + [final_answer]))
    result = agent.run("Fix broken.py")
"""

from shared.agent.action_formats import FORMATS, ActionFormat, final_answer, get_format
from shared.agent.actions import Action, ParseError, parse_json_action, parse_tag_action
from shared.agent.guardrails import (
    Approver,
    RepeatDetector,
    ShellPolicy,
    approve_all,
    ask_in_terminal,
    deny_risky,
)
from shared.agent.loop import DEFAULT_FORMAT, MAX_STEPS, Agent, AgentResult, run_agent
from shared.agent.paths import PathRefused, inside_workspace
from shared.agent.registry import Observation, ToolError, ToolRegistry, truncate
from shared.agent.tool_schema import tool_schema

__all__ = [
    "DEFAULT_FORMAT", "FORMATS", "MAX_STEPS", "Action", "ActionFormat", "Agent", "AgentResult",
    "Approver", "Observation", "ParseError", "PathRefused", "RepeatDetector", "ShellPolicy",
    "ToolError", "ToolRegistry", "approve_all", "ask_in_terminal", "deny_risky", "final_answer",
    "get_format", "inside_workspace", "parse_json_action", "parse_tag_action", "run_agent",
    "tool_schema", "truncate",
]
