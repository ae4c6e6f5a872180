"""The sandbox must really hold: runaway loops, fork bombs, leftover children, floods of output,
memory hogs, full disks, the caller's secrets and the network. (Escapes: tests/security.)"""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
import time
import uuid

import pytest

from shared import sandbox
from shared.sandbox import (
    LEVELS,
    SandboxLimits,
    available_levels,
    isolation_level,
    run_code,
    run_command,
)


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
    first = run_code("open('note.txt', 'w').write('mine')", keep=True)
    second = run_code("import os; print(sorted(os.listdir('.')))", keep=True)
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
    result = run_code("open('big.bin', 'wb').write(b'0' * 5_000_000)", limits=limits, keep=True)
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


@pytest.mark.parametrize("level", LEVELS)
def test_each_isolation_level_stops_a_loop_and_leaves_no_child(level, tmp_path):
    if level not in available_levels():
        pytest.skip(f"{level} does not work on this machine")
    # A shell program (sh starts wherever this Python may not, see tests/security); the child's
    # sleep has a duration no other process has, so that its command line is the marker.
    marker = f"60.{uuid.uuid4().int % 10**12:012d}"
    result = run_command(f"sleep {marker} & while :; do :; done", workspace=tmp_path,
                         timeout_s=1.0, isolation=level)
    assert result.isolation == level and result.timed_out
    assert wait_until_gone(f"sleep {marker}") == []


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


# The workspace: removed after a run of its own, capped in size, left to its owner ----------------


def test_a_temporary_workspace_is_removed_after_the_run():
    # even one where the program locked a folder against its owner
    result = run_code("import os\nos.makedirs('locked/deep')\nopen('locked/deep/f', 'w').write('x')\n"
                      "os.chmod('locked', 0)\nprint('made')")
    assert result.ok and result.stdout == "made\n", result.stderr
    assert result.workspace.name.startswith(sandbox.WORKSPACE_PREFIX)
    assert not result.workspace.exists()


def test_keep_or_the_environment_variable_keeps_the_workspace(monkeypatch):
    kept = run_code("open('out.txt', 'w').write('look at me')", keep=True)
    monkeypatch.setenv(sandbox.KEEP_ENV, "1")
    kept_by_env = run_code("open('out.txt', 'w').write('me too')")
    not_kept = run_code("print(1)", keep=False)
    assert (kept.workspace / "out.txt").read_text() == "look at me"
    assert (kept_by_env.workspace / "out.txt").read_text() == "me too"
    assert not not_kept.workspace.exists()


def test_kept_workspaces_older_than_a_day_are_removed_by_the_next_run(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox.tempfile, "tempdir", str(tmp_path))  # only our own folders
    two_days_ago = time.time() - 2 * 24 * 3600
    old = tmp_path / f"{sandbox.WORKSPACE_PREFIX}old"
    recent = tmp_path / f"{sandbox.WORKSPACE_PREFIX}recent"
    unrelated = tmp_path / "someone-elses-old-folder"
    for folder in (old, recent, unrelated):
        (folder / "sub").mkdir(parents=True)
    for folder in (old, unrelated):
        os.utime(folder, (two_days_ago, two_days_ago))
    assert run_code("print('hi')").ok
    assert not old.exists()
    assert recent.exists() and unrelated.exists()


@pytest.mark.parametrize("then", ["time.sleep(30)", "pass"])
def test_a_run_that_writes_past_the_workspace_limit_is_stopped(then):
    # 4 files of 1 MiB: each is under the file-size limit, together they pass the 2 MiB cap.
    code = ("import time\nfor n in range(4):\n    open(f'part{n}.bin', 'wb').write(b'x' * 2**20)\n"
            f"{then}\n")
    result = run_code(code, limits=SandboxLimits(workspace_mb=2), timeout_s=20.0)
    assert result.killed_by == "workspace limit" and not result.ok
    assert not result.timed_out
    assert "more than 2 MiB" in result.stderr  # the model is told why


def test_the_workspace_limit_counts_only_what_the_run_adds(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"d" * 3 * 2**20)  # the caller's 3 MiB, over the cap
    result = run_code("open('small.txt', 'w').write('fine')", workspace=tmp_path,
                      limits=SandboxLimits(workspace_mb=2))
    assert result.ok, result.stderr


def test_a_given_workspace_is_kept_and_everything_in_it_stays_the_callers(tmp_path):
    (tmp_path / "data.txt").write_text("one\n")
    code = ("import os\nopen('data.txt', 'a').write('two\\n')\nos.mkdir('made')\n"
            "open('made/new.txt', 'w').write('new')\n")
    result = run_code(code, workspace=tmp_path)
    assert result.ok, result.stderr
    assert (tmp_path / "data.txt").read_text() == "one\ntwo\n"
    assert (tmp_path / "made" / "new.txt").read_text() == "new"
    for path in [tmp_path, *tmp_path.rglob("*")]:
        assert path.stat().st_uid == os.getuid(), path  # a root caller gets its files back


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root caller lends the workspace to nobody")
def test_a_program_cannot_leave_a_set_user_id_file_for_root(tmp_path):
    code = ("import os, shutil\nshutil.copy('/bin/true', 'tool')\nos.chmod('tool', 0o6755)\n"
            "print(oct(os.stat('tool').st_mode))")
    result = run_code(code, workspace=tmp_path)
    assert result.ok, result.stderr
    tool = (tmp_path / "tool").stat()
    assert tool.st_uid == 0
    assert not tool.st_mode & (stat.S_ISUID | stat.S_ISGID)


def test_model_written_tests_run_without_the_course_plugins(tmp_path):
    """pytest inside the sandbox loads no entry-point plugins (hypothesis alone cost seconds of
    the CPU limit); a plain test still runs."""
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    probe = "import os; print(os.environ.get('PYTEST_DISABLE_PLUGIN_AUTOLOAD'))"
    assert run_code(probe).stdout.strip() == "1"
    result = run_command([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "test_one.py"], workspace=tmp_path, timeout_s=60)
    assert result.ok and "1 passed" in result.stdout
    assert "hypothesis" not in result.stdout
