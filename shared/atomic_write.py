"""Write files so that a crash never leaves half a file: write a temp file beside, then rename.

The temp file is `.<name>.<pid>.<random>.tmp`. A writer killed mid-write (kill -9, power cut)
leaves it behind; the next write of the same file removes such leftovers when their writer's
process is gone, or when they are older than STALE_AFTER_S (the pid may have been reused).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

STALE_AFTER_S = 600.0  # a temp file this old belongs to no write in progress: ours take seconds


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # gone, or no pid at all
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the leftover temp files of earlier, killed writes of `path`; returns them."""
    # mkstemp's random part is 8 letters, digits or '_'; temp files from before the pid was
    # part of the name have no pid. The exact pattern keeps `a`'s writes off `a.b`'s temp files.
    pattern = re.compile(re.escape(f".{path.name}.") + r"(?:(\d+)\.)?[a-z0-9_]{8}\.tmp")
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age_s = time.time() - entry.stat(follow_symlinks=False).st_mtime
            writer = int(match.group(1)) if match.group(1) else None
            writer_gone = writer is not None and not _pid_alive(writer)
            if writer_gone or age_s > STALE_AFTER_S:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # another writer removed it first
            continue
    return removed


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (os.replace is atomic on the same filesystem)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600): keep the old file's mode, else the usual 0644.
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))
