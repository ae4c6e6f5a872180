"""`python -m phase0_setup`: run the doctor (shared/doctor.py, frozen from this phase; the same as
`agentlab doctor`)."""

import sys

from shared.cli import run_main
from shared.doctor import main

sys.exit(run_main(lambda: main(prog="python -m phase0_setup")))
