"""Session recording: one JSON Lines file per training session, for replay and debrief.

The course is a pure function of (scenario, perturbations, seed, t), so a
session is fully described by its header (scenario, seed) plus what people did: the
instructor's clock actions and perturbations, the alarm engine's changes and the
trainee's actions. Snapshots of the numerics are kept as a cross-check only.

Every line is one JSON object, written with one write() call and flushed before the
caller goes on (fsync=True also forces it to disk), so a crash loses nothing already
recorded. Keys in order: type, case_time, wall_time (ISO 8601, UTC), then the
type's own keys; non-finite numbers are written as null.

    session_start         format, scenario, scenario_id, seed, start, speed
    instructor            action (play, pause, speed, seek, jump, freeze_screen) + its
                          fields, display
    perturbation          perturbation: every Perturbation field, effects included;
                          display, role (who: instructor, trainee, script, replay)
    perturbation_stopped  id (stopped at case_time), display, role
    alarm                 event, alarm_id, channel, value, limit, priority, message,
                          kind, category (one AlarmChange)
    trainee               action (acknowledge, audio_pause, audio_off, alarm_pause,
                          alarm_off, limits) + its fields, display
    snapshot              values (finite numerics only), flags
    display               display, status (joined | lost | back), wall (the network
                          bridge's wall time, s): a display of the room came or went

Action names and their fields are those of dashboard.core.actions; a recorded action is
read back through Action.make, so every field is checked (type, finite, range) with the
file and line in the message. `display` names the screen the action came from ("console",
"bed-1", "demo"); files written before it existed read with display "". A
perturbation's `role` says who made it -- a control by the bedside team (trainee) or the
instructor's override of the same setting; files written before it existed read as the
instructor's when the display is "console" or "script" (or for an injection, which only
the instructor gives), else as the team's. The instructor's "done (verbal)" ticks are
instructor records (action response_done, injection, response).

Case time is not monotonic in a file: the instructor may seek back. File order is
the order things happened.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.alarms.engine import AlarmChange
from dashboard.alarms.kinds import AlarmKind, Category, Priority
from dashboard.core import actions as acts
from dashboard.core.actions import RECORD_TYPE, ActionError, Actor
from dashboard.core.jsonl import LineWriter, user_data_file
from dashboard.session_checks import (
    check_alarm_names,
    check_injection_names,
    check_perturbation,
    check_seed,
)
from replay_data.course import Course, Sample
from replay_data.errors import ReplayDataError, one_line
from replay_data.input_file import InputFileError, parse_json, read_bytes
from replay_data.perturbations import Perturbation
from replay_data.scenario import Effect, load_scenario

FORMAT_VERSION = 1

# Recorded actions by record type (from dashboard.core.actions, the one list of names).
INSTRUCTOR_ACTIONS = tuple(k for k, v in RECORD_TYPE.items() if v == "instructor")
TRAINEE_ACTIONS = tuple(k for k, v in RECORD_TYPE.items() if v == "trainee")
RECORD_TYPES = (
    "session_start", "instructor", "perturbation", "perturbation_stopped", "alarm", "trainee",
    "snapshot", "display",
)  # fmt: skip
DISPLAY_STATUSES = ("joined", "lost", "back")
# Displays that are the instructor's own (older files recorded no role).
INSTRUCTOR_DISPLAYS = frozenset({"console", "script"})
_COMMON_KEYS = ("type", "case_time", "wall_time")


class SessionRecorderError(OSError):
    """The session file cannot be opened or written; str() is one line for the CLI."""


class SessionLogError(ValueError):
    """A session file that cannot be read back; names the file and the line."""


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


def inferred_role(kind: str, display: str) -> str:
    """Who made a perturbation recorded without a role (older files): the instructor's
    own displays and every injection or override are the instructor's; a control from
    any other display (a bedside console) the team's."""
    if display in INSTRUCTOR_DISPLAYS or kind != "control":
        return acts.INSTRUCTOR
    return acts.TRAINEE


_PERTURBATION_FIELDS = tuple(f.name for f in dataclasses.fields(Perturbation))
_EFFECT_FIELDS = tuple(f.name for f in dataclasses.fields(Effect))


def perturbation_to_data(p: Perturbation) -> dict[str, Any]:
    """Every field, effects included: enough to rebuild the exact Perturbation. (What
    dataclasses.asdict gives -- the fields are plain values -- without its deep copies:
    a session state with thousands of disturbances is built after every action.)"""
    d = {name: getattr(p, name) for name in _PERTURBATION_FIELDS}
    d["flags"] = list(p.flags)
    # plain JSON data: lists, as a reader gets them
    d["effects"] = [{name: getattr(e, name) for name in _EFFECT_FIELDS} for e in p.effects]
    return d


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
              speed: float) -> None:
        """The header line; must come first and once."""
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


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Entry:
    """One line of a session file (header excluded): its common keys and the rest."""

    line: int
    type: str
    case_time: float
    wall_time: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class RecordedAction:
    """An instructor or trainee action as recorded; fields are its own keys (value,
    alarm_id, ...), checked and with defaults filled in; display "" in older files."""

    line: int
    case_time: float
    wall_time: str
    actor: str  # instructor | trainee
    action: str
    fields: Mapping[str, Any]
    display: str = ""
    origin: str = ""  # "FILE: line N", for messages

    def to_action(self) -> acts.Action:
        """The action to replay through SessionController.apply."""
        return acts.Action.make(self.action, self.fields, Actor(self.actor, self.display
                                or "recorded"), self.case_time, origin=self.origin)


Action = RecordedAction  # the name the debrief used before


@dataclass(frozen=True)
class Snapshot:
    line: int
    case_time: float
    wall_time: str
    values: Mapping[str, float]
    flags: frozenset[str]


@dataclass(frozen=True)
class PerturbationRecord:
    """A perturbation as the instructor started it, and when (if ever) it was stopped."""

    line: int
    case_time: float
    wall_time: str
    perturbation: Perturbation
    stopped: float | None = None  # case time of the stop
    stop_line: int | None = None
    display: str = ""  # the screen it came from (a trainee's control: the bedside)
    role: str = acts.INSTRUCTOR  # who made it (recorded, or inferred in older files)

    @property
    def by_team(self) -> bool:
        """A setting the bedside team made (not the instructor's override of it)."""
        return self.role == acts.TRAINEE

    @property
    def final(self) -> Perturbation:
        """As the course had it in the end: cut where the instructor stopped it."""
        p = self.perturbation
        return p if self.stopped is None else p.stopped_at(self.stopped)


@dataclass(frozen=True)
class DisplayRecord:
    """A display of the room joined, lost its link or came back."""

    line: int
    case_time: float
    wall_time: str  # ISO, the session file's clock
    display: str
    status: str  # joined | lost | back


@dataclass
class RecordedSession:
    path: Path
    scenario: str  # built-in name or absolute .toml path, as load_scenario takes it
    scenario_id: str
    seed: int
    start: float  # case time the session opened at
    speed: float
    wall_time: str  # when it started
    format: int = FORMAT_VERSION
    entries: list[Entry] = field(default_factory=list)
    # The last line was cut off (crash during a write): read up to it, say so.
    truncated: bool = False

    @property
    def end(self) -> float:
        """Case time of the last thing recorded (where the session stopped)."""
        return self.entries[-1].case_time if self.entries else self.start

    @property
    def span(self) -> tuple[float, float]:
        """Earliest and latest case time seen (seeks may go before the start)."""
        times = [self.start, *(e.case_time for e in self.entries)]
        return min(times), max(times)

    def perturbation_records(self, until: float = math.inf) -> list[PerturbationRecord]:
        """Perturbations recorded at case time <= until, with stops recorded by then."""
        recs: dict[str, PerturbationRecord] = {}
        for e in self.entries:
            if e.case_time > until:
                continue
            if e.type == "perturbation":
                p = _perturbation(e.fields["perturbation"])
                display = e.fields.get("display") or ""
                recs[p.id] = PerturbationRecord(
                    e.line, e.case_time, e.wall_time, p, display=display,
                    role=e.fields.get("role") or inferred_role(p.kind, display))
            elif e.type == "perturbation_stopped" and e.fields["id"] in recs:
                recs[e.fields["id"]] = dataclasses.replace(
                    recs[e.fields["id"]], stopped=e.case_time, stop_line=e.line)
        return list(recs.values())

    def perturbations_at(self, t: float) -> tuple[Perturbation, ...]:
        """The instructor's perturbations as of case time t (recorded and stopped by t)."""
        return tuple(r.final for r in self.perturbation_records(t))

    def final_perturbations(self) -> tuple[Perturbation, ...]:
        """Every perturbation of the session, stopped ones cut: what replays the session."""
        return self.perturbations_at(math.inf)

    def instructor_actions(self) -> list[RecordedAction]:
        return self._actions("instructor")

    def trainee_actions(self) -> list[RecordedAction]:
        return self._actions("trainee")

    def replay_actions(self) -> list[acts.Action]:
        """Every recorded instructor and trainee action, in file order, as Actions."""
        recorded = sorted(self.instructor_actions() + self.trainee_actions(),
                          key=lambda a: a.line)
        return [a.to_action() for a in recorded]

    def alarm_changes(self) -> list[AlarmChange]:
        """As the engine reported them; NaN values come back as None."""
        return [c for _, c in self.alarm_records()]

    def alarm_records(self) -> list[tuple[int, AlarmChange]]:
        """(line, change): the line orders alarms among the other entries."""
        return [(e.line, _alarm_change(e.case_time, e.fields)) for e in self._of("alarm")]

    def display_records(self) -> list[DisplayRecord]:
        """The room's displays coming and going, in file order (none in older files)."""
        return [DisplayRecord(e.line, e.case_time, e.wall_time, str(e.fields["display"]),
                              str(e.fields["status"])) for e in self._of("display")]

    def snapshots(self) -> list[Snapshot]:
        return [Snapshot(e.line, e.case_time, e.wall_time, dict(e.fields["values"]),
                         frozenset(e.fields["flags"])) for e in self._of("snapshot")]

    def _of(self, kind: str) -> Iterator[Entry]:
        return (e for e in self.entries if e.type == kind)

    def _actions(self, actor: str) -> list[RecordedAction]:
        out = []
        for e in self._of(actor):
            kind = e.fields["action"]
            args = acts.check_args(kind, {k: v for k, v in e.fields.items()
                                          if k not in ("action", "display")})
            out.append(RecordedAction(e.line, e.case_time, e.wall_time, actor, kind, args,
                                      e.fields.get("display") or "",
                                      f"{self.path}: line {e.line}"))
        return out


def course_for(session: RecordedSession) -> Course:
    """The session's course: its scenario and seed with its final perturbations."""
    try:
        scenario = load_scenario(session.scenario)
    except ReplayDataError as exc:  # the error names the session file, then the scenario's
        raise SessionLogError(one_line(f"{session.path}: line 1: scenario: {exc}")) from None
    if scenario.id != session.scenario_id:
        raise SessionLogError(one_line(
            f"{session.path}: recorded on scenario {session.scenario_id!r} but "
            f"{session.scenario!r} now loads {scenario.id!r}"))
    bad = check_injection_names(
        ((r.line, r.perturbation) for r in session.perturbation_records()), scenario)
    if bad is None:
        from dashboard.alarms.profile import ProfileError, load_profile

        try:
            profile = load_profile(scenario.alarm_profile)
        except (ProfileError, ReplayDataError) as exc:
            raise SessionLogError(one_line(
                f"{session.path}: line 1: scenario: alarm profile: {exc}")) from None
        bad = check_alarm_names(
            ((a.line, a.action, a.fields) for a in
             session.instructor_actions() + session.trainee_actions()), profile)
    if bad is not None:
        raise SessionLogError(one_line(f"{session.path}: line {bad[0]}: {bad[1]}"))
    return Course(scenario, session.seed).with_perturbations(session.final_perturbations())


class _Bad(Exception):
    """A problem in one line; read_session adds the file and line number."""


def _number(d: Mapping[str, Any], key: str, *, optional: bool = False) -> float | None:
    if key not in d:
        raise _Bad(f"missing {key!r}")
    v = d[key]
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Bad(f"{key!r} must be a number{' or null' if optional else ''}, not {v!r}")
    return float(v)


def _text(d: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    if key not in d:
        raise _Bad(f"missing {key!r}")
    v = d[key]
    if (v is None and optional) or isinstance(v, str):
        return v
    raise _Bad(f"{key!r} must be text{' or null' if optional else ''}, not {v!r}")


def _fields_of(cls: type, d: object, what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise _Bad(f"{what} must be an object")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - set(names))
    if unknown:
        raise _Bad(f"{what}: unknown key {unknown[0]!r}")
    required = [n for n, f in names.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in d]
    if missing:
        raise _Bad(f"{what}: missing {missing[0]!r}")
    return d


def _effect(d: object) -> Effect:
    d = _fields_of(Effect, d, "effect")
    channel = _text(d, "channel")
    kw: dict[str, Any] = {"channel": channel}
    for key in ("set", "add", "onset", "offset"):
        if key in d:
            kw[key] = _number(d, key, optional=True)
    for key in ("oscillate", "period"):
        if key in d:
            kw[key] = _number(d, key)
    if "off" in d:
        if not isinstance(d["off"], bool):
            raise _Bad(f"effect 'off' must be true or false, not {d['off']!r}")
        kw["off"] = d["off"]
    return Effect(**kw)


def _perturbation(d: object) -> Perturbation:
    d = _fields_of(Perturbation, d, "perturbation")
    flags = d["flags"]
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise _Bad("perturbation 'flags' must be a list of text")
    effects = d["effects"]
    if not isinstance(effects, list):
        raise _Bad("perturbation 'effects' must be a list")
    kind = _text(d, "kind")
    if kind not in ("injection", "override", "control"):
        raise _Bad(f"perturbation kind must be injection, override or control, not {kind!r}")
    p = Perturbation(
        id=_text(d, "id"), kind=kind, name=_text(d, "name"), start=_number(d, "start"),
        duration=_number(d, "duration", optional=True), severity=_number(d, "severity"),
        onset=_number(d, "onset"), offset=_number(d, "offset"), flags=tuple(flags),
        effects=tuple(_effect(e) for e in effects),
        variant=(_text(d, "variant", optional=True) or "") if "variant" in d else "",
    )
    try:
        check_perturbation(p)
    except ValueError as exc:
        raise _Bad(str(exc)) from None
    return p


def perturbation_from_data(d: object) -> Perturbation:
    """A perturbation as perturbation_to_data wrote it (ValueError if malformed)."""
    try:
        return _perturbation(d)
    except _Bad as exc:
        raise ValueError(f"disturbance: {exc}") from None


def _alarm_change(t: float, d: Mapping[str, Any]) -> AlarmChange:
    priority = _text(d, "priority", optional=True)
    kind = _text(d, "kind", optional=True)
    category = _text(d, "category", optional=True)
    try:
        return AlarmChange(
            case_time=t, event=_text(d, "event"), alarm_id=_text(d, "alarm_id", optional=True),
            channel=_text(d, "channel", optional=True), value=_number(d, "value", optional=True),
            limit=_number(d, "limit", optional=True),
            priority=None if priority is None else Priority.from_label(priority),
            message=_text(d, "message"), kind=None if kind is None else AlarmKind(kind),
            category=None if category is None else Category(category),
        )
    except ValueError as exc:  # unknown priority, kind or category
        raise _Bad(str(exc)) from None


def _check_action(t: float, d: Mapping[str, Any], known: tuple[str, ...], actor: str) -> None:
    """Every field checked by the one action schema (dashboard.core.actions)."""
    action = _text(d, "action")
    if action not in known:
        raise _Bad(f"unknown {actor} action {action!r}")
    display = d.get("display", "recorded")
    args = {k: v for k, v in d.items() if k not in ("action", "display")}
    try:
        acts.Action.from_json({"kind": action, "args": args, "case_t": t,
                               "actor": {"role": actor, "display": display}})
    except ActionError as exc:
        raise _Bad(f"{actor} action {exc}") from None


def _check_snapshot(d: Mapping[str, Any]) -> None:
    values = d.get("values")
    if not isinstance(values, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values.values()
    ):
        raise _Bad("snapshot 'values' must be an object of numbers")
    flags = d.get("flags")
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise _Bad("snapshot 'flags' must be a list of text")


def _check_role(d: Mapping[str, Any]) -> None:
    if "role" in d and d["role"] not in acts.ROLES:
        raise _Bad(f"role must be one of {', '.join(acts.ROLES)}, not {d['role']!r}")
    if "display" in d and not isinstance(d["display"], str):
        raise _Bad(f"'display' must be text, not {d['display']!r}")


def _check_display(d: Mapping[str, Any]) -> None:
    name = _text(d, "display")
    if not name:
        raise _Bad("'display' must not be empty")
    status = _text(d, "status")
    if status not in DISPLAY_STATUSES:
        raise _Bad(f"display status must be one of {', '.join(DISPLAY_STATUSES)}, "
                   f"not {status!r}")
    if "wall" in d:
        _number(d, "wall", optional=True)


def _parse_line(text: str) -> tuple[str, float, str, dict[str, Any]]:
    try:
        record = parse_json(text)  # no NaN/Infinity, huge integers or deep nesting
    except ValueError as exc:
        raise _Bad(str(exc)) from None
    if not isinstance(record, dict):
        raise _Bad("not a JSON object")
    kind = _text(record, "type")
    if kind not in RECORD_TYPES:
        raise _Bad(f"unknown type {kind!r} (known: {', '.join(RECORD_TYPES)})")
    t = _number(record, "case_time")
    wall = _text(record, "wall_time")
    try:
        datetime.fromisoformat(wall)
    except ValueError:
        raise _Bad(f"wall_time {wall!r} is not an ISO 8601 time") from None
    rest = {k: v for k, v in record.items() if k not in _COMMON_KEYS}
    return kind, t, wall, rest


def read_session(path: str | os.PathLike[str]) -> RecordedSession:
    """Read and check a session file. Content problems raise SessionLogError
    ('FILE: line N: ...'), and so does a file that cannot be read (missing, not a
    regular file, too large: replay_data.input_file)."""
    path = Path(path)
    try:
        raw = read_bytes(path, "session")  # regular file, size limit; never hangs
    except InputFileError as exc:
        raise SessionLogError(str(exc)) from None
    lines = raw.split(b"\n")
    # A line without its newline at the very end is a write cut off by a crash.
    cut = lines.pop() if lines else b""
    session: RecordedSession | None = None
    perturbations: dict[str, bool] = {}  # id -> stopped
    numbered = [(i + 1, b, True) for i, b in enumerate(lines)]
    if cut.strip():
        numbered.append((len(lines) + 1, cut, False))
    for number, data, complete in numbered:
        where = f"{path}: line {number}"
        if not data.strip():
            continue
        try:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise _Bad("not UTF-8 text") from None
            kind, t, wall, rest = _parse_line(text)
            if session is None:
                if kind != "session_start":
                    raise _Bad(f"the first line must be the session_start header, not {kind!r}")
                session = _header(path, t, wall, rest)
                continue
            _check_entry(kind, t, rest, perturbations)
        except _Bad as exc:
            if not complete and session is not None:
                session.truncated = True
                break
            raise SessionLogError(one_line(f"{where}: {exc}")) from None
        session.entries.append(Entry(number, kind, t, wall, rest))
    if session is None:
        raise SessionLogError(one_line(f"{path}: no session_start header (empty file?)"))
    return session


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
    return RecordedSession(
        path=path, scenario=_text(d, "scenario"), scenario_id=_text(d, "scenario_id"),
        seed=seed, start=_number(d, "start"), speed=speed, wall_time=wall, format=fmt,
    )


def _check_entry(kind: str, t: float, d: Mapping[str, Any], perturbations: dict[str, bool]
                 ) -> None:
    """Check one line's own keys, and that stops name a perturbation started before."""
    if kind == "session_start":
        raise _Bad("a second session_start header: one file holds one session")
    if kind == "instructor":
        _check_action(t, d, INSTRUCTOR_ACTIONS, kind)
    elif kind == "trainee":
        _check_action(t, d, TRAINEE_ACTIONS, kind)
    elif kind == "alarm":
        _alarm_change(t, d)
    elif kind == "snapshot":
        _check_snapshot(d)
    elif kind == "display":
        _check_display(d)
    elif kind == "perturbation":
        _check_role(d)
        p = _perturbation(d.get("perturbation"))
        if p.id in perturbations:
            raise _Bad(f"perturbation id {p.id!r} recorded twice")
        perturbations[p.id] = False
    elif kind == "perturbation_stopped":
        _check_role(d)
        pid = _text(d, "id")
        if pid not in perturbations:
            raise _Bad(f"stop of perturbation {pid!r}, which was not started before")
        if perturbations[pid]:
            raise _Bad(f"perturbation {pid!r} stopped twice")
        perturbations[pid] = True
