"""Trajectories: what an agent did, one JSON object per line, written as it happens.

    with Trajectory(new_trajectory_path("phase2", "print 1 to 10"), meta={"model": "x"}) as traj:
        traj.log("llm_reply", content="...", tokens=42)

Each line is {"t": seconds since start, "kind": ..., **fields}. The first line is
{"kind": "start", "meta": {...}, "started_at": ISO time}; close() adds {"kind": "end"}.
Every line is flushed (and fsync'ed) as soon as it is written, so a crash loses at most the
line being written and the file can be read while the agent runs (`tail -f`).
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def runs_root() -> Path:
    """Where run outputs go: $AGENTLAB_RUNS, else <repo>/runs."""
    return Path(os.environ.get("AGENTLAB_RUNS") or REPO / "runs")


def slugify(label: str, max_len: int = 40) -> str:
    """'Print the numbers 1 to 10!' -> 'print-the-numbers-1-to-10'."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "run"


def new_trajectory_path(phase: str, label: str) -> Path:
    """<runs>/<phase>/<YYYYmmdd-HHMMSS>-<slug>.jsonl; a suffix keeps two runs in one second apart."""
    folder = runs_root() / phase
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now():%Y%m%d-%H%M%S}-{slugify(label)}"
    path, n = folder / f"{stem}.jsonl", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.jsonl"
    return path


def _jsonable(value: Any) -> Any:
    """Fallback for json.dumps: paths and other objects become strings."""
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return repr(value)


class Trajectory:
    """A JSON-lines event log. Use as a context manager, or call close()."""

    def __init__(self, path: Path, meta: dict | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._start = time.perf_counter()
        self._file = self.path.open("a", encoding="utf-8")
        self.log("start", meta=meta or {}, started_at=datetime.now().isoformat(timespec="seconds"))

    def log(self, kind: str, **fields: Any) -> None:
        """Append one event: {"t": seconds since start, "kind": kind, **fields}."""
        if self._file.closed:
            raise ValueError(f"trajectory {self.path} is closed")
        event = {"t": round(time.perf_counter() - self._start, 3), "kind": kind, **fields}
        self._file.write(json.dumps(event, default=_jsonable, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.log("end")
            self._file.close()

    def __enter__(self) -> Trajectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trajectory(path: Path) -> list[dict[str, Any]]:
    """All events of a trajectory file (a half-written last line is skipped)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
