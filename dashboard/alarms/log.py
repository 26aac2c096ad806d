"""Alarm log: one JSON object per line, appended and flushed as each change happens.

Each line is written with one write() call and flushed to the operating system before
the engine goes on, so a crash of the app loses nothing already reported; with
fsync=True each line is also forced to disk, so it survives a power cut or OS crash too.
Keys, in this order: case_time, wall_time (ISO 8601, UTC), event, alarm_id, channel,
value, limit, priority, message. NaN values (not measured) are written as null.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from replay_data.jsonl import APP_DIR, LineWriter, user_data_file

from .engine import AlarmChange

__all__ = ["APP_DIR", "AlarmLog", "AlarmLogError", "default_log_path", "format_line", "read_log"]


class AlarmLogError(OSError):
    """The alarm log cannot be opened or written; str() is one line for the CLI."""


def _error(what: str, cause: OSError) -> AlarmLogError:
    err = AlarmLogError(f"{what}: {cause.strerror or cause}")
    err.errno = cause.errno
    return err


def default_log_path(wall_clock: Callable[[], float] = time.time) -> Path:
    """$XDG_DATA_HOME (or ~/.local/share)/icu-ecmo-replay/alarm-logs/<timestamp>.jsonl."""
    return user_data_file("alarm-logs", wall_clock)


def _number(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def format_line(change: AlarmChange, wall_time: float) -> str:
    """The log line for one change (without the newline)."""
    record = {
        "case_time": float(change.case_time),
        "wall_time": datetime.fromtimestamp(wall_time, tz=UTC).isoformat(timespec="milliseconds"),
        "event": change.event,
        "alarm_id": change.alarm_id,
        "channel": change.channel,
        "value": _number(change.value),
        "limit": _number(change.limit),
        "priority": None if change.priority is None else change.priority.label,
        "message": change.message,
    }
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def is_alarm_log_line(line: bytes) -> bool:
    """Whether a file's first line is an alarm-log record (JSON with this log's keys,
    and not a session file's typed record)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return (isinstance(record, dict) and "type" not in record
            and {"case_time", "event", "alarm_id", "message"} <= record.keys())


class AlarmLog:
    """JSON Lines sink for AlarmEngine(sink=...). Use as a context manager or close()."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: bool = False,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._wall_clock = wall_clock
        # Appended: a log named twice keeps both runs rather than losing the first; but
        # only to an alarm log (a session file or a scenario given by mistake is refused).
        self._out = LineWriter(self.path, "a", "alarm log", _error, fsync,
                               looks_like=is_alarm_log_line)

    def write(self, change: AlarmChange) -> None:
        if self._out.closed:
            raise AlarmLogError(f"alarm log {self.path} is closed")
        self._out.write_line(format_line(change, self._wall_clock()))

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> AlarmLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_log(path: str | os.PathLike[str]) -> list[dict]:
    """All records of a log file (for tests and after-action review)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
