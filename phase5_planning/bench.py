"""`make bench` of phase 5: every agent generation on the benchmark (runs/bench/phase5.json).

The benchmark, its harness and this command were frozen into shared.bench when phase 5 was
finished, so that later phases and other entry points run the same code; the options are
documented there:

    python -m phase5_planning.bench --generations=plain,phase5 --track=function --limit=5
"""

import sys

from shared.bench.command import main
from shared.cli import run_main

if __name__ == "__main__":
    sys.exit(run_main(main))
