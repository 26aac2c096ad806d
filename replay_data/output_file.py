"""The one way a command writes a whole output file (CSV, HTML report, screenshot).

Which paths may be written at all is replay_data.output_path's rule, checked first
(links, inputs, FIFOs, /proc refused; see there). Then:

- `-`, /dev/stdout and /dev/fd/N are written through that descriptor;
- a character device (/dev/null, /dev/full) is written through, never replaced;
- a regular file (or a new name) is written beside its destination and renamed over it
  only when complete, so an existing file is never left half-written; the new file gets
  the mode the old one had, or the usual 0666 minus the umask (not mkstemp's 0600);
- a temporary file is removed on any failure, Ctrl-C or SIGTERM (see `interrupts`).

Every problem is an OutputError: one line naming the option and the path.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

from .output_path import (
    STDOUT,
    OutputError,
    check_folder,
    check_output_path,
    check_outputs,
    descriptor_alias,
    same_file,
)
from .output_path import fail as _fail
from .output_path import reason as _reason

__all__ = ["STDOUT", "OutputError", "check_folder", "check_output_path", "check_outputs",
           "check_writable", "descriptor_alias", "is_regular_or_new", "open_output",
           "same_file", "write_all", "write_bytes"]


def check_writable(path: str, option: str = "") -> None:
    """An output written only at the end of a long run (a screenshot) is tried at the
    start: a temporary file is created in its folder and removed at once, so a folder
    nothing can be written into (read-only, /proc, no permission) is refused before the
    run instead of after it (after the output-path rule). Character devices and descriptor
    names are left to the write."""
    if path == STDOUT or descriptor_alias(path) is not None:
        return
    check_output_path(path, option)
    target = os.path.realpath(path)
    if not is_regular_or_new(target):
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                   dir=os.path.dirname(target) or ".")
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def is_regular_or_new(path: str) -> bool:
    """True when the path (after links) is a regular file or does not exist yet."""
    try:
        st = os.stat(os.path.realpath(path))
    except FileNotFoundError:
        return True
    return stat.S_ISREG(st.st_mode)


@contextlib.contextmanager
def _written_through(open_it: Callable[[], IO], option: str, path: str) -> Iterator[IO]:
    """A character device or a descriptor written through (never replaced); every failure,
    opening, writing or flushing, is the one-line OutputError naming the option."""
    try:
        fh = open_it()
    except (OSError, ValueError) as exc:
        raise _fail(option, path, _reason(exc)) from None
    try:
        yield fh
        fh.flush()
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    finally:
        with contextlib.suppress(OSError):
            fh.close()


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def open_output(path: str, option: str = "", *, binary: bool = False,
                newline: str | None = "") -> Iterator[IO]:
    """A file to write one whole output into (see the module docstring)."""
    mode = "wb" if binary else "w"
    text_kw = {} if binary else {"encoding": "utf-8", "newline": newline}
    if path == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        try:
            stream.flush()
        except OSError as exc:
            raise _fail(option, path, _reason(exc)) from None
        return
    fd_alias = descriptor_alias(path)
    if fd_alias is not None:
        def duplicate() -> IO:
            sys.stdout.flush()  # what was printed before comes first
            return os.fdopen(os.dup(fd_alias), mode, **text_kw)

        with _written_through(duplicate, option, path) as fh:
            yield fh
        return
    check_output_path(path, option)
    target = os.path.realpath(path)
    if not is_regular_or_new(target):
        # A character device: write through it, never replace it.
        with _written_through(lambda: open(target, mode, **text_kw), option, path) as fh:
            yield fh
        return
    folder = os.path.dirname(target) or "."
    try:
        old_mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = 0o666 & ~current_umask()
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    # Ctrl-C and SIGTERM held while the .part file is made: one arriving between its
    # creation and the `try` that removes it left it behind (a test that interrupts the
    # moment the file appears caught it).
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                   dir=folder)
    except OSError as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise _fail(option, path, _reason(exc)) from None
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # from here it is removed
        with os.fdopen(fd, mode, **text_kw) as fh:
            os.fchmod(fh.fileno(), old_mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_bytes(path: str, data: bytes, option: str = "") -> None:
    with open_output(path, option, binary=True) as fh:
        fh.write(data)


def write_all(files: Sequence[tuple[str, bytes | Iterable[bytes]]], option: str = "", *,
              ready: Sequence[tuple[str, str]] = ()) -> None:
    """Several files that belong together (a report and its CSV): each is complete, and
    all regular ones are written before any replaces its old version, so a full disk
    leaves all the old ones as they were. A file's data is its bytes, or its pieces in
    turn (written out as they are made, never joined in memory). `ready`: (temporary,
    target) files the caller has already written whole and synced beside their targets
    (the debrief's films): renamed with the others, removed on any failure."""
    for path, _ in files:
        check_output_path(path, option)
    for _, target in ready:
        check_output_path(target, option)
    staged: list[tuple[str, str]] = []
    through: list[tuple[str, bytes]] = []
    current = ""
    try:
        for path, data in files:
            current = path
            target = os.path.realpath(path) if path != STDOUT else path
            if descriptor_alias(path) is not None or not is_regular_or_new(target):
                through.append((path, data))
                continue
            try:
                old_mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                old_mode = 0o666 & ~current_umask()
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.",
                                       suffix=".part", dir=os.path.dirname(target) or ".")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), old_mode)
                for piece in _pieces(data):
                    fh.write(piece)
                fh.flush()
                os.fsync(fh.fileno())
        for (tmp, target), (path, _) in zip(staged, files):
            current = path
            os.replace(tmp, target)
        for tmp, target in ready:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        raise _fail(option, current, _reason(exc)) from None
    finally:
        for tmp, _ in [*staged, *ready]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for path, data in through:
        with open_output(path, option, binary=True) as fh:
            for piece in _pieces(data):
                fh.write(piece)


def _pieces(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return (data,) if isinstance(data, bytes | bytearray | memoryview) else data
