"""`make start`: check the set-up, say where we left off, then run the current phase's milestone.

The milestone runs on the configured backend; with no server, that is the embedded model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from shared import progress

    print("== 1. Doctor (quick)")
    # Every phase is reached through its Makefile, the same door a learner uses.
    subprocess.run(["make", "--no-print-directory", "-C", str(REPO / "phase0_setup"), "quick"])

    print("\n== 2. Where did we leave off?")
    print(progress.where_we_left_off())

    phase = progress.current_phase()
    folder = REPO / phase
    print(f"\n== 3. The current milestone: make -C {phase} run")
    if not (folder / "Makefile").is_file():
        print(f"{phase} has no Makefile yet: nothing to run.")
        return 1
    return subprocess.run(["make", "--no-print-directory", "-C", str(folder), "run"]).returncode


if __name__ == "__main__":
    sys.exit(main())
