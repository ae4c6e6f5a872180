"""Lesson 7: save and load a model: weights, vocabulary, hyperparameters and a checksum.

The file is a numpy .npz archive (a zip of arrays). Next to the weights it holds one extra
entry, `__header__`, a JSON document with the model kind, the vocabulary, the hyperparameters
and a SHA-256 over the weights and every other field of the header. Loading recomputes the
checksum, so a damaged file, or one that belongs to another model or vocabulary, stops with a
`CheckpointError` that says what to do instead of a confusing failure later. Writes are atomic:
a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from shared.atomic_write import atomic_write_bytes
from shared.errors import AgentlabError

FORMAT_VERSION = 2  # 2: the checksum covers the header too (1 covered the weights only)
HEADER_KEY = "__header__"
# The header's fields and their JSON types; "sha256" is the checksum of all the others.
HEADER_FIELDS = {"format_version": int, "kind": str, "vocab": list, "hparams": dict, "extra": dict,
                 "shapes": dict, "sha256": str}


class CheckpointError(AgentlabError):
    """A model file that cannot be used; the message says in one sentence what to do."""


def checkpoint_sha256(header: dict, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the header's fields (all but "sha256") and every array's name, dtype, shape
    and bytes, in name order: a change anywhere in the file changes it."""
    digest = hashlib.sha256()
    fields = {k: v for k, v in header.items() if k != "sha256"}
    digest.update(json.dumps(fields, sort_keys=True).encode("utf-8"))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def save_model(path: str | Path, kind: str, arrays: dict[str, np.ndarray], vocab: list[str],
               hparams: dict, extra: dict | None = None) -> dict:
    """Write the model atomically to `path` (.npz); returns the header that was stored."""
    arrays = {name: np.asarray(value) for name, value in arrays.items()}
    if HEADER_KEY in arrays:
        raise ValueError(f"{HEADER_KEY} is reserved for the header")
    header = {
        "format_version": FORMAT_VERSION, "kind": kind, "vocab": list(vocab), "hparams": hparams,
        "extra": extra or {}, "shapes": {name: list(value.shape) for name, value in arrays.items()},
    }
    header = json.loads(json.dumps(header))  # exactly what loading will read back (tuples -> lists)
    header["sha256"] = checkpoint_sha256(header, arrays)
    buffer = io.BytesIO()
    header_bytes = np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    np.savez(buffer, **{HEADER_KEY: header_bytes}, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return header


def read_archive(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and the arrays of an .npz file, or CheckpointError if it cannot be read."""
    damaged = f"{path} is corrupted or not a model file"
    try:
        with np.load(path, allow_pickle=False) as archive:
            if HEADER_KEY not in archive.files:
                raise CheckpointError(f"{path} is not a phase1 model file (no header); load a file written by save_model.")
            header = json.loads(archive[HEADER_KEY].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != HEADER_KEY}
    except CheckpointError:
        raise
    except Exception as err:  # damaged bytes fail in many ways (zip, npy header, JSON, sizes): all mean the same
        raise CheckpointError(f"{damaged} ({type(err).__name__}); delete it and train again.") from err
    if not isinstance(header, dict):
        raise CheckpointError(f"{damaged} (its header is not a JSON object); delete it and train again.")
    return header, arrays


def load_model(path: str | Path, kind: str | None = None,
               vocab: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by `save_model`; returns (arrays, header).

    Raises CheckpointError if the file is missing, corrupted, fails its checksum, or does not
    match the expected `kind` or `vocab`.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist; train a model first (make run) or check the path.")
    header, arrays = read_archive(path)
    if header.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has format version {header.get('format_version')!r}, this code reads "
                              f"{FORMAT_VERSION}; retrain the model with this version of the code.")
    wrong = [name for name, kind_of in HEADER_FIELDS.items() if not isinstance(header.get(name), kind_of)]
    if wrong or not all(isinstance(c, str) for c in header["vocab"]):
        raise CheckpointError(f"{path} has a damaged header ({', '.join(wrong) or 'vocab'}); delete it and train again.")
    if checkpoint_sha256(header, arrays) != header["sha256"]:
        raise CheckpointError(f"{path} failed its checksum (the file was changed or damaged); delete it and train again.")
    if kind is not None and header["kind"] != kind:
        raise CheckpointError(f"{path} holds a '{header['kind']}' model, not a '{kind}' model; load it with the matching loader.")
    if vocab is not None and header["vocab"] != list(vocab):
        raise CheckpointError(f"{path} was trained with a different vocabulary ({len(header['vocab'])} "
                              f"characters, not {len(vocab)}); use the same corpus or retrain on this one.")
    return arrays, header


def settings(header: dict, types: dict[str, type], path: str | Path) -> dict:
    """The hyperparameters `types` names, each checked to be there with that type (an int is
    accepted where a float is asked). Raises CheckpointError naming the first one that is not."""
    hparams = header["hparams"]
    for name, kind in types.items():
        value = hparams.get(name)
        ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not ok or isinstance(value, bool):
            raise CheckpointError(f"{path} lacks a valid '{name}' setting; it was written by other code, retrain the model.")
    return {name: hparams[name] for name in types}


def check_shapes(arrays: dict[str, np.ndarray], expected: dict[str, tuple], path: str | Path) -> None:
    """Raise CheckpointError when the stored arrays do not fit the stored hyperparameters."""
    for name, shape in expected.items():
        if name not in arrays:
            raise CheckpointError(f"{path} lacks the array '{name}'; it was written by other code, retrain the model.")
        if tuple(arrays[name].shape) != tuple(shape):
            raise CheckpointError(f"{path}: '{name}' has shape {tuple(arrays[name].shape)} but the hyperparameters "
                                  f"say {tuple(shape)}; the file does not match its settings, retrain the model.")


def save_bigram(path: str | Path, model, vocab: list[str]) -> dict:
    """A counting bigram: its counts and smoothing (the probabilities follow from them)."""
    return save_model(path, "bigram", {"counts": model.counts}, vocab, {"alpha": model.alpha})


def load_bigram(path: str | Path, vocab: list[str] | None = None):
    from phase1_tinylm.bigram import BigramModel, bigram_probs

    arrays, header = load_model(path, "bigram", vocab)
    V = len(header["vocab"])
    alpha = settings(header, {"alpha": float}, path)["alpha"]
    check_shapes(arrays, {"counts": (V, V)}, path)
    return BigramModel(counts=arrays["counts"], alpha=alpha, probs=bigram_probs(arrays["counts"], alpha)), header


def save_mlp(path: str | Path, model, vocab: list[str], hparams: dict) -> dict:
    """A numpy MLP: its five parameter arrays and the hyperparameters that shape them."""
    hparams = {**hparams, "context": model.context_size, "pad_id": model.pad_id}
    return save_model(path, "numpy_mlp", model.params, vocab, hparams)


def load_mlp(path: str | Path, vocab: list[str] | None = None):
    from phase1_tinylm.mlp_numpy import NumpyMLP

    arrays, header = load_model(path, "numpy_mlp", vocab)
    h, V = settings(header, {"emb": int, "hidden": int, "context": int, "pad_id": int}, path), len(header["vocab"])
    check_shapes(arrays, {"C": (V, h["emb"]), "W1": (h["context"] * h["emb"], h["hidden"]),
                          "b1": (h["hidden"],), "W2": (h["hidden"], V), "b2": (V,)}, path)
    return NumpyMLP(dict(arrays), h["context"], h["pad_id"]), header
