"""`make setup` compiles llama.cpp without its AMX kernels exactly where the CPU lists AMX (they
crashed the model in a virtual machine that advertises it), and as before everywhere else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AMX_FLAGS = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"


def install_line(tmp_path: Path, cpu_flags: str) -> str:
    """The pip line `make` would run to install the packages, for a CPU with these flags."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {cpu_flags}\n")
    run = subprocess.run(["make", "-n", "-W", "pyproject.toml", ".venv/.agentlab-installed",
                          f"CPUINFO={cpuinfo}"], cwd=REPO, capture_output=True, text=True,
                         check=True)
    [line] = [x for x in run.stdout.splitlines() if "pip install --quiet" in x and " -e ." in x]
    return line


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_llama_cpp_is_built_without_amx_only_where_the_cpu_has_it(tmp_path: Path) -> None:
    amx = install_line(tmp_path, "fpu sse2 avx2 avx512f amx_bf16 amx_tile amx_int8")
    assert f"-DCMAKE_C_FLAGS='{AMX_FLAGS}'" in amx and f"-DCMAKE_CXX_FLAGS='{AMX_FLAGS}'" in amx
    assert "$CMAKE_ARGS" in amx  # the learner's own CMAKE_ARGS still reach the build
    assert "--no-cache-dir" in amx  # a wheel cached from a build with AMX is not re-used
    plain = install_line(tmp_path, "fpu sse2 avx2 fma f16c")
    assert "amx" not in plain and "CMAKE_ARGS" not in plain and "--no-cache-dir" not in plain
