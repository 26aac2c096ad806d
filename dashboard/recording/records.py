"""What a session file holds once read: its entries (one per line, the header and the
snapshots excepted), the actions, perturbations and displays recorded in them, and the
session that gathers them (read by reader.py, each line checked by line_checks.py)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.core.actions import Actor
from dashboard.recording.format import FORMAT_VERSION, INSTRUCTOR_DISPLAYS
from dashboard.recording.line_checks import alarm_change
from dashboard.recording.snapshots import Snapshot, SnapshotTable
from replay_data.perturbation_data import perturbation_from_record as _perturbation
from replay_data.perturbations import Perturbation


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
    # The file it was read from (one string shared by all its actions, not one per line).
    source: str = ""

    @property
    def origin(self) -> str:
        """'FILE: line N', for messages."""
        return f"{self.source}: line {self.line}" if self.source else ""

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
    # The actions among the first `_checked` entries were checked by the reader: their
    # args are the line's own keys (ActionArgs), or where the check filled in a default
    # or made an integer a float, the checked args kept here (line -> args).
    _checked_args: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False,
                                                     compare=False)
    _checked: int = field(default=0, repr=False, compare=False)

    def header(self) -> RecordedSession:
        """This session's header lines alone (scenario, seed, start, speed, wall time,
        hash), its lines released: for a reader done with them -- the debrief, once its
        rows are built, renders plots and pages without the ~100 MB that a 200,000-note
        session's lines hold. Its `end` is then its start: ask the full session first."""
        return dataclasses.replace(self, entries=[], snapshot_table=SnapshotTable(),
                                   _cache={}, _parsed={}, _checked_args={}, _checked=0)

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
            (e.line, alarm_change(e.case_time, e.fields)) for e in self._of("alarm")]))

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
        source = str(self.path)
        for i, e in enumerate(self.entries):
            if e.type != actor:
                continue
            kind = e.fields["action"]
            args: Mapping[str, Any] | None = self._checked_args.get(e.line)
            if args is None:
                args = ActionArgs(e.fields) if i < self._checked else acts.check_args(
                    kind, {k: v for k, v in e.fields.items() if k not in _NOT_ARGS})
            out.append(RecordedAction(e.line, e.case_time, e.wall_time, actor, kind, args,
                                      e.fields.get("display") or "", source))
        return out


_NOT_ARGS = ("action", "display")


class ActionArgs(Mapping[str, Any]):
    """An action line's own keys but "action" and "display": its args, as checked when
    the file was read (the writer writes every arg, so a long file's actions need no
    second dict each)."""

    __slots__ = ("_line",)

    def __init__(self, line: Mapping[str, Any]) -> None:
        self._line = line

    def __getitem__(self, key: str) -> Any:
        if key in _NOT_ARGS:
            raise KeyError(key)
        return self._line[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._line if k not in _NOT_ARGS)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))

