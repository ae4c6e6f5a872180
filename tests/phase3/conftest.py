"""Fixtures for phase3's tests: a fresh workspace and its tool registry."""

from __future__ import annotations

import pytest

from phase3_tools.tasks import build_registry


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def registry(workspace):
    return build_registry(workspace)
