"""JSON Lines files that lose nothing: each line goes out in one write() and is flushed
before the caller goes on (optionally fsync'ed too, to survive a power cut). Shared by the
alarm log and the session recording, which differ only in what a line says.

A line is written whole or not at all: when a write fails part-way (disk full), the
file is cut back to where the line began, so the next line does not join a fragment.
Before appending to a file that a crash left with a cut last line, that fragment (never
a complete record) is removed. An existing file is appended to only when its first line
is a record of the same kind (`looks_like`), so a log pointed at a scenario or at a
session file refuses instead of corrupting it. Devices and pipes (/dev/null, a FIFO)
are written through.
"""

from __future__ import annotations

import os
import pwd
import stat
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

APP_DIR = "icu-ecmo-replay"
FIRST_LINE_MAX = 64 * 1024  # enough for any first record; a longer "line" is not a log


def _home() -> Path:
    """$HOME when it is an absolute path, else the account's home from the password
    database (HOME="" must not put files under /.local)."""
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return Path(home)
    try:
        entry = pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        entry = ""
    if os.path.isabs(entry):
        return Path(entry)
    raise OSError(0, "no home folder: set HOME or XDG_DATA_HOME, or name the file")


def user_data_file(kind: str, wall_clock: Callable[[], float] = time.time) -> Path:
    """$XDG_DATA_HOME (or ~/.local/share)/icu-ecmo-replay/<kind>/<UTC timestamp>.jsonl."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if os.path.isabs(base) else _home() / ".local" / "share"
    stamp = datetime.fromtimestamp(wall_clock(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / APP_DIR / kind / f"{stamp}.jsonl"


def _make_folder(path: Path) -> None:
    """Create the folder of `path`; say which part is a file rather than 'File exists'."""
    folder = path.parent
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise NotADirectoryError(0, f"{probe} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)


class LineWriter:
    """Open (folder created), write lines, close. `error(what, cause)` turns an OSError
    into the caller's own one-line error type; `name` says what the file is.

    mode "x": a new file (refuses an existing one); "a": append, after checking that an
    existing file is a log of this kind (`looks_like(first_line_bytes) -> bool`)."""

    def __init__(self, path: Path, mode: str, name: str,
                 error: Callable[[str, OSError], OSError], fsync: bool = False,
                 looks_like: Callable[[bytes], bool] | None = None) -> None:
        self.path, self.name, self.fsync, self._error = path, name, fsync, error
        verb = "create" if mode == "x" else "open"
        self._fd: int | None = None
        self.regular = True
        try:
            _make_folder(path)
            flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            if mode == "x":
                flags |= os.O_EXCL
            else:
                flags |= os.O_APPEND | os.O_NONBLOCK  # a FIFO without reader: no hang
            fd = os.open(path, flags, 0o666)
        except OSError as e:
            raise error(f"cannot {verb} {name} {path}", e) from None
        try:
            st = os.fstat(fd)
            self.regular = stat.S_ISREG(st.st_mode)
            if self.regular and st.st_size > 0:
                _check_existing(path, fd, st.st_size, name, looks_like)
            os.set_blocking(fd, True)
        except OSError as e:
            os.close(fd)
            raise error(f"cannot {verb} {name} {path}", e) from None
        self._fd = fd

    @property
    def closed(self) -> bool:
        return self._fd is None

    def write_line(self, line: str) -> None:
        if self._fd is None:
            raise self._error(f"{self.name} {self.path} is closed", OSError(0, "closed"))
        data = (line + "\n").encode("utf-8")
        start = os.fstat(self._fd).st_size if self.regular else 0
        try:
            done = 0
            while done < len(data):
                n = os.write(self._fd, data[done:])
                if n <= 0:
                    raise OSError(0, "nothing written")
                done += n
            if self.fsync:
                os.fsync(self._fd)
        except OSError as e:
            if self.regular:
                # Whole or not at all: cut away the part of this line that got out.
                try:
                    os.ftruncate(self._fd, start)
                except OSError:
                    pass
            raise self._error(f"cannot write {self.name} {self.path}", e) from None

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _check_existing(path: Path, fd: int, size: int, name: str,
                    looks_like: Callable[[bytes], bool] | None) -> None:
    with open(path, "rb") as f:
        first = f.readline(FIRST_LINE_MAX)
        f.seek(max(0, size - 1))
        last = f.read(1)
    if not first.endswith(b"\n") and first.lstrip().startswith(b"{") and last != b"\n":
        os.ftruncate(fd, 0)  # the only line was cut while being written: nothing to keep
        return
    if looks_like is not None and not looks_like(first):
        raise OSError(0, f"exists and is not {_article(name)} {name}; choose another file")
    if last != b"\n":
        # A crash cut the last line: drop the fragment (it never was a record).
        with open(path, "rb") as f:
            data_end = _last_newline_end(f, size)
        os.ftruncate(fd, data_end)


def _last_newline_end(f, size: int) -> int:
    """Offset just after the last newline of the file (0 if none)."""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        f.seek(pos - step)
        chunk = f.read(step)
        i = chunk.rfind(b"\n")
        if i >= 0:
            return pos - step + i + 1
        pos -= step
    return 0


def _article(name: str) -> str:
    return "an" if name[:1].lower() in "aeiou" else "a"
