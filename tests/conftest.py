"""Session-wide test set-up: keep the learner's files and run folders out of the tests' reach,
and load the embedded model once for the few live tests."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Environment variables, so that subprocesses and notebook kernels inherit them too.
    # The learner's progress (`progress/` in the repository) is never read nor written by a test:
    # every test, and every `make check` a test starts, logs into this empty folder instead. It
    # is made from the course's LearningPlan.md and history.md on first use, which are only read.
    scratch = Path(tempfile.mkdtemp(prefix="agentlab-tests-"))
    os.environ["AGENTLAB_PROGRESS_DIR"] = str(scratch / "progress")
    os.environ.pop("AGENTLAB_COURSE_DIR", None)
    os.environ["AGENTLAB_RUNS"] = str(scratch / "runs")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    config._agentlab_scratch = scratch  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    scratch = getattr(config, "_agentlab_scratch", None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded_llm():
    """The real embedded model (Qwen2.5-Coder-0.5B by default), loaded once per test session."""
    from shared.config import load_settings
    from shared.llm import get_llm

    return get_llm(load_settings(backend="embedded"), verbose=False)


def _slowdown(function, make_input, n: int, repeats: int = 7) -> float:
    """How many times more CPU time `function` takes on an input 8 times larger: the best of
    `repeats` runs of each. CPU time of this thread, not the clock: other programs on a busy
    machine do not count. A scaling check for parsers, never a speed target."""
    small, large = make_input(n), make_input(8 * n)
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for which, argument in enumerate((small, large)):
            start = time.thread_time()
            function(argument)
            best[which] = min(best[which], time.thread_time() - start)
    return best[1] / max(best[0], 1e-6)


@pytest.fixture
def slowdown():
    """`slowdown(function, make_input, n)`: CPU time on 8n over CPU time on n (linear ~8)."""
    return _slowdown
