"""Reading a session file back (the format: dashboard.recording.format): every line
checked, with the file and line in the message; a line cut off by a crash is read up to."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from sys import intern
from typing import Any

import numpy as np

from dashboard.alarms.engine import AlarmChange
from dashboard.alarms.kinds import AlarmKind, Category, Priority
from dashboard.core import actions as acts
from dashboard.core.actions import ActionError, Actor
from dashboard.recording.checks import (
    check_seed,
)
from dashboard.recording.format import (
    _COMMON_KEYS,
    DISPLAY_STATUSES,
    FORMAT_VERSION,
    INSTRUCTOR_ACTIONS,
    INSTRUCTOR_DISPLAYS,
    RECORD_TYPES,
    TRAINEE_ACTIONS,
)
from dashboard.recording.snapshots import Snapshot, SnapshotTable, fast_snapshot
from replay_data.errors import one_line
from replay_data.input_file import InputFileError, parse_json, read_lines
from replay_data.perturbation_data import RecordError as _Bad
from replay_data.perturbation_data import number_field as _number
from replay_data.perturbation_data import perturbation_from_record as _perturbation
from replay_data.perturbation_data import text_field as _text
from replay_data.perturbations import Perturbation


class SessionLogError(ValueError):
    """A session file that cannot be read back; names the file and the line."""


_HASH = re.compile(r"[0-9a-f]{64}")
_SHARED_WORD = 24

def inferred_role(kind: str, display: str) -> str:
    """Who made a perturbation recorded without a role (older files): the instructor's
    own displays and every injection or override are the instructor's; a control from
    any other display (a bedside console) the team's."""
    if display in INSTRUCTOR_DISPLAYS or kind != "control":
        return acts.INSTRUCTOR
    return acts.TRAINEE


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a session file (header excluded): its common keys and the rest."""

    line: int
    type: str
    case_time: float
    wall_time: str
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
    # dashboard.core.scenario_hash of the scenario it was recorded on; None in files
    # written before the header held it (then a changed scenario cannot be noticed).
    scenario_hash: str | None = None
    # Every line after the header but the snapshots, which are a table (snapshot_table).
    entries: list[Entry] = field(default_factory=list)
    snapshot_table: SnapshotTable = field(default_factory=SnapshotTable)
    # The last line was cut off (crash during a write): read up to it, say so.
    truncated: bool = False
    # Read once, asked for many times by the debrief: each list is built once (a debrief
    # of 20,000 notes asked for the actions a dozen times, each checking every field).
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _parsed: dict[int, Perturbation] = field(default_factory=dict, repr=False, compare=False)

    @property
    def end(self) -> float:
        """Case time of the last thing recorded (where the session stopped)."""
        snaps = self.snapshot_table
        if snaps and (not self.entries or snaps.lines[-1] > self.entries[-1].line):
            return snaps.times[-1]
        return self.entries[-1].case_time if self.entries else self.start

    @property
    def span(self) -> tuple[float, float]:
        """Earliest and latest case time seen (seeks may go before the start)."""
        times = [self.start, *(e.case_time for e in self.entries)]
        if self.snapshot_table:
            snap = np.frombuffer(self.snapshot_table.times, dtype=np.float64)
            times += [float(snap.min()), float(snap.max())]
        return min(times), max(times)

    @property
    def snapshot_count(self) -> int:
        return len(self.snapshot_table)

    def _cached(self, key: str, build: Any) -> Any:
        """build() once per key while the entries stay as they are."""
        got = self._cache.get(key)
        if got is None or got[0] != len(self.entries):
            got = self._cache[key] = (len(self.entries), build())
        return got[1]

    def _perturbation_of(self, e: Entry) -> Perturbation:
        p = self._parsed.get(e.line)
        if p is None:
            p = self._parsed[e.line] = _perturbation(e.fields["perturbation"])
        return p

    def perturbation_records(self, until: float = math.inf) -> list[PerturbationRecord]:
        """Perturbations recorded at case time <= until, with stops recorded by then."""
        if until == math.inf:
            return list(self._cached("perturbations", lambda: self._records(math.inf)))
        return self._records(until)

    def _records(self, until: float) -> list[PerturbationRecord]:
        recs: dict[str, PerturbationRecord] = {}
        for e in self.entries:
            if e.case_time > until:
                continue
            if e.type == "perturbation":
                p = self._perturbation_of(e)
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
        return list(self._cached("instructor", lambda: self._actions("instructor")))

    def trainee_actions(self) -> list[RecordedAction]:
        return list(self._cached("trainee", lambda: self._actions("trainee")))

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
        return list(self._cached("alarms", lambda: [
            (e.line, _alarm_change(e.case_time, e.fields)) for e in self._of("alarm")]))

    def display_records(self) -> list[DisplayRecord]:
        """The room's displays coming and going, in file order (none in older files)."""
        return [DisplayRecord(e.line, e.case_time, e.wall_time, str(e.fields["display"]),
                              str(e.fields["status"])) for e in self._of("display")]

    def snapshots(self) -> list[Snapshot]:
        """Every snapshot as an object (a long file: use snapshot_table, the columns)."""
        return list(self.snapshot_table)

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
    # Keys and short words (action names, displays) shared, not one copy per line: a
    # 200,000-line file held a million copies of "action" and "display".
    rest = {intern(k): intern(v) if type(v) is str and len(v) <= _SHARED_WORD else v
            for k, v in record.items() if k not in _COMMON_KEYS}
    return kind, t, wall, rest


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
    with what the file holds, not with its bytes twice over."""
    path = Path(path)
    session: RecordedSession | None = None
    perturbations: dict[str, bool] = {}  # id -> stopped
    try:
        for number, data, complete in _numbered_lines(path):
            if not data.strip():
                continue
            try:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise _Bad("not UTF-8 text") from None
                if session is not None:
                    snap = fast_snapshot(text)  # the bulk of a long file, read fast
                    if snap is not None:
                        session.snapshot_table.add(number, *snap)
                        continue
                kind, t, wall, rest = _parse_line(text)
                if session is None:
                    if kind != "session_start":
                        raise _Bad("the first line must be the session_start header, "
                                   f"not {kind!r}")
                    session = _header(path, t, wall, rest)
                    continue
                p = _check_entry(kind, t, rest, perturbations)
            except _Bad as exc:
                if not complete and session is not None:
                    session.truncated = True
                    break
                raise SessionLogError(one_line(f"{path}: line {number}: {exc}")) from None
            if kind == "snapshot":
                when = datetime.fromisoformat(wall)
                if when.utcoffset() is None:
                    when = when.replace(tzinfo=UTC)
                session.snapshot_table.add(number, t, wall, when, rest["values"],
                                           rest["flags"])
                continue
            if p is not None:
                session._parsed[number] = p
            session.entries.append(Entry(number, kind, t, wall, rest))
    except InputFileError as exc:
        raise SessionLogError(str(exc)) from None
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
    digest = d.get("scenario_hash")  # absent in files written before it existed
    if digest is not None and not (isinstance(digest, str) and _HASH.fullmatch(digest)):
        raise _Bad(f"'scenario_hash' must be 64 hex digits (sha256), not {digest!r}")
    return RecordedSession(
        path=path, scenario=_text(d, "scenario"), scenario_id=_text(d, "scenario_id"),
        seed=seed, start=_number(d, "start"), speed=speed, wall_time=wall, format=fmt,
        scenario_hash=digest,
    )


def _check_entry(kind: str, t: float, d: Mapping[str, Any], perturbations: dict[str, bool]
                 ) -> Perturbation | None:
    """Check one line's own keys, and that stops name a perturbation started before; a
    perturbation line's Perturbation (kept: parsing 10,000 effects once is enough)."""
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
        return p
    elif kind == "perturbation_stopped":
        _check_role(d)
        pid = _text(d, "id")
        if pid not in perturbations:
            raise _Bad(f"stop of perturbation {pid!r}, which was not started before")
        if perturbations[pid]:
            raise _Bad(f"perturbation {pid!r} stopped twice")
        perturbations[pid] = True
    return None
