"""phase1_tinylm: a small character-level language model from scratch, bigram to transformer."""

import os

# The numpy MLP multiplies small matrices: one BLAS thread is as fast as several on an idle
# machine and many times faster when other programs share the cores (spinning BLAS threads then
# wait for each other). Only a default: set OPENBLAS_NUM_THREADS yourself to override it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
