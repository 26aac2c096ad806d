"""JSON Lines files that lose nothing: each line goes out in one write() and is flushed
before the caller goes on (optionally fsync'ed too, to survive a power cut). Shared by the
alarm log and the session recording, which differ only in what a line says."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

APP_DIR = "icu-ecmo-replay"


def user_data_file(kind: str, wall_clock: Callable[[], float] = time.time) -> Path:
    """$XDG_DATA_HOME (or ~/.local/share)/icu-ecmo-replay/<kind>/<UTC timestamp>.jsonl."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    stamp = datetime.fromtimestamp(wall_clock(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / APP_DIR / kind / f"{stamp}.jsonl"


class LineWriter:
    """Open (folder created), write lines, close. `error(what, cause)` turns an OSError
    into the caller's own one-line error type; `name` says what the file is."""

    def __init__(self, path: Path, mode: str, name: str,
                 error: Callable[[str, OSError], OSError], fsync: bool = False) -> None:
        self.path, self.name, self.fsync, self._error = path, name, fsync, error
        verb = "create" if mode == "x" else "open"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO | None = open(path, mode, encoding="utf-8", newline="\n")
        except OSError as e:
            raise error(f"cannot {verb} {name} {path}", e) from None

    @property
    def closed(self) -> bool:
        return self._file is None

    def write_line(self, line: str) -> None:
        if self._file is None:
            raise self._error(f"{self.name} {self.path} is closed", OSError(0, "closed"))
        try:
            self._file.write(line + "\n")
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
        except OSError as e:
            raise self._error(f"cannot write {self.name} {self.path}", e) from None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
