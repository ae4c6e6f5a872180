"""Run model-written code without trusting it: a fresh folder, limits, no secrets, no network.

    from shared.sandbox import run_code
    result = run_code("print(sum(range(10)))")
    print(result.ok, result.stdout, result.isolation)

Every run happens in its own workspace folder, with the same Python interpreter as the caller,
in its own process group and (where the system allows it) its own PID and network namespaces:

    bwrap          bubblewrap: read-only view of the file system, the workspace writable, a private
                   /tmp, the caller's home hidden, own PID/IPC/UTS (and network) namespaces.
    unshare        util-linux `unshare`: own PID, mount and network namespaces (with a /proc that
                   shows only the run's processes), the file system shared.
    process-group  nothing but a process group, resource limits and a scrubbed environment.

`isolation_level()` says which one this machine gives (probed once); $AGENTLAB_SANDBOX forces a
level. On top of that, on every level: a wall-clock timeout that kills the whole process tree,
rlimits (CPU seconds, address space, file size, processes), a cap on what a run may add to its
workspace, capped output, and an environment that holds PATH, HOME=workspace, LANG and a few
PYTHON* settings, nothing of the caller's.

The program never holds a capability. When the caller is root, the program runs as the user
nobody (uid 65534) instead: root without capabilities could still read /etc/shadow and rewrite
every file root owns. For that run the workspace is lent to nobody (chown) and given back after.
`setpriv` (util-linux) makes the switch inside bwrap and unshare, after they have set up their
namespaces; for a process group the switch happens between fork and exec.

The number of processes needs care: RLIMIT_NPROC counts every process of the user and is not
enforced for root. So, for root, a run also gets its own `pids` cgroup when one can be made, and
otherwise a watchdog that counts the run's processes and kills the run above the limit.

A workspace run_code makes for a single run is removed after it (keep=True or
$AGENTLAB_SANDBOX_KEEP=1 keeps it; kept ones are removed a day later). The README's "Security
model" says what each level guarantees and what it does not.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import signal
import stat
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
SANDBOX_UID = SANDBOX_GID = 65534  # nobody/nogroup: who the program is when the caller is root
WORKSPACE_PREFIX = "agentlab-sandbox-"  # run_code's own workspaces: <temp folder>/agentlab-sandbox-*
KEEP_ENV = "AGENTLAB_SANDBOX_KEEP"  # "1": keep run_code's own workspaces for inspection
KEEP_HOURS = 24  # kept workspaces older than this are removed when run_code makes a new one

# setpriv words that turn root into nobody with no capabilities left and no way back (setuid
# programs do not raise privileges after --no-new-privs).
BECOME_NOBODY = ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
# The same without the user switch: for root inside a user namespace an ordinary user made.
DROP_CAPABILITIES = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


@dataclass
class SandboxLimits:
    """Per-run limits. cpu_s: CPU seconds; memory_mb: address space per process (MiB);
    file_size_mb: largest file a run may write (MiB); workspace_mb: the most a run may add to
    its workspace folder in all (MiB, every file and folder counted as at least 4 KiB);
    max_processes: processes alive at once; output_bytes: bytes kept per stream (the first and
    last halves; the middle is cut)."""

    cpu_s: int = 10
    memory_mb: int = 1024
    file_size_mb: int = 64
    workspace_mb: int = 256
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
    # "", "timeout", "process limit", "workspace limit", or the signal's name (e.g. "SIGXCPU")
    killed_by: str = ""
    command: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.killed_by


# Probing what this machine allows -----------------------------------------------------------


def _is_root() -> bool:
    return os.geteuid() == 0


def _sandbox_argv(level: str, workspace: Path, network: bool, prefix: list[str]) -> list[str]:
    """The launcher words that go before the command for an isolation level."""
    if level == "bwrap":
        argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        argv += _hide_folders_args() + _open_parents(workspace, _hidden_folders())
        argv += ["--bind", str(workspace), str(workspace), "--chdir", str(workspace)]
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox"]
        if not network:
            argv.append("--unshare-net")
        argv += ["--cap-drop", "ALL"]
        if _is_root():  # keep what bwrap needs to enter the workspace (lent to nobody) and
            # setpriv to become nobody; setpriv then drops these too
            for capability in ("CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
                argv += ["--cap-add", capability]
        argv += ["--die-with-parent", "--new-session", "--"]
        return argv + (BECOME_NOBODY if _is_root() else [])
    if level == "unshare":
        # --mount-proc: a mount namespace of its own with a /proc that shows only this run.
        argv = ["unshare", *prefix, "--mount-proc", "--pid", "--fork", "--kill-child"]
        if not network:
            argv.insert(1, "--net")
        return [*argv, "--", *(BECOME_NOBODY if _is_root() else DROP_CAPABILITIES)]
    return []


def _python_folders() -> set[Path]:
    """The folders this Python needs to start: its environment and its installation."""
    keep = {
        Path(p).resolve()
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    }
    keep.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return keep


def _hidden_folders() -> list[Path]:
    """What bwrap covers with an empty folder: /tmp, $TMPDIR and the caller's home (keys,
    tokens, config), unless Python lives right there (hiding it would break the run)."""
    keep = _python_folders()
    candidates = {Path(tempfile.gettempdir()).resolve(), Path("/tmp"), Path.home().resolve()}
    return [folder for folder in sorted(candidates)
            if str(folder) not in ("/", "") and os.path.isdir(folder) and folder not in keep]


def _open_parents(path: Path, hidden: list[Path]) -> list[str]:
    """bwrap words that make the folders between a hidden folder and `path` (mode 0755):
    those bwrap makes on its own for a bind are root's alone, and nobody could not pass."""
    words: list[str] = []
    for folder in reversed(path.parents):
        if any(folder != top and folder.is_relative_to(top) for top in hidden):
            words += ["--dir", str(folder)]
    return words


def _hide_folders_args() -> list[str]:
    """bwrap words that put empty folders over /tmp and the caller's home, then bring back,
    read-only, the parts of them this Python needs to start (a virtual environment under
    /tmp, a pyenv Python under the home folder)."""
    keep, hidden, home = _python_folders(), _hidden_folders(), Path.home().resolve()
    args: list[str] = []
    for folder in hidden:
        if folder != home and _is_root():
            args += ["--perms", "1777"]  # a /tmp the user nobody may write to, like any /tmp
        args += ["--tmpfs", str(folder)]
        for path in sorted(keep):
            if path.is_relative_to(folder) and os.path.exists(path):
                args += _open_parents(path, hidden) + ["--ro-bind", str(path), str(path)]
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
    # bwrap must bring this Python back from under the folders it hides: try that. unshare
    # changes no paths, and the question whether nobody may start this Python is another one.
    test = [sys.executable, "-c", "print('ok')"] if level == "bwrap" else ["/bin/sh", "-c", "echo ok"]
    with tempfile.TemporaryDirectory(prefix="agentlab-probe-") as tmp:
        # Unprivileged users need their own user namespace for unshare; root does not.
        prefixes = [[]] if _is_root() or level == "bwrap" else [["--user", "--map-root-user"]]
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


def available_levels() -> list[str]:
    """Every isolation level that works on this machine, strongest first ($AGENTLAB_SANDBOX aside)."""
    return [level for level in LEVELS if _level_prefix(level) is not None]


def _closed_folder(path: str) -> Path | None:
    """The first folder above `path` (followed through links) that nobody may not enter, or
    None. As root, only bwrap makes such a folder passable (it rebuilds the path to Python)."""
    for folder in Path(os.path.realpath(path)).parents:
        try:
            info = folder.stat()
        except OSError:
            return folder
        if not (info.st_mode & stat.S_IXOTH
                or (info.st_uid == SANDBOX_UID and info.st_mode & stat.S_IXUSR)
                or (info.st_gid == SANDBOX_GID and info.st_mode & stat.S_IXGRP)):
            return folder
    return None


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
        # The course's own pytest plugins (hypothesis, httpserver) are not for model-written
        # tests: loading them cost 3-9 s of the run's CPU limit before a test ran (measured).
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
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


# prctl(2) options, from <linux/prctl.h>
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 4, 24, 38


@functools.cache
def _prctl():
    """libc's prctl(option, arg), or None where ctypes cannot reach it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    return lambda option, arg: libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0),
                                          ctypes.c_ulong(0), ctypes.c_ulong(0))


def _last_capability() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 63


def _preexec(limits: SandboxLimits, nproc: int | None, cgroup: Path | None, become_nobody: bool):
    """What the child does between fork and exec: join the cgroup, lower its limits and, for
    a process group started by root, become nobody (what setpriv does on the other levels)."""
    prctl, last_cap = _prctl(), _last_capability()  # looked up before the fork

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
        if become_nobody:
            for capability in range(last_cap + 1) if prctl else ():
                prctl(PR_CAPBSET_DROP, capability)
            os.setgroups([])
            os.setgid(SANDBOX_GID)
            os.setuid(SANDBOX_UID)  # from root to nobody: every capability goes with it
            if prctl is None or prctl(PR_SET_NO_NEW_PRIVS, 1) != 0:
                raise OSError("could not set no_new_privs")

    return apply


def _hide_own_environment() -> None:
    """Make this process non-dumpable: then a program running as the same user can no longer
    read /proc/<this pid>/environ (or ptrace us). Only for a process group without root."""
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_DUMPABLE, 0)


# The workspace ---------------------------------------------------------------------------------


def _entries(folder: Path) -> list[str]:
    """The folder and everything below it, links not followed."""
    found = [str(folder)]
    for parent, folders, files in os.walk(folder):
        found += [os.path.join(parent, name) for name in folders + files]
    return found


def _lend_workspace(workspace: Path) -> dict[str, tuple[int, int]]:
    """Make nobody the owner of the workspace and what is in it (for a run started by root);
    return who owned each entry before, for _give_back_workspace."""
    owners: dict[str, tuple[int, int]] = {}
    for path in _entries(workspace):
        info = os.lstat(path)
        owners[path] = (info.st_uid, info.st_gid)
        if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            continue  # the same file lives elsewhere too: it stays read-only for the program
        os.chown(path, SANDBOX_UID, SANDBOX_GID, follow_symlinks=False)
    return owners


def _give_back_workspace(workspace: Path, owners: dict[str, tuple[int, int]]) -> None:
    """After the run (its processes are dead), what belongs to nobody goes back: to its old
    owner, or for what the program made, to the workspace's owner, without set-user-ID or
    set-group-ID bits (a program must not leave a set-user-ID file that root owns)."""
    default = owners[str(workspace)]
    for path in _entries(workspace):
        try:
            info = os.lstat(path)
            if info.st_uid != SANDBOX_UID or (stat.S_ISREG(info.st_mode) and info.st_nlink > 1):
                continue  # not lent, or a file that lives elsewhere too: leave it alone
            if stat.S_ISREG(info.st_mode) and info.st_mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(path, stat.S_IMODE(info.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
            os.chown(path, *owners.get(path, default), follow_symlinks=False)
        except OSError:
            pass  # removed in the meantime


def _folder_bytes(folder: Path) -> int:
    """Disk space the folder takes, counting each entry as at least one 4 KiB block (so that a
    million empty files count too)."""
    total = 0
    for path in _entries(folder):
        try:
            total += max(os.lstat(path).st_blocks * 512, 4096)
        except OSError:
            pass
    return total


def _remove_folder(folder: Path) -> None:
    """Remove a workspace, even one where the program took away its own write permissions."""
    for parent, _, _ in os.walk(folder):
        try:
            os.chmod(parent, 0o700)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _remove_old_workspaces(hours: float = KEEP_HOURS) -> None:
    """Remove run_code's kept (or left-behind) workspaces older than `hours`."""
    too_old = time.time() - hours * 3600
    for folder in Path(tempfile.gettempdir()).glob(WORKSPACE_PREFIX + "*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < too_old:
                _remove_folder(folder)
        except OSError:
            pass


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
    A caller running as root lends the workspace to nobody for the run (see the module's doc).
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
    root = _is_root()
    if level == "process-group" and not root:
        _hide_own_environment()  # the program runs as us: keep our environ out of its reach

    # How the process count is capped: a cgroup (root), RLIMIT_NPROC (others), else a watchdog.
    cgroup = _make_cgroup(limits.max_processes + 4) if root else None
    nproc = None if root else _user_process_count() + limits.max_processes
    process_cap = "cgroup" if cgroup else ("rlimit" if nproc else "watchdog")
    owners = _lend_workspace(workspace) if root else None
    size_before = _folder_bytes(workspace)

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
            preexec_fn=_preexec(limits, nproc, cgroup, root and level == "process-group"),
        )
    except (OSError, subprocess.SubprocessError) as err:
        if cgroup is not None:
            _remove_cgroup(cgroup)
        if owners is not None:
            _give_back_workspace(workspace, owners)
        stderr = f"{NOTE_PREFIX} could not start {full[0]}: {err}"
        return RunResult(
            stdout="", stderr=_with_note(stderr, _closed_python_note(level, stderr)),
            returncode=None, timed_out=False, duration_s=time.perf_counter() - start,
            workspace=workspace, isolation=level, process_cap=process_cap, command=full,
        )
    readers = [_CappedReader(proc.stdout, limits.output_bytes),
               _CappedReader(proc.stderr, limits.output_bytes)]
    for reader in readers:
        reader.start()

    killed_by = _watch(proc, start + timeout_s, limits, process_cap, workspace, size_before)
    _kill_tree(proc, cgroup)  # also reaps children the program left behind
    proc.wait()
    duration = time.perf_counter() - start
    for reader in readers:
        reader.join(timeout=2.0)  # a child that escaped with our pipe must not hang us
    stdout, out_cut = readers[0].text()
    stderr, err_cut = readers[1].text()
    if not killed_by and _folder_bytes(workspace) - size_before > limits.workspace_mb * 1024 * 1024:
        killed_by = "workspace limit"  # it wrote fast and finished between two looks
    if owners is not None:
        _give_back_workspace(workspace, owners)

    returncode = proc.returncode
    if not killed_by and returncode is not None and returncode < 0:
        killed_by = signal.Signals(-returncode).name
    elif not killed_by and returncode is not None and returncode > 128 and level != "process-group":
        # the launchers report a signal that killed the program as 128 + its number
        try:
            killed_by = signal.Signals(returncode - 128).name
        except ValueError:
            pass
    stderr = _with_note(stderr, _note(killed_by, timeout_s, limits))
    if returncode != 0:
        stderr = _with_note(stderr, _closed_python_note(level, stderr))
    return RunResult(
        stdout=stdout, stderr=stderr, returncode=returncode, timed_out=killed_by == "timeout",
        duration_s=duration, workspace=workspace, isolation=level,
        stdout_cut_bytes=out_cut, stderr_cut_bytes=err_cut, process_cap=process_cap,
        killed_by=killed_by, command=full,
    )


def _watch(proc: subprocess.Popen, deadline: float, limits: SandboxLimits, process_cap: str,
           workspace: Path, size_before: int) -> str:
    """Wait for the program to end; return why it had to be stopped instead ("" if it ended):
    "timeout", "process limit" (watchdog only) or "workspace limit"."""
    next_size_check = 0.0
    while True:
        try:
            proc.wait(timeout=min(0.1, max(0.0, deadline - time.perf_counter())))
            return ""
        except subprocess.TimeoutExpired:
            pass
        now = time.perf_counter()
        if now >= deadline:
            return "timeout"
        if process_cap == "watchdog" and len(_descendants(proc.pid)) > limits.max_processes + 4:
            return "process limit"
        if now >= next_size_check:
            grown = _folder_bytes(workspace) - size_before
            if grown > limits.workspace_mb * 1024 * 1024:
                return "workspace limit"
            # every half second, or less often where measuring takes long (at most 5% of the time)
            next_size_check = time.perf_counter() + max(0.5, 20 * (time.perf_counter() - now))


def _with_note(stream: str, note: str) -> str:
    if not note:
        return stream
    return stream + ("\n" if stream and not stream.endswith("\n") else "") + note


def _closed_python_note(level: str, stderr: str) -> str:
    """Why this Python could not start for nobody, and what to do, or "" when that is not it."""
    if not _is_root() or level == "bwrap" or "permission denied" not in stderr.lower():
        return ""
    for path in (sys.executable, sys.prefix):
        folder = _closed_folder(path)
        if folder is not None:
            return (f"{NOTE_PREFIX} as root the sandbox runs programs as nobody, who may not "
                    f"enter {folder}, where this Python lives: install bubblewrap (apt-get install "
                    f"bubblewrap), or let other users through with `chmod o+x {folder}`")
    return ""


def _note(killed_by: str, timeout_s: float, limits: SandboxLimits) -> str:
    """One plain sentence for the stream the model reads when the sandbox stopped a run."""
    notes = {
        "timeout": f"the program was stopped after {timeout_s:g} s (time limit): "
        "is there an endless loop or a wait for input?",
        "process limit": f"the program was stopped: it started more than {limits.max_processes} "
        "processes",
        "workspace limit": f"the program went over the workspace limit: it wrote more than "
        f"{limits.workspace_mb} MiB into its folder",
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
    keep: bool | None = None,
) -> RunResult:
    """Write `code` to workspace/filename and run it with this Python inside the sandbox.

    workspace None: a fresh temporary folder for this run alone, removed after the run unless
    keep=True (or keep=None and $AGENTLAB_SANDBOX_KEEP=1); RunResult.workspace says where it
    was. A workspace you pass is never removed. The process runs with cwd=HOME=workspace.
    """
    temporary = workspace is None
    if temporary:
        _remove_old_workspaces()
        workspace = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX))
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / filename).write_text(code, encoding="utf-8")
    result = run_command(
        [sys.executable, filename], workspace=workspace, timeout_s=timeout_s, limits=limits,
        network=network, isolation=isolation,
    )
    if keep is None:
        keep = os.environ.get(KEEP_ENV, "").strip() not in ("", "0")
    if temporary and not keep:
        _remove_folder(workspace)
    return result
