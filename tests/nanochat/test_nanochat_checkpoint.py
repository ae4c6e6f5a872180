"""Checkpoints load with torch.load(weights_only=True) and a SHA-256: a crafted file runs no
code, a damaged or truncated one raises CheckpointError with one sentence."""

from __future__ import annotations

import random

import pytest
import torch

from nanochat_track.checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from nanochat_track.pretrain import load_model, save_checkpoint
from shared.cli import run_main


@pytest.fixture
def saved(tmp_path, small_model, tiny):
    """A checkpoint of `small_model` with an AdamW state, and the model."""
    cfg = tiny[1](tmp_path / "run")
    opt = torch.optim.AdamW(small_model.parameters(), lr=1e-3)
    x = torch.randint(0, 97, (2, 16))
    small_model(x, x).backward()
    opt.step()
    path = tmp_path / "run" / "checkpoints" / "model.pt"
    save_checkpoint(path, small_model, [opt], 7, {"history": [{"loss": 1.5, "mfu": None}]}, cfg)
    return path, small_model


def test_round_trip_gives_the_same_model(saved):
    path, model = saved
    loaded, data = load_model(path)
    assert data["step"] == 7 and data["state"]["history"][0]["mfu"] is None
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert torch.load(path, weights_only=True)["payload"]["step"] == 7  # plain torch can read it


class RunsCode:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path(MARKER).write_text('ran')",
                       {"MARKER": str(MARKER_PATH)}))


MARKER_PATH = None


def test_a_crafted_checkpoint_runs_no_code(tmp_path):
    global MARKER_PATH
    MARKER_PATH = tmp_path / "ran.txt"
    path = tmp_path / "evil.pt"
    torch.save({"model": {}, "evil": RunsCode()}, path)
    with pytest.raises(CheckpointError, match="objects other than tensors"):
        load_model(path)
    assert not MARKER_PATH.exists()


def test_flipped_bits_are_refused_or_harmless(saved):
    """One bit flipped at 120 random places: a CheckpointError, or exactly the saved payload
    (a bit no reader uses: zip padding or a timestamp). Never other weights, never another error."""
    path, _ = saved
    original = path.read_bytes()
    expected = read_checkpoint(path)
    damaged = path.with_name("damaged.pt")
    rng = random.Random(0)
    refused = 0
    for _ in range(120):
        data = bytearray(original)
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
        damaged.write_bytes(bytes(data))
        try:
            payload = read_checkpoint(damaged)
        except CheckpointError as err:
            assert "\n" not in str(err)
            refused += 1
            continue
        assert all(torch.equal(payload["model"][k], expected["model"][k]) for k in expected["model"]), i
        assert payload["step"] == expected["step"]
    assert refused >= 100


def test_truncated_and_foreign_files_are_refused(tmp_path, saved):
    path, _ = saved
    original = path.read_bytes()
    damaged = tmp_path / "cut.pt"
    for size in (0, 10, len(original) // 3, len(original) - 1):
        damaged.write_bytes(original[:size])
        with pytest.raises(CheckpointError, match="damaged"):
            read_checkpoint(damaged)
    old_style = tmp_path / "old.pt"
    torch.save({"model": {}, "step": 3}, old_style)  # the format before checksums
    with pytest.raises(CheckpointError, match="no checksum"):
        read_checkpoint(old_style)
    write_checkpoint(tmp_path / "ok.pt", {"w": torch.ones(3)})
    assert torch.equal(read_checkpoint(tmp_path / "ok.pt")["w"], torch.ones(3))


def test_a_missing_checkpoint_prints_one_sentence(tmp_path, capsys):
    assert run_main(lambda: load_model(tmp_path / "nothing.pt")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No checkpoint at") and err.count("\n") == 1
