"""The frozen planner from phase 5: a context agent that writes a plan and keeps it as state,
tests its own work and may finish only when the work is verified.

Phase 5 built it and teaches it; later phases import it from here and extend it.

    from shared.planning import run_planning_agent
    result = run_planning_agent(get_llm(), "Create calculator.py ... all tests pass.", ws)
    result.finished, result.verified, result.plan_steps
"""

from shared.planning.planning import Plan, PlanStep, parse_plan_lines
from shared.planning.planning_agent import (
    PlanningAgent,
    PlanningResult,
    planning_registry,
    run_planning_agent,
)
from shared.planning.techniques import ABLATIONS, Techniques

__all__ = [
    "ABLATIONS", "Plan", "PlanStep", "PlanningAgent", "PlanningResult", "Techniques",
    "parse_plan_lines", "planning_registry", "run_planning_agent",
]
