"""The doctor (frozen from phase 0 into shared/doctor.py): each check with fakes, the table, the
definition of done, one live round trip."""

from __future__ import annotations

import importlib.metadata
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from phase0_setup.fake_ollama import FakeOllama
from shared import doctor, progress
from shared.config import load_settings
from shared.doctor import FAIL, PASS, WARN, Finding
from shared.llm import BackendUnavailable, ChatResult, ScriptedBackend, Usage


def closed_port_url() -> str:
    """A URL on which nothing listens (a port we bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_python_check_marks_old_versions_and_no_venv() -> None:
    ok = doctor.check_python((3, 11, 7), prefix="/repo/.venv", base_prefix="/usr")
    assert [(f.name, f.mark) for f in ok] == [("python", PASS), ("virtual environment", PASS)]
    old = doctor.check_python((3, 10, 12), prefix="/usr", base_prefix="/usr")
    assert [f.mark for f in old] == [FAIL, WARN]
    assert "3.11" in old[0].next_action and ".venv" in old[1].next_action


def test_package_check_reports_missing_old_and_unpinned() -> None:
    versions = {"torch": "2.12.0", "numpy": "1.20.0", "requests": "2.32.0", "ollama": "0.6.0",
                "openai": "1.50.0", "sentence-transformers": "3.1.0", "tiktoken": "0.8.0"}

    def version_of(dist: str) -> str:
        if dist not in versions:
            raise importlib.metadata.PackageNotFoundError(dist)
        return versions[dist]

    marks = {f.name: (f.mark, f.detail) for f in doctor.check_packages(version_of)}
    assert marks["llama_cpp"] == (FAIL, "not installed")
    assert marks["numpy"][0] == FAIL and "older than 1.26" in marks["numpy"][1]
    assert marks["torch"][0] == FAIL  # 2.12 is below the pinned 2.13.0
    assert marks["requests"] == (PASS, "2.32.0")
    versions["torch"] = "2.14.0"
    torch_line = next(f for f in doctor.check_packages(version_of) if f.name == "torch")
    assert torch_line.mark == WARN and "2.13.0" in torch_line.detail


def test_ollama_check_against_a_fake_server_and_a_closed_port() -> None:
    with FakeOllama() as server:
        found = doctor.check_ollama(load_settings(ollama_host=server.url))
        assert found.mark == PASS and "has qwen2.5-coder:7b-instruct-q4_K_M" in found.detail
        missing = doctor.check_ollama(load_settings(ollama_host=server.url, model="llama3:8b"))
        assert missing.mark == WARN and missing.next_action == "run `ollama pull llama3:8b`"
    url = closed_port_url()
    optional = doctor.check_ollama(load_settings(ollama_host=url, backend="auto"))
    assert optional.mark == WARN and "not running" in optional.detail
    required = doctor.check_ollama(load_settings(ollama_host=url, backend="ollama"))
    assert required.mark == FAIL and "ollama serve" in required.next_action


def test_openai_server_check_with_a_fake_get() -> None:
    def answers(url: str, **kwargs: object) -> SimpleNamespace:
        assert url == "http://localhost:8000/v1/models" and kwargs["timeout"] == 1.0
        return SimpleNamespace(raise_for_status=lambda: None,
                               json=lambda: {"data": [{"id": "qwen-0.5b"}]})

    assert doctor.check_openai_server(load_settings(), get=answers).mark == PASS
    url = closed_port_url()
    assert doctor.check_openai_server(load_settings(openai_base_url=url)).mark == PASS
    required = doctor.check_openai_server(load_settings(openai_base_url=url, backend="openai"))
    assert required.mark == FAIL and "OPENAI_BASE_URL" in required.next_action


def test_model_file_check_on_an_empty_cache(tmp_path: Path) -> None:
    [found] = doctor.check_model_file(load_settings(cache_dir=str(tmp_path)), full=False)
    assert found.mark == FAIL and "missing" in found.detail and "make setup" in found.next_action


def test_round_trip_measures_tokens_per_second() -> None:
    reply = ChatResult("1 2 3 4 5", usage=Usage(12, 10), backend="embedded", model="fake-0.5b")
    found = doctor.check_round_trip(load_settings(), llm=ScriptedBackend([reply]))
    assert found.mark == PASS and "embedded (fake-0.5b)" in found.detail
    assert "10 tokens in" in found.detail and "tokens/s" in found.detail

    scripted = doctor.check_round_trip(load_settings(), llm=ScriptedBackend(["hi there"]))
    assert scripted.mark == WARN and "scripted" in scripted.next_action

    down = BackendUnavailable("Ollama is not running at http://localhost:11434",
                              "start it with `ollama serve`, or choose the embedded backend")
    failed = doctor.check_round_trip(load_settings(), llm=ScriptedBackend([down]))
    assert failed.mark == FAIL and failed.next_action.startswith("start it with `ollama serve`")

    def slow(messages: list) -> ChatResult:
        time.sleep(0.5)
        return ChatResult("1", usage=Usage(12, 1), backend="embedded")

    crawling = doctor.check_round_trip(load_settings(), llm=ScriptedBackend(slow))
    assert crawling.mark == WARN and "(slow)" in crawling.detail and "busy" in crawling.next_action

    empty = ChatResult("", usage=Usage(12, 0), backend="embedded")
    assert doctor.check_round_trip(load_settings(), llm=ScriptedBackend([empty])).mark == FAIL


def test_gpu_check_with_fake_torch() -> None:
    cuda = SimpleNamespace(is_available=lambda: True, device_count=lambda: 2,
                           get_device_name=lambda i: "NVIDIA H100")
    found = doctor.check_gpu(SimpleNamespace(cuda=cuda, backends=SimpleNamespace()))
    assert found.mark == PASS and "NVIDIA H100 (2 in all)" in found.detail
    no_cuda = SimpleNamespace(is_available=lambda: False)
    mps = SimpleNamespace(is_available=lambda: True)
    assert "MPS" in doctor.check_gpu(SimpleNamespace(cuda=no_cuda, backends=SimpleNamespace(mps=mps))).detail
    cpu = doctor.check_gpu(SimpleNamespace(cuda=no_cuda, backends=SimpleNamespace()))
    assert cpu.mark == PASS and "CPU only" in cpu.detail


FINDINGS = [
    Finding("python", PASS, "3.11.7"),
    Finding("numpy", PASS, "2.4.6"),
    Finding("ollama server", WARN, "not running at http://localhost:11434 (optional)",
            "optional: install Ollama"),
    Finding("model file", PASS, "qwen2.5-coder-0.5b: 491 MB"),
    Finding("chat round trip", FAIL, "llama.cpp could not load the file",
            "delete it and run `make setup` again"),
]


def test_table_has_a_mark_per_line_and_an_action_per_problem() -> None:
    table = doctor.render_table(FINDINGS)
    lines = table.splitlines()
    for f in FINDINGS:
        [line] = [ln for ln in lines if ln.startswith(f"[{f.mark}] {f.name} ")]
        assert f.detail in line
    assert "-> optional: install Ollama" in table
    assert "-> delete it and run `make setup` again" in table
    assert lines[-1] == "3 PASS, 1 WARN, 1 FAIL: not ready: fix the FAIL lines"
    assert doctor.render_table(FINDINGS[:4]).splitlines()[-1].endswith(": ready")


def test_check_fails_without_recording_and_passes_with_a_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "history.md").write_text(progress.HISTORY_HEADER)
    monkeypatch.setenv("AGENTLAB_PROGRESS_DIR", str(tmp_path))
    monkeypatch.setattr(doctor, "run_doctor", lambda **kwargs: list(FINDINGS))
    assert doctor.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] chat round trip" in out and "FAILED" in out
    assert progress.load_history() == []

    good = FINDINGS[:4] + [Finding("chat round trip", PASS, "embedded said '1 2 3': 40.0 tokens/s")]
    monkeypatch.setattr(doctor, "run_doctor", lambda **kwargs: good)
    assert doctor.main(["--check"]) == 0
    [entry] = progress.load_history()
    assert entry.phase == "phase0_setup" and "round trip" in entry.title
    assert any("40.0 tokens/s" in d for d in entry.details)
    assert doctor.main([]) == 0 and len(progress.load_history()) == 1, "plain runs record nothing"


def test_quick_doctor_runs_for_real_without_a_model_call(tmp_path: Path) -> None:
    findings = doctor.run_doctor(load_settings(cache_dir=str(tmp_path), ollama_host=closed_port_url()),
                                 quick=True)
    names = [f.name for f in findings]
    assert names[:2] == ["python", "virtual environment"] and "chat round trip" not in names
    assert "torch" in names and "model file" in names
    assert next(f for f in findings if f.name == "ollama server").mark == WARN


@pytest.mark.live
def test_live_round_trip_on_the_embedded_model(embedded_llm) -> None:
    found = doctor.check_round_trip(load_settings(backend="embedded"), llm=embedded_llm)
    assert found.mark in (PASS, WARN), found  # WARN: a busy machine made it slow
    assert "embedded (" in found.detail and "tokens/s" in found.detail
    assert "'1 2 3" in found.detail or "'1, 2, 3" in found.detail, "the model counted"


def test_a_corrupt_model_file_fails_the_doctor_even_with_a_fallback_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same size, wrong bytes: the full check hashes, fails, and `make check` does not pass."""
    import hashlib

    from shared import model_files

    good = b"GGUF" + b"x" * 500
    specs = {name: model_files.ModelSpec(name, f"{name}.gguf", (), len(good),
                                         hashlib.sha256(good).hexdigest(), "fake")
             for name in ("main", "spare")}
    monkeypatch.setattr(model_files, "MODELS", specs)
    monkeypatch.setattr(model_files, "FALLBACK_ORDER", ("main", "spare"))
    settings = load_settings(cache_dir=str(tmp_path), embedded_model="main")
    for spec in specs.values():
        path = model_files.model_path(spec.name, settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(good)
        assert model_files.verify_file(path, spec)  # hashed once; the marker remembers it
    main_path = model_files.model_path("main", settings)
    with open(main_path, "r+b") as handle:  # corrupt it in place, same size
        handle.write(b"GGUX")

    [found, extras] = doctor.check_model_file(settings, full=True)
    assert found.mark == FAIL and "corrupt" in found.detail and "make setup" in found.next_action
    assert extras.detail == "also in the cache: spare"
    report = doctor.definition_of_done(FINDINGS[:4] + [found, FINDINGS[4]])
    assert not report.passed
    # The full check dropped the marker: the quick check now hashes too, and fails as well.
    [quick, _] = doctor.check_model_file(settings, full=False)
    assert quick.mark == FAIL


def test_doctor_cli_reports_an_unreadable_config_without_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    config = tmp_path / "agentlab.toml"
    config.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    env = {**os.environ, "AGENTLAB_CONFIG": str(config)}
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "phase0_setup", "--quick"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
    assert "[FAIL] settings" in proc.stdout and "not UTF-8 text" in proc.stdout


def test_the_doctor_checks_only_packages_the_project_installs() -> None:
    """A package the doctor requires but pyproject.toml does not install fails every fresh machine."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    installed = {dep.split("[")[0].split("=")[0].split(">")[0].strip().lower()
                 for dep in pyproject["project"]["dependencies"]}
    missing = [dist for dist, _module, _version in doctor.PACKAGES if dist.lower() not in installed]
    assert not missing, f"the doctor requires packages that setup does not install: {missing}"
