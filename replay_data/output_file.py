"""The one way a command writes a whole output file (CSV, HTML report, screenshot).

- `-` means standard output.
- A regular file (or a new name) is written beside its destination and renamed over it
  only when complete, so an existing file is never left half-written; the new file gets
  the mode the old one had, or the usual 0666 minus the umask (not mkstemp's 0600).
- Anything else at the path (a device such as /dev/null or /dev/stdout, a pipe) is
  written through, never replaced; a symbolic link is followed and its target treated by
  these rules, so the link stays a link.
- A temporary file is removed on any failure, Ctrl-C or SIGTERM (see `interrupts`).
- Two outputs of one run on the same file are refused before anything is written.

Every problem is an OutputError: one line naming the option and the path.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO

from .errors import ReplayDataError, one_line

STDOUT = "-"


class OutputError(ReplayDataError):
    """An output that cannot be written; says which option and which path."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _fail(option: str, path: str, problem: str) -> OutputError:
    label = f"{option} {path}" if option else path
    return OutputError(one_line(f"{label}: {problem}"))


def check_folder(path: str, option: str = "") -> None:
    """The folder an output goes into must exist and be a folder (a clear message rather
    than 'File exists' or 'Not a directory' when a part of it is a file)."""
    if path == STDOUT:
        return
    try:
        real = os.path.realpath(path)
        folder = os.path.dirname(real) or "."
        if os.path.isdir(real):
            raise _fail(option, path, "is a folder")
        if os.path.isdir(folder):
            return
        # Name the first part of the path that is not a folder.
        probe = folder
        while probe and not os.path.exists(probe):
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
        if probe and os.path.exists(probe) and not os.path.isdir(probe):
            raise _fail(option, path, f"{probe} is a file, not a folder")
        raise _fail(option, path, f"folder {os.path.dirname(path) or '.'} does not exist")
    except OutputError:
        raise
    except (OSError, ValueError) as exc:
        raise _fail(option, path, _reason(exc)) from None


def check_writable(path: str, option: str = "") -> None:
    """An output written only at the end of a long run (a screenshot) is tried at the
    start: a temporary file is created in its folder and removed at once, so a folder
    nothing can be written into (read-only, /proc, no permission) is refused before the
    run instead of after it. Devices, pipes and descriptor names are left to the write."""
    if path == STDOUT or descriptor_alias(path) is not None:
        return
    check_folder(path, option)
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


def same_file(a: str, b: str) -> bool:
    """Whether two output paths name one file (after links, `..`, hard links)."""
    fa, fb = descriptor_alias(a), descriptor_alias(b)
    if fa is not None or fb is not None:
        return fa == fb
    try:
        ra, rb = os.path.realpath(a), os.path.realpath(b)
        if ra == rb:
            return True
        sa, sb = os.stat(ra), os.stat(rb)
        return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
    except (OSError, ValueError):
        return False


def check_distinct(outputs: Mapping[str, str | None]) -> None:
    """Refuse two outputs of one run that would land in the same file (the second would
    silently destroy the first). `outputs`: option -> path (None: not used)."""
    used = [(opt, p) for opt, p in outputs.items() if p]
    for i, (opt_a, a) in enumerate(used):
        for opt_b, b in used[i + 1:]:
            if same_file(a, b) and not _is_sink_device(a):
                raise OutputError(one_line(f"{opt_a} and {opt_b} name the same file {a}; "
                                           "each output needs its own file"))


def _is_sink_device(path: str) -> bool:
    # Several outputs may all go to /dev/null; that loses nothing anyone wanted.
    try:
        return os.path.realpath(path) == os.devnull
    except (OSError, ValueError):
        return False


_FD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")


def descriptor_alias(path: str) -> int | None:
    """The open descriptor a name like /dev/stdout or /dev/fd/3 stands for. Such a name
    must be written through that descriptor: reopening it (or renaming over what it
    resolves to) would restart at offset 0 or replace the shell's redirect target."""
    if path == STDOUT:
        return 1
    name = os.path.normpath(os.path.abspath(path))
    if name in _FD_NAMES:
        return _FD_NAMES[name]
    m = _FD_PATH.fullmatch(name)
    return int(m.group(1)) if m else None


def is_regular_or_new(path: str) -> bool:
    """True when the path (after links) is a regular file or does not exist yet."""
    try:
        st = os.stat(os.path.realpath(path))
    except FileNotFoundError:
        return True
    return stat.S_ISREG(st.st_mode)


@contextlib.contextmanager
def _written_through(open_it: Callable[[], IO], option: str, path: str) -> Iterator[IO]:
    """A device, a pipe or a descriptor written through (never replaced); every failure,
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
    check_folder(path, option)
    target = os.path.realpath(path)
    if not is_regular_or_new(target):
        # A device or a pipe: write through it, never replace it.
        with _written_through(lambda: open(target, mode, **text_kw), option, path) as fh:
            yield fh
        return
    folder = os.path.dirname(target) or "."
    try:
        old_mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = 0o666 & ~_umask()
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                   dir=folder)
    except OSError as exc:
        raise _fail(option, path, _reason(exc)) from None
    try:
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


def write_all(files: Sequence[tuple[str, bytes]], option: str = "") -> None:
    """Several files that belong together (a report and its CSV): each is complete, and
    all regular ones are written before any replaces its old version, so a full disk
    leaves all the old ones as they were."""
    for path, _ in files:
        if descriptor_alias(path) is None:
            check_folder(path, option)
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
                old_mode = 0o666 & ~_umask()
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.",
                                       suffix=".part", dir=os.path.dirname(target) or ".")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), old_mode)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for (tmp, target), (path, _) in zip(staged, files):
            current = path
            os.replace(tmp, target)
    except OSError as exc:
        raise _fail(option, current, _reason(exc)) from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for path, data in through:
        write_bytes(path, data, option)
