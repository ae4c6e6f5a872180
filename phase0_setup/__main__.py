"""`python -m phase0_setup`: run the doctor (see phase0_setup/doctor.py)."""

import sys

from phase0_setup.doctor import main

sys.exit(main())
