"""Model-written code must not get out of the sandbox, at every isolation level this machine has:
no capabilities, not root, no mounts, no writes outside its workspace, no look at the caller's
environment, no way into the caller's network namespace.

The tricks are shell scripts run through run_command: the launcher is the one run_code uses,
and /bin/sh starts even where nobody may not start this Python. The last test plays them from
Python through run_code. Each trick is harmless to this machine even against a broken sandbox:
mount tricks run only where the program has a mount namespace of its own (else `umount /proc`
would unmount the machine's /proc), and a file a trick could write lies in a test folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from shared.sandbox import LEVELS, available_levels, isolation_level, run_code, run_command

REPO = Path(__file__).resolve().parents[2]
ROOT = os.geteuid() == 0
CALLER_MOUNTS = os.readlink("/proc/self/ns/mnt")

ALL_LEVELS = [
    pytest.param(level, marks=pytest.mark.skipif(
        level not in available_levels(), reason=f"{level} does not work on this machine"))
    for level in LEVELS
]
# Only these take the network namespace away; a process group shares the caller's.
NETWORK_LEVELS = [param for param in ALL_LEVELS if param.values[0] != "process-group"]


def in_own_mount_namespace(script: str) -> str:
    """Shell that runs `script` only when the program's mounts are not the caller's."""
    return f'if [ "$(readlink /proc/self/ns/mnt)" != "{CALLER_MOUNTS}" ]; then {script}; fi'


@pytest.fixture
def workspace():
    """A workspace in /tmp, like run_code's own (a test's tmp_path is closed to nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="agentlab-escape-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def outside():
    """A folder of the caller's (mode 755) outside the workspace, /tmp and the home folder."""
    if not Path("/var/tmp").is_dir():
        pytest.skip("no /var/tmp on this machine")
    folder = Path(tempfile.mkdtemp(prefix="agentlab-escape-", dir="/var/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_the_program_holds_no_capabilities(level, workspace):
    result = run_command("grep -E '^Cap(Prm|Eff|Amb):' /proc/self/status", workspace=workspace,
                         isolation=level)
    assert result.ok, result.stderr
    capabilities = dict(line.split() for line in result.stdout.splitlines())
    assert capabilities == {"CapPrm:": "0" * 16, "CapEff:": "0" * 16, "CapAmb:": "0" * 16}


@pytest.mark.skipif(not ROOT, reason="only a caller running as root has root to lose")
@pytest.mark.parametrize("level", ALL_LEVELS)
def test_a_root_caller_runs_the_program_as_nobody(level, workspace):
    result = run_command("id -u; id -g; id -G; grep CapBnd /proc/self/status",
                         workspace=workspace, isolation=level)
    assert result.ok, result.stderr
    assert result.stdout.split() == ["65534", "65534", "65534", "CapBnd:", "0" * 16]


@pytest.mark.skipif(not Path("/etc/shadow").exists(), reason="no /etc/shadow on this machine")
@pytest.mark.parametrize("level", ALL_LEVELS)
def test_the_password_file_cannot_be_read(level, workspace):
    result = run_command("head -c 1 /etc/shadow >/dev/null && echo READ", workspace=workspace,
                         isolation=level)
    assert "READ" not in result.stdout
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_the_program_cannot_mount(level, workspace):
    mountpoint = workspace / "mnt"
    mountpoint.mkdir()
    try:
        result = run_command("mount -t tmpfs escape mnt && echo MOUNTED", workspace=workspace,
                             isolation=level)
        assert "MOUNTED" not in result.stdout
        assert not os.path.ismount(mountpoint)
    finally:  # a broken sandbox mounted it in our own namespace: undo that
        if os.path.ismount(mountpoint):
            subprocess.run(["umount", str(mountpoint)], check=False)


@pytest.mark.skipif("bwrap" not in available_levels(), reason="bwrap does not work on this machine")
def test_umount_cannot_uncover_the_hidden_tmp(workspace):
    marker = Path(tempfile.mkdtemp(prefix="agentlab-escape-marker-", dir="/tmp"))
    try:
        script = in_own_mount_namespace("umount -l /tmp") + f"; ls -d {marker} && echo SEEN"
        result = run_command(script, workspace=workspace, isolation="bwrap")
        assert "SEEN" not in result.stdout
    finally:
        marker.rmdir()


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_files_outside_the_workspace_cannot_be_written(level, workspace, outside):
    if not ROOT and level != "bwrap":
        pytest.skip(f"{level} runs an ordinary user's program as that user: their files are "
                    "theirs to write (README, Security model)")
    script = (in_own_mount_namespace("mount -o remount,rw / 2>/dev/null")
              + f"; echo escaped > {outside}/note && echo WROTE")
    result = run_command(script, workspace=workspace, isolation=level)
    assert "WROTE" not in result.stdout
    assert not (outside / "note").exists()


# The caller of run_code is a fresh Python with a secret in its own environment (a variable set
# in this process later would not show in /proc/<pid>/environ, which holds the environment a
# process started with). It prints the sandboxed script's output.
CALLER = """
import ctypes, json, sys
from shared.sandbox import available_levels, run_command
level, workspace, script = sys.argv[1:]
if level not in available_levels():
    print(json.dumps({"level missing": True}))
    sys.exit()
dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE, before the run
result = run_command(script, workspace=workspace, isolation=level)
print(json.dumps({"stdout": result.stdout, "stderr": result.stderr, "dumpable": dumpable}))
"""

READ_ENVIRONMENTS = (in_own_mount_namespace("umount -l /proc 2>/dev/null")
                     + "; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\000' '\\n'"
                     " | grep -c '^AGENTLAB_ESCAPE_SECRET='")


def call_as(user_words: list[str], python: str, level: str, workspace: Path) -> dict:
    env = {**os.environ, "AGENTLAB_ESCAPE_SECRET": uuid.uuid4().hex}
    done = subprocess.run([*user_words, python, "-c", CALLER, level, str(workspace),
                           READ_ENVIRONMENTS], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert env["AGENTLAB_ESCAPE_SECRET"] not in output["stdout"]
    return output


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_the_callers_environment_cannot_be_read(level, workspace):
    output = call_as([], sys.executable, level, workspace)
    assert not output.get("level missing")
    assert output["stdout"].split() == ["0"], output


def python_for_nobody() -> str | None:
    """A Python (this one, or the system's) that nobody may start and read: a program whose
    file its user may not read runs non-dumpable, which would hide its environ by chance."""
    for python in (sys.executable, "/usr/bin/python3"):
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               python, "-c", "import sys; open(sys.executable, 'rb').close()"],
                              capture_output=True, cwd="/")
        if done.returncode == 0:
            return python
    return None


@pytest.mark.skipif(not ROOT or not shutil.which("setpriv"),
                    reason="needs root (and setpriv) to play an ordinary user")
@pytest.mark.parametrize("level", ALL_LEVELS)
def test_an_ordinary_users_environment_cannot_be_read_either(level, workspace):
    # Here the program runs as the same user as its caller: only the caller's own protection
    # (not dumpable: its /proc files are root's) or a PID namespace keeps its environ hidden.
    python = python_for_nobody()
    if python is None:
        pytest.skip("no Python that the user nobody may start")
    os.chown(workspace, 65534, 65534)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    output = call_as(nobody, python, level, workspace)
    if output.get("level missing"):
        pytest.skip(f"{level} fails its probe for the user nobody on this machine")
    assert output["dumpable"] == 1  # else its environ would be hidden before the sandbox acts
    assert output["stdout"].split() == ["0"], output


@pytest.mark.parametrize("level", NETWORK_LEVELS)
def test_the_callers_network_namespace_cannot_be_entered(level, workspace):
    ours = os.readlink("/proc/self/ns/net")
    script = (in_own_mount_namespace("umount -l /proc 2>/dev/null")
              + "; readlink /proc/self/ns/net"
              + f"; nsenter --net=/proc/{os.getpid()}/ns/net readlink /proc/self/ns/net")
    result = run_command(script, workspace=workspace, isolation=level)
    assert result.stdout.split()[0] != ours  # the program has a network of its own ...
    assert ours not in result.stdout  # ... and cannot step into ours


def test_the_tricks_fail_from_python_through_run_code(outside):
    # The tricks as model-written Python would play them, at this machine's level.
    code = f"""
import ctypes, os, subprocess
def sh(command):
    return subprocess.run(command, shell=True, capture_output=True).returncode
own_mounts = os.readlink('/proc/self/ns/mnt') != {CALLER_MOUNTS!r}
print('capabilities=' + open('/proc/self/status').read().split('CapEff:')[1].split()[0])
print('umount_tmp=', sh('umount -l /tmp') if own_mounts else 'skipped')
print('remount_root=', sh('mount -o remount,rw /') if own_mounts else 'skipped')
print('write_outside=', sh('echo x > {outside}/note'))
print('umount_proc=', sh('umount -l /proc') if own_mounts else 'skipped')
try:
    fd = os.open('/proc/{os.getpid()}/ns/net', os.O_RDONLY)
    print('setns=', ctypes.CDLL(None).setns(fd, 0x40000000))  # CLONE_NEWNET
except OSError as err:
    print('setns= refused', err.errno)
"""
    result = run_code(code)
    assert result.ok, result.stderr
    said = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert said.pop("capabilities") == "0" * 16
    assert set(said) == {"umount_tmp", "remount_root", "write_outside", "umount_proc", "setns"}
    for trick, outcome in said.items():  # 0 would be success
        assert outcome.strip() != "0", (trick, result.stdout)
    assert not (outside / "note").exists()
    assert result.isolation == isolation_level()
