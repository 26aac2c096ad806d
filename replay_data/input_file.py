"""The one way every input file is read: scenarios, drills, alarm profiles, the catalogue and
model files, broker configs, credentials, session logs (TOML files then go through
replay_data.toml_reader, which reads their tables).

Whatever a file holds, reading it ends in data or in an InputFileError whose message is
one line naming the file: never a hang, an exhausted memory, a traceback or a silent
misreading.

- Only regular files: a FIFO, a device (/dev/zero), a socket or a folder is refused
  without blocking (the file is opened non-blocking and checked with fstat).
- A size limit per kind of file (read at most limit + 1 bytes, so /dev/zero-like files
  that claim size 0 cannot grow the memory either).
- UTF-8 only, with the file name and the byte offset in the error.
- Parsed documents are walked once: nesting deeper than MAX_DEPTH, integers a float cannot
  hold (beyond 2**53: they would be silently rounded or overflow), and Infinity/NaN where
  the format would let them in (JSON) are refused here, so field checks see only plain
  numbers (TOML NaN is allowed through: scenario keyframes use it for "not measured").
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from typing import Any

from .errors import ScenarioError
from .toml_lines import key_lines, key_text, line_of, too_deep

MAX_DEPTH = 32
MAX_INT = 2**53  # the largest integer a float (every number here ends as one) holds exactly
MAX_BYTES = {
    "scenario": 8 * 1024 * 1024,
    "alarm profile": 1024 * 1024,
    "session": 256 * 1024 * 1024,  # 24 h of snapshots every case minute is ~3 MB
    "broker config": 1024 * 1024,
    "credentials": 64 * 1024,
}
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


class InputFileError(ScenarioError):
    """An input file that cannot be read as the kind it should be. One line, names the file
    (`where`) and says what is wrong (`detail`)."""


def _chunks(path: str | os.PathLike[str], kind: str, max_bytes: int | None
            ) -> Iterator[bytes]:
    """The file's bytes a chunk at a time, after the checks every reader shares: a
    regular file (a FIFO is refused, never waited on) of at most max_bytes (default: the
    kind's limit), counted as it is read too (a file may grow, /proc lies about size)."""
    name = os.fspath(path)
    limit = max_bytes if max_bytes is not None else MAX_BYTES.get(kind, DEFAULT_MAX_BYTES)
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputFileError(name, f"no such {kind} file") from None
    except (OSError, ValueError) as exc:  # ValueError: NUL byte in the name
        raise InputFileError(name, f"cannot read {kind} file: {_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputFileError(name, f"is a folder, not a {kind} file")
        if not stat.S_ISREG(st.st_mode):
            raise InputFileError(name, f"{_file_type(st.st_mode)}, not a {kind} file")
        if st.st_size > limit:
            raise InputFileError(name, f"{kind} file too large ({st.st_size} bytes; at most "
                                       f"{limit})")
        os.set_blocking(fd, True)
        got = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                return
            got += len(chunk)
            if got > limit:
                raise InputFileError(name, f"{kind} file too large (more than {limit} bytes)")
            yield chunk
    except OSError as exc:
        raise InputFileError(name, f"cannot read {kind} file: {_reason(exc)}") from None
    finally:
        os.close(fd)


def read_bytes(path: str | os.PathLike[str], kind: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file of at most max_bytes (default: the kind's limit)."""
    return b"".join(_chunks(path, kind, max_bytes))


def read_lines(path: str | os.PathLike[str], kind: str, max_bytes: int | None = None
               ) -> Iterator[bytes]:
    """The lines of a regular file of at most max_bytes, read a chunk at a time (a
    256 MB session file is never in memory whole): the same checks as read_bytes, each
    line without its b"\\n"; the last piece (after the last newline) comes last, b""
    when the file ends with a newline."""
    tail = b""
    for chunk in _chunks(path, kind, max_bytes):
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        yield from lines
    yield tail


def decode_utf8(data: bytes, where: str, kind: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(where, f"not UTF-8 text (byte {exc.start})") from None


def read_text(path: str | os.PathLike[str], kind: str, max_bytes: int | None = None) -> str:
    return decode_utf8(read_bytes(path, kind, max_bytes), os.fspath(path), kind)


def parse_toml(text: str, where: str, kind: str) -> dict[str, Any]:
    """A TOML document, checked for nesting and numbers (see the module docstring). A
    problem names the line: tomllib's for syntax, the key's own for a value."""
    # A key of many dotted parts costs tomllib quadratic time and memory (100k parts: a
    # MemoryError after 20 s): find it first. Only a line with more dots than MAX_DEPTH
    # can hold one, so most files skip this scan. (Deep arrays and inline tables end in
    # tomllib's RecursionError at once, caught below.)
    if any(line.count(".") > MAX_DEPTH for line in text.splitlines()):
        deep = too_deep(text)
        if deep is not None:
            raise InputFileError(f"{where}:{deep}", "not valid TOML: keys or tables nested "
                                                    f"more than {MAX_DEPTH} levels deep")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = m.group(1) if m else (
            str(len(text.splitlines()) or 1) if "at end of document" in str(exc) else "")
        raise InputFileError(f"{where}:{line}" if line else where,
                             f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputFileError(where, "not valid TOML: arrays or tables nested too deeply"
                             ) from None
    found = _tree_problem(doc, allow_nan=True)
    if found:
        path, problem = found
        line = line_of(key_lines(text), path)
        raise InputFileError(f"{where}:{line}" if line else where,
                             f"{key_text(path) or 'document'}: {problem}")
    return doc


def load_toml(path: str | os.PathLike[str], kind: str, shown: str | None = None
              ) -> dict[str, Any]:
    """Read a TOML file of the given kind through every check above."""
    where = shown or os.fspath(path)
    return parse_toml(decode_utf8(read_bytes(path, kind), where, kind), where, kind)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name}: only finite numbers are allowed")


def _parse_int(text: str) -> int:
    # Checked on the digits, before Python builds a huge int (or refuses > 4300 digits).
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_INT:
        raise ValueError(f"integer {text[:20]}{'...' if len(text) > 20 else ''} is too large")
    return int(text)


def _parse_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"number {text[:20]} is out of range")
    return v


def parse_json(text: str) -> Any:
    """One JSON value with the same rules: no NaN/Infinity, no huge integers or numbers
    that overflow a float, nesting at most MAX_DEPTH. Raises ValueError (one line)."""
    try:
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                           parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    except RecursionError:
        raise ValueError("not JSON (nested too deeply)") from None
    found = _tree_problem(value, allow_nan=False)
    if found:
        path, problem = found
        raise ValueError(f"{key_text(path) or 'value'}: {problem}")
    return value


def _tree_problem(doc: object, *, allow_nan: bool
                  ) -> tuple[tuple[str | int, ...], str] | None:
    """Walk without recursion; say what is wrong and at which key path, or None."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return path, f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(node, dict):
            stack.extend((v, (*path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                return path, f"integer too large (at most {MAX_INT})"
        elif isinstance(node, float):
            if math.isinf(node) or (math.isnan(node) and not allow_nan):
                return path, f"must be a number, not {node} (finite numbers only)"
    return None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def is_path_like(text: str) -> bool:
    """Whether a name given on the command line means a file rather than a built-in."""
    return text.endswith(".toml") or "/" in text or os.sep in text

