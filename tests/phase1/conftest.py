"""Fixtures for phase 1: a small fixed text, so tests do not depend on the stdlib corpus's size."""

from __future__ import annotations

import numpy as np
import pytest

import phase1_tinylm  # noqa: F401  (sets the one-BLAS-thread default before numpy is used)

TEXT = (
    "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return a + b\n\n"
    "def mul(a, b):\n    \"\"\"Return the product of a and b.\"\"\"\n    return a * b\n\n"
    "class Counter:\n    def __init__(self):\n        self.count = 0\n\n"
    "    def tick(self):\n        self.count += 1\n        return self.count\n\n"
) * 12


@pytest.fixture(scope="session")
def tiny_text() -> str:
    return TEXT


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """(tokenizer, train ids, val ids) of TEXT, split 90/10."""
    from phase1_tinylm.data import CharTokenizer, split_text

    train, val = split_text(TEXT)
    tok = CharTokenizer.from_text(train)
    return tok, np.array(tok.encode(train)), np.array(tok.encode(val))


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests share the cores with other test processes: one torch thread is faster there."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
