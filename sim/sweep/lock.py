"""One writer per results folder: an exclusive OS lock (flock) held for the life of a sweep.

The kernel drops the lock when its process ends, however it ends, so a killed sweep never leaves
a stale lock behind. The lock file stays in the folder (removing it would let two writers lock
two different files); the holder writes its pid into it only so that a refused writer can name
it. The descriptor is close-on-exec, so processes the sweep starts never inherit the lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = ".negsim.lock"


class FolderBusy(ValueError):
    """Another process holds the folder's lock."""


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's exclusive lock for the duration of the block, or raise FolderBusy."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _pid_in(fd)
        os.close(fd)
        raise FolderBusy(
            f"{folder} is being written by another negsim sweep (pid {pid or 'unknown'}); wait "
            "for it to finish, stop it, or choose another --out"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def holder(folder: Path) -> int | None:
    """The pid of the process writing the folder now, or None when no sweep holds its lock."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _pid_in(fd) or -1
    else:
        return None
    finally:
        os.close(fd)


def _pid_in(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None
