"""What a benchmark run records about itself: the model, its quantisation and context size, and
the git commit of the code that ran, so that two runs can be compared honestly.

    model_meta(llm)   # {"model": "qwen2.5-coder-0.5b", "backend": "embedded", "quantisation": "Q4_K_M", ...}
    git_commit()      # "8fb460a (with local changes)"
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# llama.cpp's file types (enum llama_ftype), as a GGUF's general.file_type holds them.
LLAMA_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
}
QUANT_IN_NAME = re.compile(r"(?<![a-z0-9])(q\d(?:_k)?(?:_[0-9msl])?|f16|bf16|f32|fp16)(?![a-z0-9])",
                           re.IGNORECASE)


def quantisation_in_name(name: str) -> str:
    """The quantisation a model or file name states ("qwen...-q4_k_m.gguf" -> "Q4_K_M"), or ""."""
    found = QUANT_IN_NAME.search(name)
    return found.group(1).upper() if found else ""


def quantisation(llm: Any) -> str:
    """How the model's weights are stored: read from the GGUF for the embedded backend (which
    loads the model), else from the model's name; "unknown" when nothing says, "none" for a
    scripted model."""
    if getattr(llm, "name", "") == "scripted":
        return "none"
    if getattr(llm, "name", "") == "embedded":
        llama = llm.load()
        kind = str(getattr(llama, "metadata", {}).get("general.file_type", ""))
        if kind.isdigit() and int(kind) in LLAMA_FILE_TYPES:
            return LLAMA_FILE_TYPES[int(kind)]
        return quantisation_in_name(str(getattr(llm, "model_path", ""))) or "unknown"
    return quantisation_in_name(str(getattr(llm, "model", ""))) or "unknown"


def context_size(llm: Any) -> int | None:
    """The context window the backend asks for, in tokens (None when it does not say)."""
    for attribute in ("n_ctx", "num_ctx"):
        value = getattr(llm, attribute, None)
        if isinstance(value, int):
            return value
    return None


def model_meta(llm: Any) -> dict[str, Any]:
    """The figures every result record carries about the model that produced it."""
    return {"model": str(getattr(llm, "model", "")), "backend": getattr(llm, "name", ""),
            "describe": llm.describe(), "quantisation": quantisation(llm),
            "n_ctx": context_size(llm)}


def git_commit(repo: Path = REPO) -> str:
    """The commit the code ran at, noting uncommitted changes; "unknown" outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, text=True,
                              capture_output=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=repo, text=True, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    changes = " (with local changes)" if dirty.stdout.strip() else ""
    return head.stdout.strip() + changes
