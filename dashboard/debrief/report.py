"""The debrief report of one recorded session: the rows (pure Python) and the files.

What happened comes from the session file (instructor, perturbations, alarms, trainee,
notes); the patient's values come from the course recomputed from it (course_for), so
the plots are exact for every second of the session, whatever the replay speed was.

Every time is given twice: case time (the patient's day and clock, `Day 13 17:11:05`)
and wall-clock time (when it happened in the room, to line up with a video). Times to
acknowledge and to respond are wall seconds -- what the team took -- with the case
seconds beside them (at 5x, 12 s in the room are 60 s of the patient's time). Only what
the session played is reported: a scheduled event the instructor jumped over is listed
as skipped (played.py).

Outputs: one self-contained HTML file (inline CSS, plots as data URIs, a print
stylesheet for A4), a CSV of the timeline beside it, and with pdf=True a PDF made by
Qt's own PDF writer (pdf.py).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.recording import (
    Action,
    PerturbationRecord,
    RecordedSession,
    course_for,
    read_session,
)
from replay_data.casetime import case_clock, clock_of_day, span_text
from replay_data.course import Course, is_scheduled
from replay_data.errors import one_line
from replay_data.output_file import write_all
from replay_data.perturbation_labels import control_label, perturbation_label, value_text
from replay_data.perturbations import Perturbation

from .played import PlayedTime, played_time
from .scoring import (
    BY_INSTRUCTOR,
    DONE,
    LATE,
    MISSED,
    VERBAL,
    ScoredResponse,
    actor_text,
    score_session,
)

DISCLAIMER = "Training simulator \u2014 not a medical device"
OVERVIEW_CHANNELS = ("hr", "spo2", "abp_mean", "ecmo_flow")
RESPONSE_WINDOW_S = 300.0  # after an injection ends: what the team did next still counts
EPISODE_BEFORE_S = 60.0  # a focused plot starts this long before what it shows
EPISODE_AFTER_S = 180.0  # ... and runs on this long after it ended
EPISODE_MAX_S = 1800.0  # a longer episode is plotted from its start over this much
EPISODE_ALARM_S = 300.0  # an alarm episode's panel covers at most its first 5 min
MIN_SPAN_S = 120.0  # a shorter session is plotted over this much, centred on it
MAX_EPISODE_PANELS = 8
SPO2 = "spo2"
NADIR_AFTER_S = 180.0  # the SpO2 nadir of an event: to this long after it ended (lived)
_DISPLAY_WORDS = {"joined": "joined", "lost": "link lost", "back": "back"}
ALARM_ROW_EVENTS = ("raise", "escalate", "clear", "acknowledge")
CSV_COLUMNS = ("case_time_s", "case_time", "wall_clock", "wall_elapsed_s", "type", "what",
               "priority", "value", "limit", "alarm_id", "deadline", "result", "by")
SCORING_TYPE = "expected response"  # the CSV's rows for the scored expected responses
# Snapshots were computed one sample at a time, the replay on a grid: allow float noise.
REPLAY_TOLERANCE = 1e-6

INJECTION_COLOUR = "#e65100"
STOP_COLOUR = "#2e7d32"
EVENT_COLOUR = "#546e7a"
NOTE_COLOUR = "#6a1b9a"


class DebriefError(ValueError):
    """The report cannot be made (bad output path); one line for the CLI."""


def wall_text(wall: datetime | None) -> str:
    """Wall-clock time of day, local time of the machine making the report."""
    return "" if wall is None else wall.astimezone().strftime("%H:%M:%S")


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class TimelineRow:
    case_time: float
    type: str  # instructor, injection, injection stop, override, alarm raise, trainee, ...
    what: str
    priority: str = ""
    value: str = ""
    limit: str = ""
    # Line in the session file: keeps ties in the order they happened; not content.
    line: int = field(default=0, compare=False)
    wall: datetime | None = field(default=None, compare=False)
    wall_elapsed: float | None = field(default=None, compare=False)  # s since the start
    alarm_id: str = ""  # for alarm rows (the CSV keeps it; the page shows the message)
    # Expected-response rows (CSV only): due by (case clock), done | late | missed, who.
    deadline: str = ""
    result: str = ""
    # Who did it ("trainee at bed-1", "instructor at console", "scenario"); for the
    # expected-response rows what was set and where.
    by: str = ""

    @property
    def time_text(self) -> str:
        return case_clock(self.case_time, seconds=True)

    @property
    def wall_time_text(self) -> str:
        return wall_text(self.wall)

    def csv_row(self) -> list[str]:
        wall = "" if self.wall is None else self.wall.isoformat(timespec="milliseconds")
        elapsed = "" if self.wall_elapsed is None else f"{self.wall_elapsed:.3f}"
        return [f"{self.case_time:.3f}", self.time_text, wall, elapsed, self.type, self.what,
                self.priority, self.value, self.limit, self.alarm_id, self.deadline,
                self.result, self.by]


@dataclass(frozen=True)
class AcknowledgementRow:
    """One raised (or escalated) alarm and how long until someone acknowledged it."""

    raised_at: float
    event: str  # raise | escalate
    alarm_id: str
    message: str
    priority: str
    acknowledged_at: float | None
    via: str  # "this alarm", "acknowledge all", or "" when only the engine's record says so
    cleared_at: float | None
    raised_wall: datetime | None = None
    acknowledged_wall: datetime | None = None
    cleared_wall: datetime | None = None
    channel: str | None = None

    @property
    def time_to_acknowledge(self) -> float | None:
        """Case seconds."""
        return None if self.acknowledged_at is None else self.acknowledged_at - self.raised_at

    @property
    def wall_to_acknowledge(self) -> float | None:
        """Wall seconds: what the team took."""
        if self.raised_wall is None or self.acknowledged_wall is None:
            return None
        return (self.acknowledged_wall - self.raised_wall).total_seconds()

    @property
    def outcome(self) -> str:
        if self.acknowledged_at is not None:
            return both_spans(self.wall_to_acknowledge, self.time_to_acknowledge)
        if self.cleared_at is not None:
            lasted = None if self.cleared_wall is None or self.raised_wall is None else \
                (self.cleared_wall - self.raised_wall).total_seconds()
            return (f"not acknowledged (condition ended after "
                    f"{both_spans(lasted, self.cleared_at - self.raised_at)})")
        return "not acknowledged (still present at the end of the session)"


def both_spans(wall_s: float | None, case_s: float | None) -> str:
    """'12 s (case 1 min 0 s)': wall seconds first; the case's beside them when they
    differ (a replay faster or slower than real time)."""
    if wall_s is None:
        return "" if case_s is None else f"case {span_text(case_s)}"
    text = span_text(wall_s)
    if case_s is not None and span_text(case_s) != text:
        text += f" (case {span_text(case_s)})"
    return text


@dataclass(frozen=True)
class Response:
    case_time: float
    delay: float  # case seconds since the injection started
    actor: str  # trainee | instructor
    what: str
    wall_delay: float | None = None  # wall seconds since the injection started
    display: str = ""  # where, when `what` does not say it already

    @property
    def delay_text(self) -> str:
        return "+" + both_spans(self.wall_delay, self.delay)

    @property
    def text(self) -> str:
        """'+12 s trainee: acknowledge all (at bed-1)'."""
        where = f" (at {self.display})" if self.display else ""
        return f"{self.delay_text} {self.actor}: {self.what}{where}"


@dataclass(frozen=True)
class InjectionResponse:
    """An injection or override, and what was done from its start to its end + 5 min."""

    perturbation: Perturbation  # as it ran (cut where it was stopped)
    label: str
    source: str  # instructor | scheduled (by the scenario)
    window_end: float
    responses: tuple[Response, ...]
    wall: datetime | None = None  # when it started on the wall clock
    lasted_wall: float | None = None  # wall seconds from its start to its end (if seen)
    # As the patient lived it: when its values stopped being what it set (the team
    # restored the flow), and what did that (a setting, with who made it).
    lived_end: float | None = None
    ended_by: str = ""
    lived_wall: float | None = None  # wall seconds from its start to lived_end
    nadir: tuple[float, float] | None = None  # lowest SpO2 (value, case time) of the event

    @property
    def lasted_text(self) -> str:
        """How long the event lasted for the patient: to the moment its values were
        restored when that came before its nominal end, else to that end."""
        p = self.perturbation
        if self.lived_end is not None:
            text = both_spans(self.lived_wall, self.lived_end - p.start)
            return text + (f"; {self.ended_by}" if self.ended_by else "")
        if p.duration is None and not self.lasted_wall:
            return "until the end"
        return both_spans(self.lasted_wall, None if p.duration is None else p.end - p.start)


@dataclass(frozen=True)
class SkippedRow:
    """A scheduled injection or case event inside the session's span that the session
    never played (the instructor jumped over it)."""
    case_time: float
    type: str  # scheduled injection | case event
    what: str


@dataclass(frozen=True)
class NoteRow:
    case_time: float
    wall: datetime | None
    text: str
    bookmark: bool
    line: int = 0

    @property
    def shown(self) -> str:
        """The note as the report prints it: a bookmark without words of its own (the
        console's Bookmark button with an empty field) is just "Bookmark"."""
        return note_text(self.text, self.bookmark)


def note_text(text: str, bookmark: bool) -> str:
    words = text.strip()
    if bookmark:
        return "Bookmark" if words.lower() in ("", "bookmark") else f"Bookmark: {words}"
    return words


@dataclass(frozen=True)
class DisplayRow:
    """One display of the room: when it joined, and each loss of its link and return
    (status, case time, wall clock)."""
    display: str
    joined_at: float
    joined_wall: datetime | None
    changes: tuple[tuple[str, float, datetime | None], ...] = ()


@dataclass(frozen=True)
class ExpectedResponseRow:
    """One expected response scored (when the scenario defines them)."""
    injection: str
    expected: str
    due: str  # e.g. "within 30 s"
    verdict: str  # done | late | missed
    when: str  # when it was done (both clocks) or ""


@dataclass
class DebriefReport:
    session: RecordedSession
    html_path: Path
    csv_path: Path
    span: tuple[float, float]  # the overview's case-time span
    timeline: list[TimelineRow]
    acknowledgements: list[AcknowledgementRow]
    injections: list[InjectionResponse]
    plotted: tuple[str, ...]  # channels of the overview plot
    snapshot_mismatches: int = 0  # recorded snapshots the recomputed course disagrees with
    warnings: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    expected: list[ExpectedResponseRow] = field(default_factory=list)
    played: PlayedTime | None = None
    panels: list[tuple[str, float, float]] = field(default_factory=list)  # focused plots
    marks: list = field(default_factory=list)  # plots.Mark, numbered on the plots
    pdf_path: Path | None = None
    pdf_pages: int = 0
    scored: list[ScoredResponse] = field(default_factory=list)  # expected responses
    displays: list[DisplayRow] = field(default_factory=list)


_fmt_value = value_text  # the name the rows have used


def _perturbation_what(course: Course, p: Perturbation) -> str:
    if p.kind == "injection":
        spec = course.scenario.injections.get(p.name)
        if spec is not None and not spec.graded:  # all or nothing: the variant says it
            return f"{perturbation_label(course, p)} ({span_text(p.duration)})"
        return (f"{perturbation_label(course, p)} (severity {p.severity:g}, "
                f"{span_text(p.duration)})")
    if p.kind == "control":  # a setting takes effect at once
        return perturbation_label(course, p)
    return f"{perturbation_label(course, p)} over {span_text(p.onset)}"


def _instructor_what(course: Course, a: Action) -> str:
    f = a.fields
    if a.action == acts.SPEED:
        return f"speed \u00d7{f['value']:g}" if isinstance(f["value"], int | float) else "speed"
    if a.action == acts.SEEK:
        target = f["target"]
        where = case_clock(target) if isinstance(target, int | float) else str(target)
        return f"seek to {where}"
    if a.action == acts.JUMP:
        ev = next((e for e in course.scenario.events if e.id == f["event"]), None)
        return f"jump to {ev.label if ev is not None else f['event']}"
    if a.action == acts.BEGIN:
        return "session started"
    if a.action == acts.END:
        return "session ended"
    if a.action == acts.FREEZE_SCREEN:
        return "bedside shows the pause" if f.get("on", True) else "bedside sweeps on when paused"
    if a.action == acts.RESPONSE_DONE:
        return (f"{f['response']}: done (verbal, ticked by the instructor at "
                f"{clock_of_day(a.case_time, seconds=True)})")
    return a.action


def _trainee_what(course: Course, a: Action, messages: dict[str, str]) -> str:
    f = a.fields
    on = f.get("on", True) is not False
    if a.action == acts.ACKNOWLEDGE:
        aid = f.get("alarm_id")
        return "acknowledge all" if aid is None else f"acknowledge {messages.get(aid, aid)}"
    if a.action == acts.AUDIO_PAUSE:
        return "audio paused" if on else "audio pause ended"
    if a.action == acts.AUDIO_OFF:
        return "audio off" if on else "audio on"
    if a.action == acts.ALARM_PAUSE:
        return "alarms paused" if on else "alarm pause ended"
    if a.action == acts.ALARM_OFF:
        return f"alarm {'off' if on else 'on'}: {f['target']}"
    if a.action == acts.LIMITS:
        parts = [f"{side} {f[side]:g}" for side in ("low", "high")
                 if isinstance(f.get(side), int | float)]
        return f"limits {f['parameter']}: {', '.join(parts) or 'unchanged'}"
    return a.action


def _alarm_messages(changes: Iterable[AlarmChange]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in changes:
        if c.alarm_id and c.event in ("raise", "escalate") and c.alarm_id not in out:
            out[c.alarm_id] = c.message
    return out


def _scheduled_in_span(course: Course, t0: float, t1: float) -> list[Perturbation]:
    """The scenario's own injections (e.g. the case's drainage chatter) in the span."""
    own = {p.id for p in course.perturbations}
    return [p for p in course.all_perturbations
            if p.id not in own and p.start <= t1 and p.end + p.offset >= t0]


def _played(session: RecordedSession, course: Course) -> PlayedTime:
    sc = course.scenario
    return played_time(session, sc.event_times, (sc.start, sc.end))


def _scheduled_seen(course: Course, played: PlayedTime, t0: float, t1: float
                    ) -> tuple[list[Perturbation], list[Perturbation]]:
    """Scheduled injections of the span: (seen -- some of it was played, skipped)."""
    seen, skipped = [], []
    for p in _scheduled_in_span(course, t0, t1):
        (seen if played.overlaps(p.start, p.end + p.offset) else skipped).append(p)
    return seen, skipped


def timeline_rows(session: RecordedSession, course: Course,
                  played: PlayedTime | None = None) -> list[TimelineRow]:
    """Everything that happened, in the order it happened (wall clock, then file line):
    instructor actions, notes, perturbation starts and stops, case events and scheduled
    injections the session played through, alarm changes and trainee actions."""
    played = played or _played(session, course)
    alarm_recs = session.alarm_records()
    messages = _alarm_messages(c for _, c in alarm_recs)
    rows: list[TimelineRow] = []

    def add(t: float, kind: str, what: str, line: int = 0, priority: str = "",
            value: str = "", limit: str = "", exact: bool = True, alarm_id: str = "",
            who: str = "") -> None:
        # An action's own stamp is exact; an alarm's is its frame's: take the moment the
        # clock passed its case time instead (played.py).
        wall = played.wall_of_line(line) if line and exact else \
            played.wall_at(t) or played.wall_of_line(line)
        rows.append(TimelineRow(t, kind, what, priority, value, limit, line, wall,
                                played.elapsed(wall), alarm_id, by=who))

    for a in session.instructor_actions():
        who = actor_text(acts.INSTRUCTOR, a.display)
        if a.action == acts.NOTE:
            bookmark = bool(a.fields.get("bookmark"))
            add(a.case_time, "bookmark" if bookmark else "note",
                note_text(str(a.fields.get("text", "")), bookmark), a.line, who=who)
        else:
            add(a.case_time, "instructor", _instructor_what(course, a), a.line, who=who)
    for d in session.display_records():
        # Stamped by the network bridge's moment, not an action's: placed like an alarm.
        add(d.case_time, "display", f"{d.display} {_DISPLAY_WORDS[d.status]}", d.line,
            exact=False, who=d.display)
    for rec in session.perturbation_records():
        p = rec.perturbation
        if is_scheduled(p.id):
            # The scenario's own injection, which the instructor stopped: recorded as its
            # cut copy at the moment of the stop.
            if played.played(p.start):
                add(p.start, "scheduled injection", _perturbation_what(course, p),
                    who="scenario")
            add(rec.case_time, "scheduled injection stop",
                f"stopped: {perturbation_label(course, p)}", rec.line,
                who=actor_text(rec.role, rec.display))
            continue
        add(p.start if p.start >= rec.case_time else rec.case_time, p.kind,
            _perturbation_what(course, p), rec.line, who=actor_text(rec.role, rec.display))
        if rec.stopped is not None:
            # Only the instructor stops a disturbance.
            add(rec.stopped, f"{p.kind} stop", f"stopped: {perturbation_label(course, p)}",
                rec.stop_line or rec.line, who=actor_text(acts.INSTRUCTOR, rec.display))
    t0, t1 = played.range
    seen, _ = _scheduled_seen(course, played, t0, t1)
    for p in seen:
        if played.played(p.start):
            add(p.start, "scheduled injection", _perturbation_what(course, p), who="scenario")
        else:
            seg = next(s for s in played.segments if s.t0 <= p.end + p.offset and p.start <= s.t1)
            add(seg.t0, "scheduled injection",
                f"{_perturbation_what(course, p)} -- already under way when the session "
                f"reached {case_clock(seg.t0)}", who="scenario")
    for ev in course.scenario.events:
        if t0 <= ev.t <= t1 and played.played(ev.t):
            add(ev.t, "case event", ev.label)
    # An "acknowledge all" acknowledges each alarm: the alarm table has them one by one,
    # the timeline has the trainee's action once.
    ack_times = {a.case_time for a in session.trainee_actions() if a.action == acts.ACKNOWLEDGE}
    for line, c in alarm_recs:
        if c.event not in ALARM_ROW_EVENTS:
            continue
        if c.event == "acknowledge" and c.case_time in ack_times:
            continue
        add(c.case_time, f"alarm {c.event}", c.message or c.alarm_id or "", line,
            "" if c.priority is None else c.priority.label,
            _fmt_value(course, c.channel, c.value), _fmt_value(course, c.channel, c.limit),
            exact=False, alarm_id=c.alarm_id or "")
    for a in session.trainee_actions():
        where = f" (at {a.display})" if a.display else ""  # which bedside display
        add(a.case_time, "trainee", _trainee_what(course, a, messages) + where, a.line,
            who=actor_text(acts.TRAINEE, a.display))
    far = datetime.max.replace(tzinfo=played.start_wall.tzinfo)
    rows.sort(key=lambda r: (r.wall or far, r.case_time, r.line or math.inf))
    return rows


def skipped_rows(session: RecordedSession, course: Course,
                 played: PlayedTime | None = None) -> list[SkippedRow]:
    """Scheduled injections and case events inside the session's span it never played."""
    played = played or _played(session, course)
    t0, t1 = played.range
    _, skipped = _scheduled_seen(course, played, t0, t1)
    rows = [SkippedRow(p.start, "scheduled injection", _perturbation_what(course, p))
            for p in skipped]
    rows += [SkippedRow(ev.t, "case event", ev.label) for ev in course.scenario.events
             if t0 < ev.t < t1 and not played.played(ev.t)]
    return sorted(rows, key=lambda r: r.case_time)


def acknowledgement_rows(session: RecordedSession,
                         played: PlayedTime | None = None) -> list[AcknowledgementRow]:
    """Time to acknowledge for every raised or escalated alarm.

    An alarm episode runs from its raise to the next raise of the same alarm (in file
    order: after a seek the engine starts afresh). The first acknowledgement covering it
    is the engine's own acknowledge record for that alarm, or a trainee acknowledge of
    that alarm or of all alarms while its condition was still present."""
    if played is None:
        from replay_data.scenario import load_scenario

        sc = load_scenario(session.scenario)
        played = played_time(session, sc.event_times, (sc.start, sc.end))
    alarm_recs = session.alarm_records()
    trainee_acks = [a for a in session.trainee_actions() if a.action == acts.ACKNOWLEDGE]
    rows: list[AcknowledgementRow] = []
    for i, (line, c) in enumerate(alarm_recs):
        if c.event not in ("raise", "escalate") or c.alarm_id is None:
            continue
        aid = c.alarm_id
        later = [(ln, x) for ln, x in alarm_recs[i + 1:] if x.alarm_id == aid]
        episode_end = next((ln for ln, x in later if x.event == "raise"), math.inf)
        in_episode = [(ln, x) for ln, x in later if ln < episode_end]
        clear = next(((ln, x) for ln, x in in_episode if x.event == "clear"), None)
        clear_line = clear[0] if clear else math.inf
        candidates: list[tuple[int, float]] = [
            (ln, x.case_time) for ln, x in in_episode
            if x.event == "acknowledge" and x.case_time >= c.case_time]
        candidates += [
            (a.line, a.case_time) for a in trainee_acks
            if line < a.line < min(episode_end, clear_line) and a.case_time >= c.case_time
            and a.fields.get("alarm_id") in (None, aid)]
        first = min(candidates, key=lambda x: (x[1], x[0])) if candidates else None
        ack_t = None if first is None else first[1]
        via = ""
        if ack_t is not None:
            same = [a for a in trainee_acks if a.case_time == ack_t and line < a.line
                    and a.fields.get("alarm_id") in (None, aid)]
            if same:
                via = "this alarm" if same[0].fields.get("alarm_id") == aid else "acknowledge all"
        rows.append(AcknowledgementRow(
            c.case_time, c.event, aid, c.message,
            "" if c.priority is None else c.priority.label, ack_t, via,
            None if clear is None else clear[1].case_time,
            played.wall_at(c.case_time) or played.wall_of_line(line),
            None if first is None else _ack_wall(played, first, trainee_acks),
            None if clear is None else
            played.wall_at(clear[1].case_time) or played.wall_of_line(clear[0]),
            c.channel))
    return rows


def _ack_wall(played: PlayedTime, first: tuple[int, float], trainee_acks: list[Action]
              ) -> datetime | None:
    """When the acknowledgement (line, case time) happened: the trainee's action is
    stamped exactly; an engine record is a frame late."""
    line, t = first
    if any(a.line == line for a in trainee_acks):
        return played.wall_of_line(line)
    return played.wall_at(t) or played.wall_of_line(line)


def injection_responses(session: RecordedSession, course: Course,
                        played: PlayedTime | None = None) -> list[InjectionResponse]:
    """For each injection or override the session saw: what was done from its start to
    its end (ramp included) + RESPONSE_WINDOW_S -- the team's actions and settings, the
    instructor's settings, verbal ticks and stop, each saying who -- with the delay in
    wall seconds (and case seconds); how long it lasted as the patient lived it and the
    lowest SpO2 of it."""
    played = played or _played(session, course)
    messages = _alarm_messages(c for _, c in session.alarm_records())
    trainee = session.trainee_actions()
    ticks = [a for a in session.instructor_actions() if a.action == acts.RESPONSE_DONE]
    t0, t1 = played.range
    records = session.perturbation_records()
    items: list[tuple[Perturbation, str, float | None, int, int | None, str]] = [
        (r.final, "scheduled", r.case_time, 0, r.line, r.display) if is_scheduled(r.final.id)
        else (r.final, "instructor", r.stopped, r.line, r.stop_line, r.display)
        for r in records if r.perturbation.kind != "control"]
    seen, _ = _scheduled_seen(course, played, t0, t1)
    items += [(p, "scheduled", None, 0, None, "") for p in seen]
    # Hands on the consoles, as responses: the team's, or the instructor's override.
    controls = [r for r in records if r.perturbation.kind == "control"]
    out: list[InjectionResponse] = []
    for p, source, stopped, line, stop_line, stop_display in sorted(
            items, key=lambda x: x[0].start):
        end = p.end + p.offset + RESPONSE_WINDOW_S
        started = played.wall_at(p.start) or (played.wall_of_line(line) if line else None)

        def wall_delay(w: datetime | None, started: datetime | None = started) -> float | None:
            return None if w is None or started is None else (w - started).total_seconds()

        resp = [Response(a.case_time, a.case_time - p.start, "trainee",
                         _trainee_what(course, a, messages),
                         wall_delay(played.wall_of_line(a.line)), a.display)
                for a in trainee if p.start <= a.case_time <= end]
        resp += [Response(c.perturbation.start, c.perturbation.start - p.start,
                          "trainee" if c.by_team else "instructor",
                          control_label(c.perturbation)
                          + (f" (at {c.display})" if c.display else ""),
                          wall_delay(played.wall_of_line(c.line)))
                 for c in controls if p.start <= c.perturbation.start <= end]
        resp += [Response(a.case_time, a.case_time - p.start, "instructor",
                          f"ticked {a.fields['response']} (done, verbal)",
                          wall_delay(played.wall_of_line(a.line)))
                 for a in ticks if a.fields.get("injection") == p.id]
        if stopped is not None:
            where = f" (at {stop_display})" if stop_display else ""
            resp.append(Response(stopped, stopped - p.start, "instructor",
                                 f"stopped {perturbation_label(course, p)}{where}",
                                 wall_delay(played.wall_of_line(stop_line or 0))))
        resp.sort(key=lambda r: (r.case_time, r.wall_delay or 0.0))
        finished = None if math.isinf(p.end) else played.wall_at(p.end)
        lived, ended_by = lived_end(course, p, records, t1)
        upto = lived if lived is not None else min(p.end + p.offset, t1)
        out.append(InjectionResponse(
            p, perturbation_label(course, p), source, end, tuple(resp), started,
            wall_delay(finished), lived, ended_by,
            None if lived is None else wall_delay(played.wall_at(lived)),
            spo2_nadir(course, p.start, min(upto + NADIR_AFTER_S, t1))))
    return out


def lived_end(course: Course, p: Perturbation, records: Sequence[PerturbationRecord],
              horizon: float) -> tuple[float | None, str]:
    """When the event ended for the patient, if before its nominal end: the first second
    at which none of the values it sets (a pump stop: flow 0) is what it set any more --
    the team restored the flow -- and what did that: the last setting of one of those
    channels made before then, with who made it. (None, "") when its values stayed as
    it set them to its end (or the session's), or it sets none (an added drift)."""
    sets = {e.channel: float(e.set) for e in p.effects if e.set is not None}
    last = min(p.end, horizon)
    if not sets or not math.isfinite(last) or last <= p.start:
        return None, ""
    grid = np.arange(math.floor(p.start), math.ceil(last) + 1, 1.0)
    grid = grid[(grid >= p.start) & (grid <= last)]
    channels = [c for c in sets if c in course.catalogue.numerics]
    if not channels or len(grid) < 2:
        return None, ""
    before = course.numerics(channels, np.array([p.start - 1.0]))
    vals = course.numerics(channels, grid)
    # A value "is what it set" within 2 % of the change it made.
    tol = {c: max(0.02 * abs(float(before[c][0]) - sets[c]), 1e-6) for c in channels}
    at_set = np.all([np.abs(vals[c] - sets[c]) <= tol[c] for c in channels], axis=0)
    away = np.all([np.abs(vals[c] - sets[c]) > tol[c] for c in channels], axis=0)
    reached = np.flatnonzero(at_set)
    if len(reached) == 0:
        return None, ""
    after = np.flatnonzero(away[reached[0]:])
    if len(after) == 0:
        return None, ""
    t = float(grid[reached[0] + after[0]])
    if t >= p.end:
        return None, ""
    by = [r for r in records if r.perturbation.id != p.id and
          p.start <= r.perturbation.start <= t and
          any(e.channel in sets and e.set is not None for e in r.perturbation.effects)]
    if not by:
        return t, ""
    r = max(by, key=lambda r: (r.perturbation.start, r.line))
    what = control_label(r.perturbation) if r.perturbation.kind == "control" else \
        perturbation_label(course, r.perturbation)
    back = course.catalogue.numerics[channels[0]].label
    return t, f"{back} back with {what} ({actor_text(r.role, r.display)})"


def spo2_nadir(course: Course, t0: float, t1: float) -> tuple[float, float] | None:
    """The lowest SpO2 from t0 to t1 (value, case time), None when not measured."""
    if SPO2 not in course.catalogue.numerics or t1 <= t0:
        return None
    grid = np.arange(t0, t1 + 1e-9, 1.0)
    y = course.numerics((SPO2,), grid)[SPO2]
    if not np.isfinite(y).any():
        return None
    i = int(np.nanargmin(y))
    return float(y[i]), float(grid[i])


def note_rows(session: RecordedSession, played: PlayedTime) -> list[NoteRow]:
    return [NoteRow(a.case_time, played.wall_of_line(a.line), str(a.fields.get("text", "")),
                    bool(a.fields.get("bookmark")), a.line)
            for a in session.instructor_actions() if a.action == acts.NOTE]


def participants(session: RecordedSession) -> list[str]:
    """Names or roles entered at Start (one text, split at commas and semicolons)."""
    out: list[str] = []
    for a in session.instructor_actions():
        if a.action == acts.BEGIN and a.fields.get("participants"):
            out += [x.strip() for x in str(a.fields["participants"]).replace(";", ",")
                    .split(",") if x.strip()]
    return out


RESULT_TEXT = {DONE: "done", LATE: "late", MISSED: "missed", VERBAL: "done (verbal)",
               BY_INSTRUCTOR: "done by the instructor"}


def expected_response_rows(report_scored: Sequence[ScoredResponse],
                           played: PlayedTime) -> list[ExpectedResponseRow]:
    """The scenario's expected responses, scored (done, late, verbal, by the instructor,
    missed), with the times in both clocks: wall seconds after the injection started,
    case seconds beside them, and who did it."""
    rows = []
    for r in report_scored:
        when = ""
        if r.at is not None:
            w0, w1 = played.wall_at(r.injection_start), played.wall_at(r.at)
            wall_s = None if w0 is None or w1 is None else (w1 - w0).total_seconds()
            after = f"+{both_spans(wall_s, r.delay)} ({case_clock(r.at, seconds=True)})"
            if r.status == VERBAL and r.verbal is not None:
                who = actor_text(acts.INSTRUCTOR, r.verbal.display)
                when = f"{after}: ticked (verbal) by the {who}"
            elif r.by is not None:
                when = f"{after}: {r.by.label}, {r.by.who}"
        by_whom = ", scheduled" if r.source == "scheduled" else ""
        rows.append(ExpectedResponseRow(f"{r.injection} ({case_clock(r.injection_start)}"
                                        f"{by_whom})",
                                        r.response, f"within {span_text(r.within)}",
                                        r.status, when))
    return rows


def scoring_csv_rows(scored: Sequence[ScoredResponse], played: PlayedTime
                     ) -> list[TimelineRow]:
    """The scored expected responses as CSV rows, in both clocks: at the time it was done
    (at the deadline when missed, if the session played it). value = the delay after
    the injection started (wall seconds, case seconds beside), limit = the time allowed,
    deadline = the case time it was due by, result = done | late | missed | verbal |
    instructor, by = what was set, at which display -- and who, when not the team."""
    rows = []
    for r in scored:
        t = r.at if r.at is not None else r.deadline
        wall = played.wall_at(t)  # missed: when the deadline passed in the room
        value = by = ""
        if r.at is not None:
            w0 = played.wall_at(r.injection_start)
            wall_s = None if w0 is None or wall is None else (wall - w0).total_seconds()
            value = f"after {both_spans(wall_s, r.delay)}"  # no leading "+": a formula
        if r.by is not None:
            by = r.by.label + (f" at {r.by.display}" if r.by.display else "")
            if not r.by.by_team:
                by = f"{r.by.label}, set by the {r.by.who}"
        elif r.status == VERBAL and r.verbal is not None:
            by = f"ticked (verbal) by the {actor_text(acts.INSTRUCTOR, r.verbal.display)}"
        what = (f"{r.injection} ({r.source}, {case_clock(r.injection_start, seconds=True)}): "
                f"{r.response}")
        rows.append(TimelineRow(t, SCORING_TYPE, what, value=value,
                                limit=f"within {span_text(r.within)}", wall=wall,
                                wall_elapsed=played.elapsed(wall),
                                deadline=case_clock(r.deadline, seconds=True),
                                result=r.status, by=by))
    return rows


def scoring_summary(rows: Sequence[ExpectedResponseRow]) -> str:
    n = {s: sum(r.verdict == s for r in rows) for s in RESULT_TEXT}
    text = f"{n[DONE]} done in time, {n[LATE]} late, {n[MISSED]} missed"
    if n[VERBAL]:
        text += f"; {n[VERBAL]} done (verbal, ticked by the instructor)"
    if n[BY_INSTRUCTOR]:
        text += f"; {n[BY_INSTRUCTOR]} set by the instructor, not the team"
    return text


def display_rows(session: RecordedSession, played: PlayedTime) -> list[DisplayRow]:
    """The room's displays, each with when it joined and its link's losses and returns
    (network sessions; none in a session on one machine or an older file)."""
    rows: dict[str, DisplayRow] = {}
    for d in session.display_records():
        wall = played.wall_of_line(d.line)
        row = rows.get(d.display)
        if row is None:
            rows[d.display] = DisplayRow(d.display, d.case_time, wall) if \
                d.status == "joined" else DisplayRow(d.display, d.case_time, None,
                                                     ((d.status, d.case_time, wall),))
            continue
        rows[d.display] = dataclasses.replace(
            row, changes=(*row.changes, (d.status, d.case_time, wall)))
    return list(rows.values())


def focus_windows(report: DebriefReport, course: Course) -> list[tuple[str, float, float]]:
    """One window per injection and per alarm episode -- from a minute before to a few
    minutes after -- kept inside the stretch of the session that played it; windows
    that overlap are drawn as one panel."""
    played = report.played
    assert played is not None
    wins: list[tuple[float, float, str]] = []
    for inj in report.injections:
        p = inj.perturbation
        stop = p.end + p.offset if math.isfinite(p.end) else p.start + EPISODE_MAX_S
        wins.append((p.start, stop, inj.label))
    for a in report.acknowledgements:
        # Low-priority alarms (an ACT below target) run for hours: no panel of their own.
        if a.event != "raise" or a.priority not in ("medium", "high"):
            continue
        end = a.cleared_at if a.cleared_at is not None else report.session.end
        end = max(end, a.acknowledged_at or end)
        wins.append((a.raised_at, min(end, a.raised_at + EPISODE_ALARM_S), a.message))
    out: list[tuple[float, float, list[str]]] = []
    for t0, t1, label in sorted(wins):
        seg = played.segment_of(t0) or played.segment_of(t1)
        if seg is None:
            continue
        lo = max(seg.t0, t0 - EPISODE_BEFORE_S)
        hi = min(seg.t1, min(t1, t0 + EPISODE_MAX_S) + EPISODE_AFTER_S)
        if hi - lo < 30:
            lo, hi = max(seg.t0, lo - 15), min(seg.t1, hi + 15)
        if out and lo <= out[-1][1] and played.segment_of(out[-1][0]) is seg:
            prev = out[-1]
            out[-1] = (prev[0], max(prev[1], hi), prev[2] + [label])
        else:
            out.append((lo, hi, [label]))
    panels = []
    for lo, hi, labels in out[:MAX_EPISODE_PANELS]:
        names = list(dict.fromkeys(labels))
        title = "; ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        panels.append((title, lo, hi))
    return panels


def overview_span(session: RecordedSession, course: Course,
                  played: PlayedTime) -> tuple[float, float]:
    """The longest stretch the session played (a drill usually has one)."""
    seg = max(played.segments, key=lambda s: s.t1 - s.t0)
    t0, t1 = seg.t0, seg.t1
    if t1 - t0 < MIN_SPAN_S:
        pad = (MIN_SPAN_S - (t1 - t0)) / 2
        t0, t1 = t0 - pad, t1 + pad
    sc = course.scenario
    return max(sc.start, t0), min(sc.end, t1)


def plot_span(session: RecordedSession, course: Course) -> tuple[float, float]:
    return overview_span(session, course, _played(session, course))


def snapshot_mismatches(session: RecordedSession, course: Course) -> int:
    """Snapshots whose values the recomputed course does not reproduce: a sign that the
    scenario or the model changed since the recording, so the trends are not what was seen."""
    snaps = session.snapshots()
    if not snaps:
        return 0
    values, _ = course.sample_grid(np.array([s.case_time for s in snaps]))
    records = session.perturbation_records()
    bad = 0
    for i, s in enumerate(snaps):
        # A disturbance applied in the same second, after the snapshot was written, was
        # not in what the snapshot saw: compare with the course as it was then.
        later = {r.perturbation.id for r in records
                 if r.line > s.line and r.perturbation.start <= s.case_time}
        seen = values
        if later:
            then = course.with_perturbations(p for p in course.perturbations
                                             if p.id not in later)
            seen, _ = then.sample_grid(np.array([s.case_time]))
        col_at = 0 if later else i
        for ch, col in seen.items():
            rec, now = s.values.get(ch, math.nan), float(col[col_at])
            same = (math.isnan(rec) and math.isnan(now)) or (
                abs(rec - now) <= REPLAY_TOLERANCE * max(1.0, abs(now)))
            if not same:
                bad += 1
                break
    return bad


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or tab, CR) gets a
    leading apostrophe (OWASP's advice against CSV formula injection); plain numbers such
    as -5 stay numbers."""
    text = "" if cell is None else str(cell)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def render_csv(rows: Iterable[TimelineRow]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([csv_safe(cell) for cell in r.csv_row()])
    # BOM: spreadsheet programs otherwise read the UTF-8 arrows and dashes as Latin-1.
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- building


def _check_out(session_path: Path, out_html: Path) -> Path:
    if out_html.suffix.lower() not in (".html", ".htm"):
        raise DebriefError(one_line(f"{out_html}: the report must be an .html file"))
    folder = out_html.parent
    if not folder.is_dir():
        raise DebriefError(one_line(f"{out_html}: folder {folder} does not exist"))
    if out_html.is_dir():
        raise DebriefError(one_line(f"{out_html}: is a folder"))
    csv_path = out_html.with_suffix(".csv")
    for p in (out_html, csv_path, out_html.with_suffix(".pdf")):
        if p.exists() and p.resolve() == session_path.resolve():
            raise DebriefError(one_line(f"{p}: would overwrite the session file"))
    return csv_path


def _write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Each file whole or not at all, all written before any replaces its old version;
    devices, pipes and symbolic links handled by the shared output rules
    (replay_data.output_file)."""
    write_all([(str(path), data) for path, data in files], "--out")


def build_report(session_path: str | os.PathLike[str], out_html: str | os.PathLike[str]
                 ) -> tuple[DebriefReport, Course]:
    """The rows of the report (no Qt, nothing written)."""
    session_path, out = Path(session_path), Path(out_html)
    csv_path = _check_out(session_path, out)
    session = read_session(session_path)
    course = course_for(session)
    played = _played(session, course)
    report = DebriefReport(
        session=session, html_path=out, csv_path=csv_path,
        span=overview_span(session, course, played),
        timeline=timeline_rows(session, course, played),
        acknowledgements=acknowledgement_rows(session, played),
        injections=injection_responses(session, course, played),
        plotted=OVERVIEW_CHANNELS,
        snapshot_mismatches=snapshot_mismatches(session, course),
        skipped=skipped_rows(session, course, played),
        notes=note_rows(session, played), participants=participants(session),
        played=played, scored=score_session(session, course.scenario, played),
        displays=display_rows(session, played))
    report.expected = expected_response_rows(report.scored, played)
    report.panels = focus_windows(report, course)
    if session.truncated:
        report.warnings.append("The session file ends in a cut-off line (the app stopped "
                               "while writing); everything before it is shown.")
    if report.snapshot_mismatches:
        report.warnings.append(
            f"{report.snapshot_mismatches} of {len(session.snapshots())} recorded snapshots "
            "differ from the recomputed course: the scenario or the simulator changed since "
            "the recording, so the trends may not be what the trainees saw.")
    return report, course


def build_debrief(session_path: str | os.PathLike[str], out_html: str | os.PathLike[str],
                  *, pdf: bool = False) -> DebriefReport:
    """Read a session, write OUT.html (self-contained), OUT.csv (timeline rows) and with
    pdf=True OUT.pdf (Qt's PDF writer, A4).

    Raises SessionLogError (bad session file), OSError (unreadable), ReplayDataError
    (scenario gone or changed) or DebriefError (bad output path); then nothing is written."""
    report, course = build_report(session_path, out_html)
    from . import page, plots  # Qt only from here: the rows above work without it

    figures = plots.report_figures(report, course)
    html_text = page.render_html(report, course, figures, embed=True)
    assert report.played is not None
    csv_rows = report.timeline + scoring_csv_rows(report.scored, report.played)
    files = [(report.csv_path, render_csv(csv_rows)),
             (report.html_path, html_text.encode("utf-8"))]
    if pdf:
        from . import pdf as pdf_out

        pdf_bytes, pages = pdf_out.render_pdf(page.render_html(report, course, figures,
                                                               embed=False), figures)
        report.pdf_path, report.pdf_pages = report.html_path.with_suffix(".pdf"), pages
        files.append((report.pdf_path, pdf_bytes))
    _write_atomic(files)
    return report
