"""Writing a session file (the format: dashboard.recording.format): one JSON object a
line, written with one write() call and flushed before the caller goes on."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.recording.format import (
    DISPLAY_STATUSES,
    FORMAT_VERSION,
    INSTRUCTOR_ACTIONS,
    TRAINEE_ACTIONS,
)
from replay_data.course import Sample
from replay_data.errors import one_line
from replay_data.jsonl import LineWriter, user_data_file
from replay_data.perturbation_data import perturbation_to_data
from replay_data.perturbations import Perturbation


class SessionRecorderError(OSError):
    """The session file cannot be opened or written; str() is one line for the CLI."""


def _os_error(what: str, cause: OSError) -> SessionRecorderError:
    err = SessionRecorderError(one_line(f"{what}: {cause.strerror or cause}"))
    err.errno = cause.errno
    return err


def default_session_path(wall_clock: Callable[[], float] = time.time) -> Path:
    """$XDG_DATA_HOME (or ~/.local/share)/icu-ecmo-replay/sessions/<timestamp>.jsonl."""
    return user_data_file("sessions", wall_clock)


def _iso(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time, tz=UTC).isoformat(timespec="milliseconds")


def _finite(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _jsonable(name: str, value: object) -> object:
    """Plain JSON data; NaN/inf -> null as in the alarm log (json would write NaN)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, list | tuple):
        return [_jsonable(name, v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(name, v) for k, v in value.items()}
    try:  # numpy scalars
        return _jsonable(name, value.item())
    except AttributeError:
        raise ValueError(f"cannot record {name}={value!r}: not plain data") from None


def _display(display: str | None, role: str | None = None) -> dict[str, str]:
    out = {} if display is None else {"display": str(display)}
    if role is not None:
        if role not in acts.ROLES:
            raise ValueError(f"role must be one of {', '.join(acts.ROLES)}, not {role!r}")
        out["role"] = role
    return out



def _case_time(t: float) -> float:
    t = float(t)
    if not math.isfinite(t):
        raise ValueError(f"case time must be a finite number, got {t!r}")
    return t


# --------------------------------------------------------------------------- writing


class SessionRecorder:
    """Writes one session's JSON Lines file; also an AlarmEngine sink (write()).

    The file is created anew (never appended to): one file holds exactly one session,
    so a replay can never splice in another session's perturbations."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        wall_clock: Callable[[], float] = time.time,
        fsync: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._wall_clock = wall_clock
        self._started = False
        self._perturbations: dict[str, bool] = {}  # id -> stopped
        self._out = LineWriter(self.path, "x", "session file", _os_error, fsync)

    @property
    def closed(self) -> bool:
        return self._out.closed

    # ------------------------------------------------------------------ records

    def start(self, *, scenario: str, scenario_id: str, seed: int, start: float,
              speed: float, scenario_hash: str | None = None) -> None:
        """The header line; must come first and once. `scenario_hash`
        (dashboard.core.scenario_hash) lets a replay or debrief notice that the scenario
        file changed since; a session always gives it."""
        if self._started:
            raise RuntimeError(f"session {self.path} already started")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        name = str(scenario)
        if name.endswith(".toml") or "/" in name or os.sep in name:
            # A scenario file: absolute, so the debrief finds it from any folder.
            name = os.path.abspath(name)
        self._emit("session_start", start, {
            "format": FORMAT_VERSION, "scenario": name, "scenario_id": str(scenario_id),
            "seed": int(seed), "start": _case_time(start), "speed": float(speed),
            **({} if scenario_hash is None else {"scenario_hash": str(scenario_hash)}),
        }, header=True)
        self._started = True

    def instructor(self, t: float, action: str, *, display: str | None = None,
                   **fields: object) -> None:
        self._action("instructor", INSTRUCTOR_ACTIONS, t, action, fields, display)

    def trainee(self, t: float, action: str, *, display: str | None = None,
                **fields: object) -> None:
        self._action("trainee", TRAINEE_ACTIONS, t, action, fields, display)

    def perturbation(self, t: float, p: Perturbation, *, display: str | None = None,
                     role: str | None = None) -> None:
        """An injection or override the instructor started, or a setting someone made
        (p.start may differ from t); `role` says who (instructor, trainee, ...)."""
        if p.id in self._perturbations:
            raise ValueError(f"perturbation id {p.id!r} already recorded in this session: "
                             "ids must be unique so that a stop names one perturbation")
        self._emit("perturbation", t, {"perturbation": perturbation_to_data(p),
                                       **_display(display, role)})
        self._perturbations[p.id] = False

    def perturbation_stopped(self, t: float, pid: str, *, display: str | None = None,
                             role: str | None = None) -> None:
        """The instructor ended perturbation `pid` at case time t (see stopped_at)."""
        if pid not in self._perturbations:
            raise ValueError(f"perturbation {pid!r} was not recorded in this session")
        if self._perturbations[pid]:
            raise ValueError(f"perturbation {pid!r} was already stopped")
        self._emit("perturbation_stopped", t, {"id": pid, **_display(display, role)})
        self._perturbations[pid] = True

    def write(self, change: AlarmChange) -> None:
        """AlarmEngine sink: one "alarm" line per change."""
        self._emit("alarm", change.case_time, {
            "event": change.event,
            "alarm_id": change.alarm_id,
            "channel": change.channel,
            "value": _finite(change.value),
            "limit": _finite(change.limit),
            "priority": None if change.priority is None else change.priority.label,
            "message": change.message,
            "kind": None if change.kind is None else str(change.kind),
            "category": None if change.category is None else str(change.category),
        })

    def display(self, t: float, display: str, status: str, wall: float) -> None:
        """A display of the room joined, lost its link or came back (DisplayChanged)."""
        if status not in DISPLAY_STATUSES:
            raise ValueError(f"display status must be one of {', '.join(DISPLAY_STATUSES)}, "
                             f"not {status!r}")
        self._emit("display", t, {"display": str(display), "status": status,
                                  "wall": _finite(float(wall))})

    def snapshot(self, sample: Sample) -> None:
        values = {k: float(v) for k, v in sample.values.items() if math.isfinite(v)}
        self._emit("snapshot", sample.t, {"values": values, "flags": sorted(sample.flags)})

    # ------------------------------------------------------------------ plumbing

    def _action(self, kind: str, known: tuple[str, ...], t: float, action: str,
                fields: dict[str, object], display: str | None) -> None:
        if action not in known:
            raise ValueError(f"unknown {kind} action {action!r} (known: {', '.join(known)})")
        args = acts.check_args(action, {k: _jsonable(k, v) for k, v in fields.items()})
        self._emit(kind, t, {"action": action, **args, **_display(display)})

    def _emit(self, kind: str, t: float, data: dict[str, object], header: bool = False) -> None:
        if self._out.closed:
            raise SessionRecorderError(f"session file {self.path} is closed")
        if not header and not self._started:
            raise RuntimeError("call start() before recording anything else")
        record = {"type": kind, "case_time": _case_time(t), "wall_time": _iso(self._wall_clock()),
                  **data}
        line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        self._out.write_line(line)

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
