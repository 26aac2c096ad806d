"""The timeline of a recorded session, in the order things happened (instructor actions,
notes, perturbations, case events, alarm changes, trainee actions), and what the session
did not play: a scheduled event the instructor jumped over is listed as skipped
(played.py). Also the notes, the participants and the displays' comings and goings."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from datetime import datetime

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.recording import (
    Action,
    RecordedSession,
)
from replay_data.casetime import case_clock, clock_of_day
from replay_data.course import Course, is_scheduled
from replay_data.perturbations import Perturbation

from .played import PlayedTime, played_time
from .rows import (
    ALARM_ROW_EVENTS,
    DISPLAY_WORDS,
    DisplayRow,
    NoteRow,
    SkippedRow,
    TimelineRow,
    note_text,
    perturbation_label,
    perturbation_what,
    value_text,
)
from .scoring import (
    actor_text,
)


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


def trainee_what(course: Course, a: Action, messages: dict[str, str]) -> str:
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


def alarm_messages(changes: Iterable[AlarmChange]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in changes:
        if c.alarm_id and c.event in ("raise", "escalate") and c.alarm_id not in out:
            out[c.alarm_id] = c.message
    return out


def scheduled_in_span(course: Course, t0: float, t1: float) -> list[Perturbation]:
    """The scenario's own injections (e.g. the case's drainage chatter) in the span."""
    own = {p.id for p in course.perturbations}
    return [p for p in course.all_perturbations
            if p.id not in own and p.start <= t1 and p.end + p.offset >= t0]


def session_played(session: RecordedSession, course: Course) -> PlayedTime:
    sc = course.scenario
    return played_time(session, sc.event_times, (sc.start, sc.end))


def scheduled_seen(course: Course, played: PlayedTime, t0: float, t1: float
                    ) -> tuple[list[Perturbation], list[Perturbation]]:
    """Scheduled injections of the span: (seen -- some of it was played, skipped)."""
    seen, skipped = [], []
    for p in scheduled_in_span(course, t0, t1):
        (seen if played.overlaps(p.start, p.end + p.offset) else skipped).append(p)
    return seen, skipped


def timeline_rows(session: RecordedSession, course: Course,
                  played: PlayedTime | None = None) -> list[TimelineRow]:
    """Everything that happened, in the order it happened (wall clock, then file line):
    instructor actions, notes, perturbation starts and stops, case events and scheduled
    injections the session played through, alarm changes and trainee actions."""
    played = played or session_played(session, course)
    alarm_recs = session.alarm_records()
    messages = alarm_messages(c for _, c in alarm_recs)
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
        add(d.case_time, "display", f"{d.display} {DISPLAY_WORDS[d.status]}", d.line,
            exact=False, who=d.display)
    for rec in session.perturbation_records():
        p = rec.perturbation
        if is_scheduled(p.id):
            # The scenario's own injection, which the instructor stopped: recorded as its
            # cut copy at the moment of the stop.
            if played.played(p.start):
                add(p.start, "scheduled injection", perturbation_what(course, p),
                    who="scenario")
            add(rec.case_time, "scheduled injection stop",
                f"stopped: {perturbation_label(course, p)}", rec.line,
                who=actor_text(rec.role, rec.display))
            continue
        add(p.start if p.start >= rec.case_time else rec.case_time, p.kind,
            perturbation_what(course, p), rec.line, who=actor_text(rec.role, rec.display))
        if rec.stopped is not None:
            # Only the instructor stops a disturbance.
            add(rec.stopped, f"{p.kind} stop", f"stopped: {perturbation_label(course, p)}",
                rec.stop_line or rec.line, who=actor_text(acts.INSTRUCTOR, rec.display))
    t0, t1 = played.range
    seen, _ = scheduled_seen(course, played, t0, t1)
    for p in seen:
        if played.played(p.start):
            add(p.start, "scheduled injection", perturbation_what(course, p), who="scenario")
        else:
            seg = next(s for s in played.segments if s.t0 <= p.end + p.offset and p.start <= s.t1)
            add(seg.t0, "scheduled injection",
                f"{perturbation_what(course, p)} -- already under way when the session "
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
            value_text(course, c.channel, c.value), value_text(course, c.channel, c.limit),
            exact=False, alarm_id=c.alarm_id or "")
    for a in session.trainee_actions():
        where = f" (at {a.display})" if a.display else ""  # which bedside display
        add(a.case_time, "trainee", trainee_what(course, a, messages) + where, a.line,
            who=actor_text(acts.TRAINEE, a.display))
    far = datetime.max.replace(tzinfo=played.start_wall.tzinfo)
    rows.sort(key=lambda r: (r.wall or far, r.case_time, r.line or math.inf))
    return rows


def skipped_rows(session: RecordedSession, course: Course,
                 played: PlayedTime | None = None) -> list[SkippedRow]:
    """Scheduled injections and case events inside the session's span it never played."""
    played = played or session_played(session, course)
    t0, t1 = played.range
    _, skipped = scheduled_seen(course, played, t0, t1)
    rows = [SkippedRow(p.start, "scheduled injection", perturbation_what(course, p))
            for p in skipped]
    rows += [SkippedRow(ev.t, "case event", ev.label) for ev in course.scenario.events
             if t0 < ev.t < t1 and not played.played(ev.t)]
    return sorted(rows, key=lambda r: r.case_time)



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
