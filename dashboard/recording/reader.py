"""Reading a session file back (the format: dashboard.recording.format): every line
checked (line_checks.py), with the file and line in the message; a line cut off by a
crash is read up to. What it reads into: records.py (RecordedSession and its records)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.core import actions as acts  # noqa: F401  (tests count its checks here)
from dashboard.recording.checks import check_seed
from dashboard.recording.format import FORMAT_VERSION
from dashboard.recording.line_checks import check_entry, parse_line
from dashboard.recording.records import (
    Action,
    DisplayRecord,
    Entry,
    PerturbationRecord,
    RecordedAction,
    RecordedSession,
    inferred_role,
)
from dashboard.recording.snapshot_runs import SNAPSHOT_START, SnapshotRuns
from dashboard.recording.snapshots import Snapshot, fast_snapshot
from replay_data.errors import one_line
from replay_data.input_file import InputFileError, read_lines
from replay_data.perturbation_data import RecordError as _Bad
from replay_data.perturbation_data import number_field as _number
from replay_data.perturbation_data import text_field as _text

# The reader's public names, whichever module defines them.
__all__ = ["Action", "DisplayRecord", "Entry", "PerturbationRecord", "RecordedAction",
           "RecordedSession", "SessionLogError", "Snapshot", "inferred_role", "read_session"]


class SessionLogError(ValueError):
    """A session file that cannot be read back; names the file and the line."""


_HASH = re.compile(r"[0-9a-f]{64}")


def _numbered_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, complete) of each line, read a chunk at a time; the last
    piece, without its newline, is a write cut off by a crash (complete False)."""
    held: bytes | None = None
    number = 0
    for data in read_lines(path, "session"):  # regular file, size limit; never hangs
        if held is not None:
            number += 1
            yield number, held, True
        held = data
    if held is not None and held.strip():
        yield number + 1, held, False


def read_session(path: str | os.PathLike[str]) -> RecordedSession:
    """Read and check a session file. Content problems raise SessionLogError
    ('FILE: line N: ...'), and so does a file that cannot be read (missing, not a
    regular file, too large: replay_data.input_file). Read line by line: memory grows
    with what the file holds, not with its bytes twice over; runs of the writer's own
    snapshot lines in bulk (snapshot_runs.py), every other line on its own."""
    reader = _Reader(Path(path))
    try:
        for number, data, complete in _numbered_lines(reader.path):
            runs = reader.runs
            if runs is not None and complete and data.startswith(SNAPSHOT_START):
                runs.hold(number, data)
                continue
            if runs is not None:
                runs.flush()  # in file order: what came before is read first
            if data.strip() and reader.line(number, data, complete):
                break
        if reader.runs is not None:
            reader.runs.flush()
    except InputFileError as exc:
        raise SessionLogError(str(exc)) from None
    if reader.session is None:
        raise SessionLogError(one_line(f"{reader.path}: no session_start header "
                                       "(empty file?)"))
    return reader.session


class _Reader:
    """One file being read: the session so far and the perturbations started in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.session: RecordedSession | None = None
        self.runs: SnapshotRuns | None = None  # once the header is read
        self.perturbations: dict[str, bool] = {}  # id -> stopped

    def one_snapshot(self, number: int, data: bytes) -> None:
        self.line(number, data, True)

    def line(self, number: int, data: bytes, complete: bool) -> bool:
        """Read one line into the session; True when it was the cut-off last line."""
        session = self.session
        try:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise _Bad("not UTF-8 text") from None
            if session is not None:
                snap = fast_snapshot(text)  # a snapshot line of another shape, read fast
                if snap is not None:
                    session.snapshot_table.add(number, *snap)
                    return False
            kind, t, wall, rest = parse_line(text)
            if session is None:
                if kind != "session_start":
                    raise _Bad("the first line must be the session_start header, "
                               f"not {kind!r}")
                self.session = _header(self.path, t, wall, rest)
                self.runs = SnapshotRuns(self.session.snapshot_table, self.one_snapshot)
                return False
            p = check_entry(kind, t, rest, self.perturbations)
        except _Bad as exc:
            if not complete and session is not None:
                session.truncated = True
                return True
            raise SessionLogError(one_line(f"{self.path}: line {number}: {exc}")) from None
        if kind == "snapshot":
            when = datetime.fromisoformat(wall)
            if when.utcoffset() is None:
                when = when.replace(tzinfo=UTC)
            session.snapshot_table.add(number, t, wall, when, rest["values"], rest["flags"])
            return False
        if isinstance(p, dict):
            if not _as_written(p, rest):  # a default filled in, an integer made a float
                session._checked_args[number] = p
        elif p is not None:
            session._parsed[number] = p
        session.entries.append(Entry(number, kind, t, wall, rest))
        session._checked = len(session.entries)
        return False


def _as_written(checked: Mapping[str, Any], line: Mapping[str, Any]) -> bool:
    """Whether an action's checked args are its line's own keys, value for value and
    type for type (then the line itself serves as its args: records.ActionArgs)."""
    if len(checked) != len(line) - ("action" in line) - ("display" in line):
        return False
    missing = object()
    return all(type(line.get(k, missing)) is type(v) and line[k] == v
               for k, v in checked.items())


def _header(path: Path, t: float, wall: str, d: Mapping[str, Any]) -> RecordedSession:
    fmt = d.get("format")
    if fmt != FORMAT_VERSION:
        raise _Bad(f"unsupported session format {fmt!r} (this version reads {FORMAT_VERSION})")
    seed = d.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _Bad(f"'seed' must be an integer, not {seed!r}")
    try:
        check_seed(seed)
    except ValueError as exc:
        raise _Bad(str(exc)) from None
    speed = _number(d, "speed")
    if speed <= 0:
        raise _Bad(f"'speed' must be positive, not {speed!r}")
    digest = d.get("scenario_hash")  # absent in files written before it existed
    if digest is not None and not (isinstance(digest, str) and _HASH.fullmatch(digest)):
        raise _Bad(f"'scenario_hash' must be 64 hex digits (sha256), not {digest!r}")
    return RecordedSession(
        path=path, scenario=_text(d, "scenario"), scenario_id=_text(d, "scenario_id"),
        seed=seed, start=_number(d, "start"), speed=speed, wall_time=wall, format=fmt,
        scenario_hash=digest,
    )

