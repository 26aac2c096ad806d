"""Where a command may write: the one check every output path goes through (the CSV and
HTML exports, the screenshot, the debrief report, the alarm log and the session file),
made before anything is computed or created.

An output never clobbers what it was not meant to:

- a symbolic link is refused (writing through it would replace whatever it points at,
  a scenario or someone's report); name the file itself;
- an output that is one of the run's inputs (`trends --scenario X.toml --out X.toml`) is
  refused, after links, `..` and hard links;
- a named pipe (FIFO), a socket, a block device or a folder is refused: a FIFO with no
  reader blocked the export forever, a disk would be overwritten. Use `--out -` and a
  shell pipe instead. Line-by-line logs (`pipes=True`) may go into a FIFO that is
  already there: each line is one write, and one with no reader is refused when opened;
- a file of the kernel's (/proc, /sys) is refused: it accepts a write and keeps nothing;
- `-`, /dev/stdout, /dev/stderr, /dev/fd/N and character devices (/dev/null, /dev/full,
  a terminal) are written through: they never block opening and never lose a file.

Everything else (a regular file, or a new name in an existing folder) is allowed; how
it is written whole is replay_data.output_file's job. Every refusal is one line naming
the option and the path (OutputError).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping

from .errors import ReplayDataError, one_line

STDOUT = "-"
KERNEL_FOLDERS = ("/proc", "/sys")  # pseudo-files: a write is accepted and nothing kept

_FD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")


class OutputError(ReplayDataError):
    """An output that cannot be written; says which option and which path."""


def reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def fail(option: str, path: str, problem: str) -> OutputError:
    label = f"{option} {path}" if option else path
    return OutputError(one_line(f"{label}: {problem}"))


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


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in the user's words (None: regular or allowed)."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; use '-' and a shell pipe"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISBLK(mode):
        return "a block device (a disk), not a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    return None


def _in_kernel_folder(real: str) -> bool:
    return any(real == root or real.startswith(root + os.sep) for root in KERNEL_FOLDERS)


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (after links, `..`, hard links)."""
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


def check_folder(path: str, option: str = "") -> None:
    """The folder an output goes into must exist and be a folder (a clear message rather
    than 'File exists' or 'Not a directory' when a part of it is a file)."""
    if path == STDOUT:
        return
    try:
        real = os.path.realpath(path)
        folder = os.path.dirname(real) or "."
        if os.path.isdir(real):
            raise fail(option, path, "is a folder")
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
            raise fail(option, path, f"{probe} is a file, not a folder")
        raise fail(option, path, f"folder {os.path.dirname(path) or '.'} does not exist")
    except OutputError:
        raise
    except (OSError, ValueError) as exc:
        raise fail(option, path, reason(exc)) from None


def check_output_path(path: str, option: str = "", *,
                      inputs: Mapping[str, str | None] | None = None,
                      pipes: bool = False) -> None:
    """Raise OutputError when `path` may not be written (see the module docstring).
    `inputs`: option -> path of what the run reads; `pipes`: a line-by-line log, which
    may go into an existing FIFO."""
    if descriptor_alias(path) is not None:
        return
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None  # a new name; check_folder says what is wrong with its folder
    except (OSError, ValueError) as exc:
        raise fail(option, path, reason(exc)) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise fail(option, path, "is a symbolic link; name the file itself (writing "
                                 "through a link would replace what it points at)")
    if st is not None:
        kind = _kind(st.st_mode)
        if kind is not None and not (pipes and stat.S_ISFIFO(st.st_mode)):
            raise fail(option, path, f"is {kind}")
    check_folder(path, option)
    real = os.path.realpath(path)
    if _in_kernel_folder(real) and not (st is not None and stat.S_ISCHR(st.st_mode)):
        raise fail(option, path, "is a file of the kernel's, which keeps nothing written "
                                 "to it; choose a file on a disk")
    for in_option, in_path in (inputs or {}).items():
        if in_path and os.path.exists(in_path) and same_file(path, in_path):
            raise fail(option, path, f"is the input {in_option} {in_path}; write the "
                                     "output to another file")


def check_outputs(outputs: Mapping[str, str | None], *,
                  inputs: Mapping[str, str | None] | None = None,
                  pipes: tuple[str, ...] = ()) -> None:
    """Every output of one run (option -> path, None: not used) checked, and no two of
    them on one file (the second would silently destroy the first). Options in `pipes`
    are line-by-line logs."""
    for option, path in outputs.items():
        if path:
            check_output_path(path, option, inputs=inputs, pipes=option in pipes)
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
