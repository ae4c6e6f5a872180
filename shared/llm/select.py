"""Choosing a backend from the settings. (Placeholder until the backends land: scripted only.)"""

from __future__ import annotations

from shared.config import Settings, load_settings
from shared.llm.backend import ChatBackend


def get_llm(settings: Settings | None = None, verbose: bool = True) -> ChatBackend:
    raise NotImplementedError("backends are being written")
