"""Checkpoint files that are safe to load and checked for damage.

A checkpoint is one file written by `torch.save` and written atomically (a crash never leaves
half a file): {"format", "format_version", "sha256", "payload"}, where the payload holds the
model's and the optimizers' state dicts, the step, the run's history and its configuration,
all tensors and plain values (numbers, strings, lists, dicts). It is read back with
`torch.load(weights_only=True)`, which refuses anything else: a crafted file cannot run code.
The SHA-256 covers every tensor's bytes and every value of the payload, so a flipped bit or a
truncated copy stops with a `CheckpointError` instead of loading wrong weights.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

import torch

from shared.atomic_write import atomic_write_bytes
from shared.errors import AgentlabError

from .config import runs_root

FORMAT = "nanochat_track checkpoint"
FORMAT_VERSION = 1


class CheckpointError(AgentlabError):
    """A checkpoint that cannot be used; the message says in one sentence what to do."""


def payload_sha256(payload) -> str:
    """SHA-256 over a nest of dicts, lists, tensors and plain values, in order: each tensor's
    dtype, shape and bytes, each value's type and repr."""
    digest = hashlib.sha256()
    _digest(payload, digest)
    return digest.hexdigest()


def _digest(obj, digest) -> None:
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        digest.update(f"tensor|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy())
    elif isinstance(obj, dict):
        digest.update(f"dict|{len(obj)}|".encode())
        for key, value in obj.items():
            _digest(key, digest)
            _digest(value, digest)
    elif isinstance(obj, (list, tuple)):  # a tuple may come back as a list: the same to us
        digest.update(f"list|{len(obj)}|".encode())
        for value in obj:
            _digest(value, digest)
    elif obj is None or isinstance(obj, (bool, int, float, str)):
        digest.update(f"{type(obj).__name__}|{obj!r}|".encode())
    else:
        raise TypeError(f"a checkpoint holds tensors and plain values only, not {type(obj).__name__}")


def write_checkpoint(path: str | Path, payload: dict) -> None:
    """Save `payload` (tensors and plain values) with its checksum, atomically."""
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "format_version": FORMAT_VERSION,
                "sha256": payload_sha256(payload), "payload": payload}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def read_checkpoint(path: str | Path) -> dict:
    """The payload of a file written by `write_checkpoint`, on the CPU, checksum verified.

    Raises CheckpointError if the file is missing, damaged, holds anything but tensors and
    plain values, or was not written by `write_checkpoint`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}: train first (make -C nanochat_track run) "
                              "or pass --checkpoint=PATH.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(f"{path} is damaged or holds objects other than tensors and plain values "
                              "(loading those could run code), so it was not loaded; delete it and train "
                              "again.") from err
    except Exception as err:  # damaged bytes fail in many ways (zip, pickle, storage sizes): all mean the same
        raise CheckpointError(f"{path} is damaged or not a checkpoint ({type(err).__name__}); "
                              "delete it and train again.") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} was not written by this version of nanochat_track (it has no "
                              "checksum); train again to get a checkpoint this code can verify.")
    if data.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has format version {data.get('format_version')!r}, this code reads "
                              f"{FORMAT_VERSION}; train again with this version of the code.")
    try:
        same = payload_sha256(data.get("payload")) == data.get("sha256")
    except TypeError:
        same = False
    if not same or not isinstance(data["payload"], dict):
        raise CheckpointError(f"{path} failed its checksum (it was damaged or changed); delete it and "
                              "train again.")
    return data["payload"]


def latest_checkpoint(runs_root: str | Path) -> Path | None:
    """The most recently written <run>/checkpoints/model.pt under `runs_root`, or None."""
    found = [p for p in Path(runs_root).glob("*/checkpoints/model.pt") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def pick_checkpoint(given: str | Path = "") -> Path:
    """`given`, or when it is empty the newest checkpoint under runs/nanochat: the one `make run`
    or `make check` wrote last. Raises CheckpointError when there is none."""
    if given:
        return Path(given)
    newest = latest_checkpoint(runs_root())
    if newest is None:
        raise CheckpointError(f"No checkpoint under {runs_root()}: train one first (make -C nanochat_track "
                              "run, or make -C nanochat_track check), or pass --checkpoint=PATH.")
    return newest
