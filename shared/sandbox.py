"""Run model-written code without trusting it: a fresh folder, limits, no secrets, no network.

    from shared.sandbox import run_code
    result = run_code("print(sum(range(10)))")
    print(result.ok, result.stdout, result.isolation)

Every run happens in its own workspace folder, with the same Python interpreter as the caller,
in its own process group and (where the system allows it) its own PID and network namespaces:

    bwrap          bubblewrap: read-only view of the file system, the workspace writable, a private
                   /tmp, the caller's home hidden, own PID/IPC/UTS (and network) namespaces.
    unshare        util-linux `unshare`: own PID and network namespaces, the file system shared.
    process-group  nothing but a process group, resource limits and a scrubbed environment.

`isolation_level()` says which one this machine gives (probed once); $AGENTLAB_SANDBOX forces a
level. On top of that, on every level: a wall-clock timeout that kills the whole process tree,
rlimits (CPU seconds, address space, file size, processes), capped output, and an environment
that holds PATH, HOME=workspace, LANG and a few PYTHON* settings, nothing of the caller's.

The number of processes needs care: RLIMIT_NPROC counts every process of the user and is not
enforced for root. So, for root, a run also gets its own `pids` cgroup when one can be made, and
otherwise a watchdog that counts the run's processes and kills the run above the limit.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = ("bwrap", "unshare", "process-group")
NOTE_PREFIX = "[sandbox]"  # every note the sandbox adds to a stream starts with this


@dataclass
class SandboxLimits:
    """Per-run limits. cpu_s: CPU seconds; memory_mb: address space per process (MiB);
    file_size_mb: largest file a run may write (MiB); max_processes: processes alive at once;
    output_bytes: bytes kept per stream (the first and last halves; the middle is cut)."""

    cpu_s: int = 10
    memory_mb: int = 1024
    file_size_mb: int = 64
    max_processes: int = 64
    output_bytes: int = 20_000


@dataclass
class RunResult:
    """What one sandboxed run did. returncode is None when the run never started;
    negative when a signal ended it (-9: SIGKILL). duration_s is wall-clock seconds."""

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    duration_s: float
    workspace: Path
    isolation: str  # "bwrap" | "unshare" | "process-group"
    stdout_cut_bytes: int = 0
    stderr_cut_bytes: int = 0
    process_cap: str = ""  # how max_processes was enforced: "cgroup", "rlimit" or "watchdog"
    killed_by: str = ""  # "", "timeout", "process limit", or the signal's name (e.g. "SIGXCPU")
    command: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


# Probing what this machine allows -----------------------------------------------------------


def _sandbox_argv(level: str, workspace: Path, network: bool, prefix: list[str]) -> list[str]:
    """The launcher words that go before the command for an isolation level."""
    if level == "bwrap":
        argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        argv += _hide_folders_args()
        argv += ["--bind", str(workspace), str(workspace), "--chdir", str(workspace)]
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox"]
        if not network:
            argv.append("--unshare-net")
        argv += ["--die-with-parent", "--new-session", "--"]
        return argv
    if level == "unshare":
        argv = ["unshare", *prefix, "--pid", "--fork", "--kill-child"]
        if not network:
            argv.insert(1, "--net")
        return [*argv, "--"]
    return []


def _hide_folders_args() -> list[str]:
    """bwrap words that put empty folders over /tmp and the caller's home (keys, tokens,
    config), then bring back, read-only, the parts of them this Python needs to start (a
    virtual environment under /tmp, a pyenv Python under the home folder)."""
    keep = {
        Path(p).resolve()
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    }
    keep.add(Path(os.path.realpath(sys.executable)).parent.parent)
    args: list[str] = []
    for folder in sorted({Path(tempfile.gettempdir()).resolve(), Path("/tmp"), Path.home().resolve()}):
        if str(folder) in ("/", "") or not folder.is_dir() or folder in keep:
            continue  # Python lives right there: hiding it would break the run
        args += ["--tmpfs", str(folder)]
        for path in sorted(keep):
            if path.is_relative_to(folder) and path.exists():
                args += ["--ro-bind", str(path), str(path)]
    return args


def _works(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, env=_clean_env(Path("/tmp")))
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == b"ok"


@functools.cache
def _level_prefix(level: str) -> tuple[str, ...] | None:
    """The extra launcher words `level` needs on this machine, or None when it does not work."""
    if level == "process-group":
        return ()
    test = [sys.executable, "-c", "print('ok')"]
    with tempfile.TemporaryDirectory(prefix="agentlab-probe-") as tmp:
        # Unprivileged users need their own user namespace for unshare; root does not.
        prefixes = [[]] if level == "bwrap" else [[], ["--user", "--map-root-user"]]
        for prefix in prefixes:
            if _works(_sandbox_argv(level, Path(tmp), False, prefix) + test):
                return tuple(prefix)
    return None


@functools.cache
def _probe() -> tuple[str, tuple[str, ...]]:
    """(level, extra launcher words): the best level this machine supports, or the forced one."""
    forced = os.environ.get("AGENTLAB_SANDBOX", "").strip()
    if forced and forced not in LEVELS:
        raise ValueError(f"AGENTLAB_SANDBOX={forced!r} is not one of {', '.join(LEVELS)}")
    for level in LEVELS[LEVELS.index(forced):] if forced else LEVELS:
        prefix = _level_prefix(level)
        if prefix is not None:
            return level, prefix
    return "process-group", ()


def isolation_level() -> str:
    """The isolation run_code uses on this machine: "bwrap", "unshare" or "process-group"."""
    return _probe()[0]


# Environment and limits ---------------------------------------------------------------------


def _clean_env(workspace: Path) -> dict[str, str]:
    """A whitelist environment: nothing of the caller's but PATH-like basics."""
    python_bin = os.path.dirname(sys.executable)
    return {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workspace),
        "TMPDIR": str(workspace),
        "LANG": os.environ.get("LANG", "C.UTF-8") or "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


def _user_process_count() -> int:
    """How many processes this user has now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def _make_cgroup(max_processes: int) -> Path | None:
    """A fresh cgroup (v2 or v1 `pids`) capped at max_processes, or None where we may not."""
    candidates = [Path("/sys/fs/cgroup/pids")]
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        candidates.insert(0, Path("/sys/fs/cgroup"))
    for root in candidates:
        if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
            continue
        group = root / f"agentlab-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(max_processes))
            return group
        except OSError:
            try:
                group.rmdir()
            except OSError:
                pass
    return None


def _remove_cgroup(group: Path) -> None:
    """Kill whatever is still in the cgroup, then remove it."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        _sigkill(pids)
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.02)


def _preexec(limits: SandboxLimits, nproc: int | None, cgroup: Path | None):
    """What the child does between fork and exec: join the cgroup, lower its limits."""

    def apply() -> None:
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
        mib = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
        memory = limits.memory_mb * mib
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = limits.file_size_mb * mib
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

    return apply


# Capturing output ---------------------------------------------------------------------------


class _CappedReader(threading.Thread):
    """Reads one pipe to its end, keeping the first and last `limit // 2` bytes."""

    def __init__(self, stream, limit: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.half = stream, max(1, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def run(self) -> None:
        with self.stream:  # the pipe is ours: closed once the program's side is done with it
            self._read_all(self.stream.fileno())

    def _read_all(self, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            room = self.half - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                if len(self.tail) > 2 * self.half:  # trim now and then, not on every chunk
                    del self.tail[: len(self.tail) - self.half]

    def text(self) -> tuple[str, int]:
        """(the kept text with a note where bytes were cut, how many bytes were cut)."""
        tail = bytes(self.tail[-self.half :]) if self.tail else b""
        cut = self.total - len(self.head) - len(tail)
        if cut <= 0:
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", "replace"), 0
        note = f"\n{NOTE_PREFIX} ... {cut:,} bytes cut (of {self.total:,}) ...\n".encode()
        return (bytes(self.head) + note + tail).decode("utf-8", "replace"), cut


# Watching the process tree ------------------------------------------------------------------


def _descendants(root_pid: int) -> list[int]:
    """Every process below root_pid (read from /proc, one pass)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _sigkill(pids: list[int]) -> None:
    """SIGKILL each process; one that is already gone is no error."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _kill_tree(proc: subprocess.Popen, cgroup: Path | None) -> None:
    """SIGKILL the run's process group, every descendant we can still see, and its cgroup."""
    _sigkill(_descendants(proc.pid))
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    if cgroup is not None:
        _remove_cgroup(cgroup)


# Running ------------------------------------------------------------------------------------


def run_command(
    command: str | list[str],
    *,
    workspace: Path,
    timeout_s: float = 10.0,
    limits: SandboxLimits | None = None,
    network: bool = False,
    isolation: str | None = None,
) -> RunResult:
    """Run a command (a str goes through /bin/sh -c) inside the sandbox, cwd=workspace.

    isolation: force "bwrap", "unshare" or "process-group" instead of the probed level
    (for lessons and tests; a level this machine lacks fails like a missing program would).
    """
    limits = limits or SandboxLimits()
    workspace = Path(workspace).resolve()
    workspace.mkdir(parents=True, exist_ok=True)
    level, prefix = _probe()
    if isolation is not None and isolation != level:
        if isolation not in LEVELS:
            raise ValueError(f"isolation {isolation!r} is not one of {', '.join(LEVELS)}")
        level, prefix = isolation, _level_prefix(isolation) or ()
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
    full = _sandbox_argv(level, workspace, network, list(prefix)) + argv

    # How the process count is capped: a cgroup (root), RLIMIT_NPROC (others), else a watchdog.
    cgroup = _make_cgroup(limits.max_processes + 4) if os.geteuid() == 0 else None
    nproc = None if os.geteuid() == 0 else _user_process_count() + limits.max_processes
    process_cap = "cgroup" if cgroup else ("rlimit" if nproc else "watchdog")

    start = time.perf_counter()
    try:
        proc = subprocess.Popen(
            full,
            cwd=workspace,
            env=_clean_env(workspace),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_preexec(limits, nproc, cgroup),
        )
    except OSError as err:
        if cgroup is not None:
            _remove_cgroup(cgroup)
        return RunResult(
            stdout="", stderr=f"{NOTE_PREFIX} could not start {full[0]}: {err}", returncode=None,
            timed_out=False, duration_s=time.perf_counter() - start, workspace=workspace,
            isolation=level, process_cap=process_cap, command=full,
        )
    readers = [_CappedReader(proc.stdout, limits.output_bytes),
               _CappedReader(proc.stderr, limits.output_bytes)]
    for reader in readers:
        reader.start()

    timed_out, killed_by = False, ""
    deadline = start + timeout_s
    while True:
        try:
            proc.wait(timeout=min(0.1, max(0.0, deadline - time.perf_counter())))
            break
        except subprocess.TimeoutExpired:
            pass
        if time.perf_counter() >= deadline:
            timed_out, killed_by = True, "timeout"
            break
        if process_cap == "watchdog" and len(_descendants(proc.pid)) > limits.max_processes + 4:
            killed_by = "process limit"
            break
    _kill_tree(proc, cgroup)  # also reaps children the program left behind
    proc.wait()
    duration = time.perf_counter() - start
    for reader in readers:
        reader.join(timeout=2.0)  # a child that escaped with our pipe must not hang us
    stdout, out_cut = readers[0].text()
    stderr, err_cut = readers[1].text()

    returncode = proc.returncode
    if not killed_by and returncode is not None and returncode < 0:
        killed_by = signal.Signals(-returncode).name
    elif not killed_by and returncode is not None and returncode > 128 and level != "process-group":
        # the launchers report a signal that killed the program as 128 + its number
        try:
            killed_by = signal.Signals(returncode - 128).name
        except ValueError:
            pass
    note = _note(killed_by, timeout_s, limits)
    if note:
        stderr = stderr + ("\n" if stderr and not stderr.endswith("\n") else "") + note
    return RunResult(
        stdout=stdout, stderr=stderr, returncode=returncode, timed_out=timed_out,
        duration_s=duration, workspace=workspace, isolation=level,
        stdout_cut_bytes=out_cut, stderr_cut_bytes=err_cut, process_cap=process_cap,
        killed_by=killed_by, command=full,
    )


def _note(killed_by: str, timeout_s: float, limits: SandboxLimits) -> str:
    """One plain sentence for the stream the model reads when the sandbox stopped a run."""
    notes = {
        "timeout": f"the program was stopped after {timeout_s:g} s (time limit): "
        "is there an endless loop or a wait for input?",
        "process limit": f"the program was stopped: it started more than {limits.max_processes} "
        "processes",
        "SIGXCPU": f"the program was stopped after {limits.cpu_s} s of CPU time (CPU limit)",
        "SIGXFSZ": f"the program was stopped: it wrote a file over {limits.file_size_mb} MiB",
        "SIGKILL": "the program was killed (SIGKILL), probably by a resource limit",
    }
    text = notes.get(killed_by, f"the program was ended by {killed_by}" if killed_by else "")
    return f"{NOTE_PREFIX} {text}" if text else ""


def run_code(
    code: str,
    *,
    workspace: Path | None = None,
    timeout_s: float = 10.0,
    limits: SandboxLimits | None = None,
    network: bool = False,
    filename: str = "main.py",
    isolation: str | None = None,
) -> RunResult:
    """Write `code` to workspace/filename and run it with this Python inside the sandbox.

    workspace None: a fresh temporary folder for this run alone (it is kept for inspection;
    RunResult.workspace says where). The process runs with cwd=workspace and HOME=workspace.
    """
    if workspace is None:
        workspace = Path(tempfile.mkdtemp(prefix="agentlab-sandbox-"))
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / filename).write_text(code, encoding="utf-8")
    return run_command(
        [sys.executable, filename], workspace=workspace, timeout_s=timeout_s, limits=limits,
        network=network, isolation=isolation,
    )
