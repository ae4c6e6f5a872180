"""Running totals of calls, tokens, latency and cost: the 'what did that cost me' lesson."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.llm.types import ChatResult

# US dollars per million tokens (input, output) for hosted models a learner may point at.
# Local models (Ollama, embedded, a local vLLM) cost nothing per token.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
}


@dataclass
class UsageTracker:
    """Adds up every ChatResult a backend returns."""

    calls: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    prices: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(PRICES_PER_MTOK))

    def record(self, result: ChatResult) -> None:
        self.calls += 1
        self.prompt_tokens += result.usage.prompt_tokens
        self.completion_tokens += result.usage.completion_tokens
        self.latency_s += result.latency_s
        price_in, price_out = self.prices.get(result.model, (0.0, 0.0))
        self.cost_usd += (
            result.usage.prompt_tokens * price_in + result.usage.completion_tokens * price_out
        ) / 1e6

    def summary(self) -> str:
        """One line for logs and notebooks."""
        return (
            f"{self.calls} calls, {self.retries} retries, {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion tokens, {self.latency_s:.1f} s, ${self.cost_usd:.4f}"
        )
