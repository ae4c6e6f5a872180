"""The file tools read and write regular files only, and every write is atomic (issue 10): a
named pipe no longer hangs write_file, and content that cannot be written no longer empties
the file it was meant to replace."""

from __future__ import annotations

import os
import socket
import threading

import pytest

import shared.atomic_write


def run_in_thread(registry, name, arguments, wait_s=20.0):
    """The tool's observation, or None when it is still blocked after `wait_s` (it hangs)."""
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(registry.run(name, arguments)),
                              daemon=True)
    worker.start()
    worker.join(wait_s)
    return outcome[0] if outcome else None


@pytest.fixture
def fifo(workspace):
    path = workspace / "pipe"
    os.mkfifo(path)
    yield path
    # Release a writer left blocked on the pipe (the old write_file): open it for reading.
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.close(reader)


@pytest.mark.parametrize("name, arguments", [
    ("write_file", {"path": "pipe", "content": "hello"}),
    ("read_file", {"path": "pipe"}),
    ("edit_file", {"path": "pipe", "old": "a", "new": "b"}),
])
def test_a_named_pipe_is_refused_at_once(registry, fifo, name, arguments):
    observation = run_in_thread(registry, name, arguments)
    assert observation is not None, f"{name} on a named pipe hung"
    assert observation.kind == "error" and "named pipe" in observation.text
    assert "not a regular file" in observation.text


def test_a_socket_and_a_folder_are_refused(registry, workspace):
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(workspace / "sock"))
        for name in ("read_file", "write_file"):
            observation = registry.run(name, {"path": "sock", "content": "x"} if name == "write_file"
                                       else {"path": "sock"})
            assert observation.kind == "error" and "a socket" in observation.text, observation
    finally:
        server.close()
    (workspace / "folder").mkdir()
    observation = registry.run("write_file", {"path": "folder", "content": "x"})
    assert observation.kind == "error" and "a folder" in observation.text
    assert "choose another path" in observation.text
    assert (workspace / "folder").is_dir()


@pytest.mark.parametrize("name, arguments", [
    ("write_file", {"path": "notes.txt", "content": "new \udc80 text"}),
    ("edit_file", {"path": "notes.txt", "old": "keep", "new": "lost \ud800"}),
])
def test_content_that_cannot_be_written_leaves_the_file_as_it_was(registry, workspace, name,
                                                                   arguments):
    (workspace / "notes.txt").write_text("keep me\n")
    observation = registry.run(name, arguments)
    assert observation.kind == "error" and "UTF-8" in observation.text
    assert "surrogate" in observation.text and "remove it" in observation.text
    assert (workspace / "notes.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in workspace.iterdir()) == ["notes.txt"]  # no temp file left


def test_a_write_that_fails_midway_leaves_the_old_file_whole(registry, workspace, monkeypatch):
    (workspace / "notes.txt").write_text("keep me\n")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shared.atomic_write.os, "replace", disk_full)
    observation = registry.run("write_file", {"path": "notes.txt", "content": "new text\n"})
    monkeypatch.undo()
    assert observation.kind == "error"
    assert (workspace / "notes.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in workspace.iterdir()) == ["notes.txt"]


def test_writes_keep_the_file_mode_and_report_changes(registry, workspace):
    script = workspace / "run.sh"
    script.write_text("echo 1\n")
    script.chmod(0o755)
    first = registry.run("write_file", {"path": "run.sh", "content": "echo 2\n"})
    assert first.ok and first.changed_files and script.read_text() == "echo 2\n"
    assert script.stat().st_mode & 0o777 == 0o755
    again = registry.run("write_file", {"path": "run.sh", "content": "echo 2\n"})
    assert again.ok and not again.changed_files
    new = registry.run("write_file", {"path": "sub/new.txt", "content": "é\n"})
    assert new.ok and new.changed_files and "wrote 3 bytes" in new.text


def test_files_are_read_as_text_mode_reads_them(registry, workspace):
    (workspace / "dos.py").write_bytes(b"x = 1\r\ny = 2\r\n")
    assert registry.run("read_file", {"path": "dos.py"}).text == "x = 1\ny = 2\n"
    assert registry.run("edit_file", {"path": "dos.py", "old": "x = 1\ny = 2", "new": "x = 3"}).ok
    assert (workspace / "dos.py").read_bytes() == b"x = 3\n"
