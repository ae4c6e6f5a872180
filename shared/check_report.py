"""The pass/fail report every phase's `make check` prints, and the history entry on success."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class CheckLine:
    name: str
    passed: bool
    detail: str = ""
    next_action: str = ""  # what to do when it failed, in one sentence
    counts: bool = True    # False: reported for information, not part of the verdict


@dataclass
class CheckReport:
    """Collects the definition-of-done checks of one phase, prints them, records a pass."""

    phase: str
    title: str
    lines: list[CheckLine] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "", next_action: str = "") -> bool:
        self.lines.append(CheckLine(name, bool(passed), detail, next_action))
        return bool(passed)

    def note(self, name: str, detail: str) -> None:
        """A line shown as [INFO]: something measured and reported that does not decide the verdict."""
        self.lines.append(CheckLine(name, True, detail, counts=False))

    @property
    def checks(self) -> list[CheckLine]:
        return [line for line in self.lines if line.counts]

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(line.passed for line in self.checks)

    def render(self) -> str:
        width = max((len(line.name) for line in self.lines), default=10)
        out = [f"{self.phase}: {self.title}", "-" * (width + 40)]
        for line in self.lines:
            mark = "INFO" if not line.counts else "PASS" if line.passed else "FAIL"
            out.append(f"[{mark}] {line.name.ljust(width)}  {line.detail}")
            if not line.passed and line.next_action:
                out.append(f"       -> {line.next_action}")
        verdict = "PASSED" if self.passed else "FAILED"
        failed = sum(not line.passed for line in self.checks)
        out.append("-" * (width + 40))
        out.append(f"{verdict}: {len(self.checks) - failed} of {len(self.checks)} checks passed")
        return "\n".join(out)

    def finish(self, record: bool = True) -> int:
        """Print the report; on success record the milestone in history.md. Returns an exit code."""
        print(self.render())
        if self.passed and record:
            from shared.progress import ProgressFileError, record_milestone

            details = [f"{line.name}: {line.detail}" for line in self.lines]
            try:
                notes = record_milestone(self.phase, self.title, details)
            except ProgressFileError as err:
                print(f"The checks passed, but the milestone was not recorded: {err}")
                return 1
            print(f"Recorded the milestone: {self.phase} {self.title}")
            print("\n".join(notes))  # where it was logged, the step it ticked, the phase now current
        return 0 if self.passed else 1


def exit_with(report: CheckReport) -> None:
    sys.exit(report.finish())
