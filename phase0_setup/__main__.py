"""`python -m phase0_setup`: run the doctor (see phase0_setup/doctor.py)."""

import sys

from phase0_setup.doctor import main
from shared.cli import run_main

sys.exit(run_main(main))
