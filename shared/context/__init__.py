"""The frozen context layer from phase 4: token counting, context strategies, the agent that
keeps every request within a token budget (its tools, search and line-range reads, are in
shared.tools).

Phase 4 built it and teaches it; later phases import it from here and extend it.

    from shared.context import ContextAgent, ContextBudget
    from shared.tools import build_registry
    agent = ContextAgent(get_llm(), build_registry(ws), ContextBudget(4096, 700), "combined",
                         workspace=ws)
    result = agent.run("The /users endpoint returns 500: find and fix it.")
"""

from shared.context.context_agent import (
    CONTEXT_RULES,
    ContextAgent,
    ContextOverflow,
    ContextResult,
    RequestRecord,
)
from shared.context.context_manager import (
    STRATEGIES,
    ContextBudget,
    ContextManager,
    ContextPolicy,
    get_policy,
)
from shared.context.context_plot import context_sizes, plot_context, requests_over_budget
from shared.context.token_count import (
    LlamaCounter,
    PromptCache,
    ReportedCounter,
    TiktokenCounter,
    TokenCounter,
    WordCounter,
    counter_for,
    estimate_tokens,
)
from shared.context.truncation import cut_middle

__all__ = [
    "CONTEXT_RULES", "STRATEGIES", "ContextAgent", "ContextBudget", "ContextManager",
    "ContextOverflow", "ContextPolicy", "ContextResult", "LlamaCounter", "PromptCache",
    "ReportedCounter", "RequestRecord", "TiktokenCounter", "TokenCounter",
    "WordCounter", "context_sizes", "counter_for", "cut_middle",
    "estimate_tokens", "get_policy", "plot_context", "requests_over_budget",
]
