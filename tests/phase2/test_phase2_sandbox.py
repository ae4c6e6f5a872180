"""The sandbox must really hold: runaway loops, fork bombs, leftover children, floods of output,
memory hogs, the caller's secrets and the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from shared.sandbox import SandboxLimits, isolation_level, run_code, run_command


def processes_with(marker: str) -> list[str]:
    """Command lines of live (not zombie) processes that contain `marker`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != b"Z" and entry.name != str(os.getpid()):
            found.append(cmdline)
    return found


def wait_until_gone(marker: str, seconds: float = 5.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_with(marker)


def test_prints_and_reports_the_isolation_in_force():
    result = run_code("print(6 * 7)")
    assert result.ok and result.stdout == "42\n"
    assert result.isolation == isolation_level()
    assert result.isolation in ("bwrap", "unshare", "process-group")


def test_every_run_gets_its_own_workspace():
    first = run_code("open('note.txt', 'w').write('mine')")
    second = run_code("import os; print(sorted(os.listdir('.')))")
    assert first.ok and second.ok
    assert first.workspace != second.workspace
    assert (first.workspace / "note.txt").read_text() == "mine"
    assert "note.txt" not in second.stdout


def test_given_workspace_and_filename_are_used(tmp_path):
    (tmp_path / "data.txt").write_text("hello")
    result = run_code("import os; print(open('data.txt').read(), os.getcwd())",
                      workspace=tmp_path, filename="prog.py")
    assert result.ok, result.stderr
    assert result.stdout.split() == ["hello", str(tmp_path.resolve())]
    assert (tmp_path / "prog.py").exists()


def test_same_interpreter_as_the_caller():
    result = run_code("import sys; print(sys.executable)")
    assert result.stdout.strip() == sys.executable


def test_run_command_goes_through_the_shell(tmp_path):
    result = run_command("echo one && echo two >&2; exit 3", workspace=tmp_path)
    assert result.stdout == "one\n"
    assert result.stderr.startswith("two")
    assert result.returncode == 3 and not result.ok


def test_infinite_loop_is_killed_within_timeout_plus_one_second():
    start = time.monotonic()
    result = run_code("while True:\n    pass\n", timeout_s=1.0)
    elapsed = time.monotonic() - start
    assert result.timed_out and not result.ok
    assert elapsed < 2.0
    assert "time limit" in result.stderr  # the model is told why


def test_sleeping_child_of_a_looping_parent_is_killed_too():
    marker = f"agentlab-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
        "time.sleep(60)\n"
    )
    result = run_code(code, timeout_s=1.0)
    assert result.timed_out
    assert wait_until_gone(marker) == []


def test_child_left_behind_by_a_finished_program_is_killed():
    marker = f"agentlab-{uuid.uuid4().hex}"
    # The child even starts its own session, as a daemon would, to escape the process group.
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(60)',"
        f" '{marker}'])\n"
        "print('parent done')\n"
    )
    result = run_code(code, timeout_s=5.0)
    assert result.ok and result.stdout == "parent done\n"
    assert not result.timed_out and result.duration_s < 5.0
    assert wait_until_gone(marker) == []


def test_fork_bomb_is_contained_and_the_machine_is_fine_after():
    marker = f"agentlab-{uuid.uuid4().hex}"
    bomb = (
        f"# {marker}\n"
        "import os\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    limits = SandboxLimits(max_processes=32)
    result = run_code(bomb, timeout_s=3.0, limits=limits, filename=f"{marker}.py")
    assert not result.ok
    assert result.process_cap in ("cgroup", "rlimit", "watchdog")
    assert wait_until_gone(marker) == []
    after = run_code("print('still fine')")
    assert after.ok and after.stdout == "still fine\n"


def test_hundred_megabytes_of_output_are_capped():
    limits = SandboxLimits(output_bytes=10_000)
    result = run_code("import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\n"
                      "print('THE END')", limits=limits, timeout_s=20.0)
    assert result.ok
    assert result.stdout_cut_bytes > 99_000_000
    assert len(result.stdout) < 11_000
    assert "bytes cut" in result.stdout
    assert result.stdout.rstrip().endswith("THE END")  # the end of a stream is kept


def test_memory_hog_is_stopped():
    limits = SandboxLimits(memory_mb=512)
    result = run_code("hog = bytearray(2 * 1024 ** 3)\nprint('allocated')", limits=limits)
    assert not result.ok
    assert "allocated" not in result.stdout
    assert "MemoryError" in result.stderr or result.returncode < 0


def test_big_file_is_stopped_by_the_file_size_limit():
    limits = SandboxLimits(file_size_mb=1)
    result = run_code("open('big.bin', 'wb').write(b'0' * 5_000_000)", limits=limits)
    assert not result.ok
    assert (result.workspace / "big.bin").stat().st_size <= 1024 * 1024


def test_callers_secret_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("AGENTLAB_TEST_SECRET", "s3cr3t-token")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    result = run_code("import os\nprint(dict(os.environ))")
    assert result.ok
    assert "s3cr3t-token" not in result.stdout
    assert "sk-should-not-leak" not in result.stdout
    env = eval(result.stdout)  # a dict printed by the sandboxed program
    assert env["HOME"] == str(result.workspace)


@pytest.fixture
def local_server():
    """A TCP server on 127.0.0.1 of the caller's network namespace; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


CONNECT = ("import socket\n"
           "try:\n"
           "    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
           "    print('connected')\n"
           "except OSError as err:\n"
           "    print('refused', err)\n")


def test_network_is_refused_where_isolation_allows(local_server):
    result = run_code(CONNECT.format(port=local_server))
    assert result.ok, result.stderr
    if isolation_level() in ("bwrap", "unshare"):
        assert result.stdout.startswith("refused")
    else:  # a bare process group cannot take the network away
        assert result.stdout.startswith("connected")


def test_network_true_keeps_the_network(local_server):
    result = run_code(CONNECT.format(port=local_server), network=True)
    assert result.stdout.startswith("connected"), result.stdout + result.stderr


@pytest.mark.skipif(isolation_level() != "bwrap", reason="only bwrap hides the file system")
def test_bwrap_hides_home_and_keeps_the_rest_read_only(tmp_path):
    result = run_code(
        "import os, pathlib\n"
        "print(sorted(os.listdir(pathlib.Path.home())))\n"
        "try:\n"
        "    open('/usr/agentlab-test-write', 'w')\n"
        "    print('wrote outside')\n"
        "except OSError:\n"
        "    print('read-only outside')\n"
        f"print(os.path.exists({str(tmp_path)!r}))\n"
    )
    assert result.ok, result.stderr
    lines = result.stdout.split("\n")
    assert lines[1] == "read-only outside"
    assert lines[2] == "False"  # the caller's other temp folders are not visible


@pytest.mark.parametrize("level", ["process-group", "unshare", "bwrap"])
def test_each_isolation_level_stops_a_loop_and_leaves_no_child(level):
    if level != "process-group" and subprocess.run(
        ["sh", "-c", f"command -v {'bwrap' if level == 'bwrap' else 'unshare'}"],
        capture_output=True).returncode != 0:
        pytest.skip(f"{level} is not installed")
    if level == "bwrap" and isolation_level() != "bwrap":
        pytest.skip("bwrap does not work on this machine")
    marker = f"agentlab-{uuid.uuid4().hex}"
    code = ("import subprocess, sys, time\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
            "while True: pass\n")
    result = run_code(code, timeout_s=1.0, isolation=level)
    assert result.isolation == level and result.timed_out
    assert wait_until_gone(marker) == []


def test_bwrap_keeps_a_python_that_lives_under_a_hidden_folder(tmp_path, monkeypatch):
    # A checkout (and its .venv) under /tmp: /tmp is hidden, the environment must come back.
    from shared import sandbox

    venv = tmp_path / ".venv"
    venv.mkdir()
    monkeypatch.setattr(sandbox.sys, "prefix", str(venv))
    args = sandbox._hide_folders_args()
    venv = venv.resolve()
    hidden = [args[i + 1] for i, word in enumerate(args) if word == "--tmpfs"]
    outer = next(folder for folder in hidden if venv.is_relative_to(folder))  # tmp_path's folder
    after = args[args.index(outer):]
    assert any(after[i: i + 3] == ["--ro-bind", str(venv), str(venv)] for i in range(len(after)))
