"""The phase 5 techniques, each switchable, so that a benchmark can measure what each one buys.

    Techniques()                                  # everything on
    Techniques(plan=False)                        # one technique off (an ablation)
    ABLATIONS["no_best_of"]                       # the named variants a benchmark runs
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Techniques:
    """plan: a numbered plan first, kept as state, revised when a step fails.
    self_tests: tests from the task's docstring examples, and the agent must write tests of its
        own before it may finish.
    best_of: after repeated failing test runs, sample this many whole versions of the file and
        keep the one the tests prefer (1: off).
    verified_finish: final_answer is refused until the tests pass (or a run checked the work)."""

    plan: bool = True
    self_tests: bool = True
    best_of: int = 3
    verified_finish: bool = True

    @property
    def name(self) -> str:
        """A short label: "all", "none", or the techniques that are off ("no_plan+no_best_of")."""
        off = [f"no_{k}" for k, v in asdict(self).items() if v is False]
        off += ["no_best_of"] if self.best_of <= 1 else []
        if not off:
            return "all"
        return "none" if len(off) == len(asdict(self)) else "+".join(off)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


ALL = Techniques()
NONE = Techniques(plan=False, self_tests=False, best_of=1, verified_finish=False)
ABLATIONS: dict[str, Techniques] = {
    "all": ALL,
    "no_plan": replace(ALL, plan=False),
    "no_self_tests": replace(ALL, self_tests=False),
    "no_best_of": replace(ALL, best_of=1),
    "no_verified_finish": replace(ALL, verified_finish=False),
    "none": NONE,
}
