"""Fixtures for the LLM layer's tests: a fake Ollama server speaking Ollama's wire format, and a
real OpenAI-compatible server (`python -m llama_cpp.server`) serving the embedded model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so the tests can `import llm_fakes`

from llm_fakes import FakeOllama, TricklingServer, free_port  # noqa: E402


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    server = FakeOllama()
    yield server
    server.stop()


@pytest.fixture
def trickling() -> Iterator[type[TricklingServer]]:
    """Start TricklingServers with `trickling(body, ...)`; all are stopped after the test."""
    servers: list[TricklingServer] = []

    def start(*args, **kwargs) -> TricklingServer:
        servers.append(TricklingServer(*args, **kwargs))
        return servers[-1]

    yield start  # type: ignore[misc]
    for server in servers:
        server.stop()


@pytest.fixture
def no_sleep() -> list[float]:
    """A list that a backend's fake `sleep` appends its delays to (no real waiting)."""
    return []


# A real OpenAI-compatible server ------------------------------------------------------------


def _embedded_model_file() -> Path | None:
    from shared.model_files import find_model

    found = find_model()
    return found[1] if found else None


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """`python -m llama_cpp.server` serving the embedded model; yields its /v1 base URL."""
    model = _embedded_model_file()
    if model is None:
        pytest.skip("the embedded model is not assembled yet (run `make setup`)")
    port = free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--model_alias", "local-model"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with code {proc.returncode} before answering")
            try:
                with urllib.request.urlopen(base + "/models", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
