"""The doctor: is this machine ready for the course? One line per check, marked PASS, WARN or FAIL,
and for each problem the next thing to do.

    agentlab doctor                   # every check, a real chat round trip included
    agentlab doctor --quick           # no round trip, no full checksum, no torch import (~1 s)
    agentlab doctor --check           # phase 0's definition of done; records it in history.md

Phase 0 built it (`make -C phase0_setup run|quick|check` runs this module through the phase's
thin entry, phase0_setup/__main__.py); it is frozen here so that the `agentlab` command and any
later phase can run it without reaching into a phase folder.

WARN means optional or not ideal (no Ollama, say): the course works without it. FAIL means
something the course needs is missing; the doctor exits with 1 when any line fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import requests
from packaging.version import InvalidVersion, Version

from shared.config import ConfigError, Settings, load_settings

PHASE = "phase0_setup"
PROBE_TIMEOUT_S = 1.0  # how long a server gets to answer before we call it "not running"
ROUND_TRIP_PROMPT = "Count from 1 to 10, separated by spaces. Reply with the numbers only."
ROUND_TRIP_TOKENS = 32
SLOW_TOKENS_PER_S = 3.0  # below this the round trip is marked WARN: the course will crawl

# Distribution name, the module learners import, the lowest version we support (pyproject.toml).
PACKAGES: list[tuple[str, str, str]] = [
    ("torch", "torch", "2.13.0"),
    ("llama-cpp-python", "llama_cpp", "0.3.2"),
    ("numpy", "numpy", "1.26"),
    ("requests", "requests", "2.31"),
    ("ollama", "ollama", "0.4"),
    ("openai", "openai", "1.40"),
    ("tiktoken", "tiktoken", "0.7"),
]
TORCH_PINNED = "2.13.0"  # the course is tested on exactly this torch
SETUP_ACTION = "run `make setup` in the repository root (it installs every package into .venv)"

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass
class Finding:
    """One line of the doctor's table."""

    name: str
    mark: str  # PASS, WARN or FAIL
    detail: str
    next_action: str = ""  # one sentence: what to do about a WARN or a FAIL


# The checks ---------------------------------------------------------------------------------


def check_python(version: tuple[int, int, int] | None = None, prefix: str | None = None,
                 base_prefix: str | None = None) -> list[Finding]:
    """Python 3.11 or newer, running inside a virtual environment."""
    major, minor, micro = version or sys.version_info[:3]
    prefix = prefix if prefix is not None else sys.prefix
    base_prefix = base_prefix if base_prefix is not None else sys.base_prefix
    found = [Finding("python", PASS, f"{major}.{minor}.{micro}")]
    if (major, minor) < (3, 11):
        found[0] = Finding("python", FAIL, f"{major}.{minor}.{micro} is older than 3.11",
                           "install Python 3.11 or newer, delete .venv and run `make setup`")
    if prefix == base_prefix:
        found.append(Finding("virtual environment", WARN, f"none (running {prefix})",
                             "run through `make`, or with `.venv/bin/python`, so the project's "
                             "packages are the ones used"))
    else:
        found.append(Finding("virtual environment", PASS, prefix))
    return found


def check_packages(version_of: Callable[[str], str] = importlib.metadata.version) -> list[Finding]:
    """Each key package is installed at a version we support (read from metadata: no imports)."""
    found = []
    for dist, module, minimum in PACKAGES:
        try:
            installed = version_of(dist)
        except importlib.metadata.PackageNotFoundError:
            found.append(Finding(module, FAIL, "not installed", SETUP_ACTION))
            continue
        try:
            too_old = Version(installed) < Version(minimum)
            base = Version(installed).base_version
        except InvalidVersion:
            too_old, base = False, installed
        if too_old:
            found.append(Finding(module, FAIL, f"{installed} is older than {minimum}", SETUP_ACTION))
        elif dist == "torch" and base != TORCH_PINNED:
            found.append(Finding(module, WARN, f"{installed} (the course is tested on {TORCH_PINNED})",
                                 f"`pip install torch=={TORCH_PINNED}` in .venv if something breaks"))
        else:
            found.append(Finding(module, PASS, installed))
    return found


def check_ollama(settings: Settings, get: Callable[..., Any] = requests.get) -> Finding:
    """Does an Ollama server answer at settings.ollama_host, and does it have the model?"""
    required = settings.backend == "ollama"
    host, model = settings.ollama_host, settings.model or settings.ollama_model
    try:
        reply = get(host + "/api/tags", timeout=PROBE_TIMEOUT_S)
        reply.raise_for_status()
        names = [m.get("model") or m.get("name", "") for m in reply.json().get("models", [])]
    except (requests.RequestException, ValueError, AttributeError) as err:
        why = "not running" if isinstance(err, requests.ConnectionError) else type(err).__name__
        if required:
            return Finding("ollama server", FAIL, f"{why} at {host}, and AGENTLAB_BACKEND is ollama",
                           "start it with `ollama serve`, or choose the embedded backend "
                           "(AGENTLAB_BACKEND=embedded)")
        return Finding("ollama server", WARN, f"{why} at {host} (optional)",
                       "optional: install Ollama and run `ollama serve` for bigger models; "
                       "the embedded model works without it")
    wanted = model if ":" in model else model + ":latest"
    if wanted in names or model in names:
        return Finding("ollama server", PASS, f"answers at {host} and has {model}")
    return Finding("ollama server", FAIL if required else WARN,
                   f"answers at {host} but has no {model} ({len(names)} models)",
                   f"run `ollama pull {model}`")


def check_openai_server(settings: Settings, get: Callable[..., Any] = requests.get) -> Finding:
    """Does an OpenAI-compatible server (vLLM, llama.cpp server, LM Studio) answer /models?"""
    url = settings.openai_base_url.rstrip("/")
    required = settings.backend == "openai"
    try:
        reply = get(url + "/models", timeout=PROBE_TIMEOUT_S,
                    headers={"Authorization": f"Bearer {settings.openai_api_key}"})
        reply.raise_for_status()
        models = [m.get("id", "") for m in reply.json().get("data", [])]
    except (requests.RequestException, ValueError, AttributeError) as err:
        why = "not running" if isinstance(err, requests.ConnectionError) else type(err).__name__
        if required:
            return Finding("openai-compatible server", FAIL, f"{why} at {url}",
                           "start your server (e.g. `python -m llama_cpp.server --model FILE`) "
                           "or fix OPENAI_BASE_URL")
        return Finding("openai-compatible server", PASS, f"none at {url} (optional, not in use)")
    return Finding("openai-compatible server", PASS, f"answers at {url}: {', '.join(models[:3])}")


def check_model_file(settings: Settings, full: bool = True) -> list[Finding]:
    """The embedded model's GGUF is in the cache and its SHA-256 matches (full: hash it now)."""
    from shared.model_files import MODELS, find_model, model_path, spec_for, verify_file

    name = settings.embedded_model
    try:
        spec = spec_for(name)
    except Exception as err:  # an unknown name in the settings
        return [Finding("model file", FAIL, str(err), "set AGENTLAB_EMBEDDED_MODEL to one of "
                        + ", ".join(MODELS))]
    path = model_path(name, settings)
    started = time.perf_counter()
    ok = verify_file(path, spec, full=full)
    how = f"SHA-256 {spec.sha256[:12]}… matches" + (
        f" (hashed in {time.perf_counter() - started:.1f} s)" if full else " (remembered)")
    if ok:
        found = [Finding("model file", PASS, f"{name}: {spec.size / 1e6:.0f} MB, {how}; {path}")]
    elif path.exists():
        # Present but wrong: the course must not run on it, even with another model in place.
        # verify_file dropped its marker, so `make setup` hashes it and assembles it again.
        found = [Finding("model file", FAIL, f"{name} at {path} is corrupt (wrong size or "
                         "SHA-256)", "run `make setup` (it assembles the model again)")]
    else:
        other = find_model(settings)
        if other is not None:
            found = [Finding("model file", WARN, f"{name} missing; {other[0]} is in place "
                             "and will be used", "run `make setup` to assemble " + name)]
        else:
            found = [Finding("model file", FAIL, f"{name} missing at {path}",
                             "run `make setup` (it assembles and verifies the model)")]
    extras = [n for n in MODELS if n != name and verify_file(model_path(n, settings), MODELS[n])]
    if extras:
        found.append(Finding("other models", PASS, "also in the cache: " + ", ".join(extras)))
    return found


def measure_speed(llm: Any, prompt: str = ROUND_TRIP_PROMPT,
                  max_tokens: int = ROUND_TRIP_TOKENS) -> dict[str, Any]:
    """One real chat call: load time (if the backend loads a model), reply, tokens and tokens/s.

    tokens/s is completion tokens over the call's wall-clock time, so it includes reading the
    prompt; with a short prompt that is close to the decode speed."""
    load_s = 0.0
    if hasattr(llm, "load"):
        started = time.perf_counter()
        llm.load()
        load_s = time.perf_counter() - started
    result = llm.chat([{"role": "user", "content": prompt}], temperature=0.0, max_tokens=max_tokens)
    tokens = result.usage.completion_tokens
    return {
        "backend": result.backend or getattr(llm, "name", "?"),
        "model": result.model or getattr(llm, "model", "?"),
        "reply": result.content,
        "load_s": load_s,
        "latency_s": result.latency_s,
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": tokens,
        "tokens_per_s": tokens / result.latency_s if result.latency_s > 0 else 0.0,
    }


def check_round_trip(settings: Settings, llm: Any = None) -> Finding:
    """A real chat call on the configured backend (the embedded model when no server answers)."""
    from shared.llm import LLMError
    from shared.llm.select import build_backend, describe_choice

    try:
        if llm is None:
            name, reason = describe_choice(settings)
            if name == "embedded":
                from shared.model_files import find_model

                found = find_model(settings)
                if found is None:
                    return Finding("chat round trip", FAIL, "no embedded model file to load",
                                   "run `make setup` (it assembles the embedded model)")
                settings = replace(settings, embedded_model=found[0])
            llm = build_backend(name, settings)
        figures = measure_speed(llm)
    except LLMError as err:
        return Finding("chat round trip", FAIL, str(err).split(": ")[0],
                       err.hint or "read the error above and fix the backend's settings")
    except Exception as err:  # a learner's machine can fail in ways we did not foresee
        return Finding("chat round trip", FAIL, f"{type(err).__name__}: {err}",
                       "run `make setup` again; if it persists, try AGENTLAB_BACKEND=embedded")
    reply = " ".join(figures["reply"].split())
    reply = reply if len(reply) <= 40 else reply[:37] + "..."
    detail = (f"{figures['backend']} ({figures['model']}) said {reply!r}: "
              f"{figures['completion_tokens']} tokens in {figures['latency_s']:.2f} s = "
              f"{figures['tokens_per_s']:.1f} tokens/s")
    if figures["load_s"] >= 0.05:
        detail += f", loaded in {figures['load_s']:.1f} s"
    if figures["backend"] == "scripted":
        return Finding("chat round trip", WARN, detail + " (a scripted stand-in, not a model)",
                       "unset AGENTLAB_BACKEND=scripted to talk to a real model")
    if not figures["reply"].strip() or figures["completion_tokens"] == 0:
        return Finding("chat round trip", FAIL, detail + " (an empty reply)",
                       "delete the model file and run `make setup` again")
    if figures["tokens_per_s"] < SLOW_TOKENS_PER_S:
        return Finding("chat round trip", WARN, detail + " (slow)",
                       "other programs are busy on the cores: close them, or set "
                       "AGENTLAB_THREADS=1 (on a busy 2-core machine one llama.cpp thread "
                       "decoded 25 times faster than two)")
    return Finding("chat round trip", PASS, detail)


def check_gpu(torch_module: Any = None) -> Finding:
    """Which accelerator torch sees: CUDA, Apple MPS, or none (CPU is enough until nanochat)."""
    if torch_module is None:
        try:
            import torch as torch_module
        except ImportError:
            return Finding("gpu", FAIL, "torch is not installed", SETUP_ACTION)
    if torch_module.cuda.is_available():
        count = torch_module.cuda.device_count()
        return Finding("gpu", PASS, f"CUDA: {torch_module.cuda.get_device_name(0)} ({count} in all)")
    mps = getattr(torch_module.backends, "mps", None)
    if mps is not None and mps.is_available():
        return Finding("gpu", PASS, "Apple MPS")
    return Finding("gpu", PASS, "none: CPU only (enough for phases 0-6; the nanochat track's "
                   "real runs want a GPU)")


def run_doctor(settings: Settings | None = None, quick: bool = False, llm: Any = None) -> list[Finding]:
    """Every check in order. quick: no round trip, no full checksum, no torch import."""
    try:
        settings = settings or load_settings()
    except ConfigError as err:
        return [Finding("settings", FAIL, str(err), "fix the config file or the variable named")]
    findings = check_python() + check_packages()
    findings.append(check_ollama(settings))
    findings.append(check_openai_server(settings))
    findings += check_model_file(settings, full=not quick)
    if not quick:
        findings.append(check_round_trip(settings, llm))
        findings.append(check_gpu())
    return findings


# The table ----------------------------------------------------------------------------------


def render_table(findings: list[Finding], title: str = "agentlab doctor") -> str:
    """The table: a mark per line, the next action under each WARN or FAIL, a summary line."""
    width = max([len(f.name) for f in findings] + [5])
    rule = "-" * (width + 60)
    out = [title, rule]
    for f in findings:
        out.append(f"[{f.mark}] {f.name.ljust(width)}  {f.detail}")
        if f.mark != PASS and f.next_action:
            out.append(f"{' ' * 7}{' ' * width}  -> {f.next_action}")
    counts = {mark: sum(f.mark == mark for f in findings) for mark in (PASS, WARN, FAIL)}
    out.append(rule)
    verdict = "ready" if counts[FAIL] == 0 else "not ready: fix the FAIL lines"
    out.append(f"{counts[PASS]} PASS, {counts[WARN]} WARN, {counts[FAIL]} FAIL: {verdict}")
    return "\n".join(out)


def definition_of_done(findings: list[Finding]):
    """The phase's `make check`: the doctor's findings folded into the shared CheckReport."""
    from shared.check_report import CheckReport

    def lines(*names: str) -> list[Finding]:
        return [f for f in findings if f.name in names]

    report = CheckReport(PHASE, "Set-up works: the doctor passes with a real chat round trip")
    basics = lines("python", *[module for _, module, _ in PACKAGES])
    bad = [f.name for f in basics if f.mark == FAIL]
    report.add("python and packages", not bad and bool(basics),
               f"Python {basics[0].detail if basics else '?'}, {len(basics) - 1} packages"
               + (f"; failing: {', '.join(bad)}" if bad else ""), SETUP_ACTION)
    for name in ("model file", "chat round trip"):
        found = lines(name)
        report.add(name, bool(found) and found[0].mark != FAIL,
                   found[0].detail if found else "not checked",
                   found[0].next_action if found else "run the doctor without --quick")
    fails = [f.name for f in findings if f.mark == FAIL]
    report.add("no FAIL line", not fails, "failing: " + ", ".join(fails) if fails else
               f"{len(findings)} lines, {sum(f.mark == WARN for f in findings)} WARN (optional)",
               "fix the FAIL lines in the table above, then run `make check` again")
    return report


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Is this machine ready for the course?")
    parser.add_argument("--quick", action="store_true",
                        help="skip the chat round trip, the full checksum and the GPU check")
    parser.add_argument("--check", action="store_true",
                        help="the phase's definition of done: record it in history.md on success")
    args = parser.parse_args(argv)
    findings = run_doctor(quick=args.quick and not args.check)
    print(render_table(findings))
    if args.check:
        print()
        return definition_of_done(findings).finish()
    return 1 if any(f.mark == FAIL for f in findings) else 0
