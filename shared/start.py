"""`make start`: check the set-up, say where we left off, then run the current phase's milestone.

The milestone runs on the configured backend; with no server, that is the embedded model. A
phase that is not built yet has no milestone: `make start` says so, names the built parts to
work on meanwhile, and succeeds.
"""

from __future__ import annotations

import subprocess
import sys

from shared.cli import run_main


def main() -> int:
    from shared import progress

    repo = progress.course_dir()
    print("== 1. Doctor (quick)")
    # Every phase is reached through its Makefile, the same door a learner uses.
    subprocess.run(["make", "--no-print-directory", "-C", str(repo / "phase0_setup"), "quick"])

    print("\n== 2. Where did we leave off?")
    print(progress.where_we_left_off())

    phase = progress.current_phase()
    print(f"\n== 3. The current milestone: make -C {phase} run")
    if not progress.phase_is_built(phase):
        print(f"Nothing to run: {phase} is not built yet. Section 2 above names the built parts "
              "to work on meanwhile (`make next FOLDER` switches to one).")
        return 0
    return subprocess.run(["make", "--no-print-directory", "-C", str(repo / phase), "run"]).returncode


if __name__ == "__main__":
    sys.exit(run_main(main))
