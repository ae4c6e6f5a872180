"""How many CPU threads a compute-heavy job should use on this machine.

Measured on the 2-core machines this project is built on: when more runnable processes than
cores compete, matrix-product threads that wait for each other cost more than they bring
(one training step ran 5x faster with 1 thread than with 2 on a loaded machine). So a busy
machine gets one thread per process; an idle one gets its cores shared among the processes.
"""
from __future__ import annotations

import os


def machine_is_busy() -> bool:
    """True when the 1-minute load average already reaches the number of cores."""
    if not hasattr(os, "getloadavg"):
        return False
    return os.getloadavg()[0] >= (os.cpu_count() or 1)


def cpu_threads(requested: int = 0, processes: int = 1) -> int:
    """`requested` if > 0; else 1 on a busy machine; else the cores divided among `processes`."""
    if requested > 0:
        return requested
    if machine_is_busy():
        return 1
    return max(1, (os.cpu_count() or 1) // max(1, processes))
