"""How the team responded: time to acknowledge each alarm, what was done during and
after each injection (its SpO2 nadir beside it), and the scenario's expected responses
scored (scoring.py), for the page and the CSV."""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.recording import (
    Action,
    PerturbationRecord,
    RecordedSession,
)
from replay_data.casetime import case_clock, span_text
from replay_data.course import Course, is_scheduled
from replay_data.perturbation_labels import control_label
from replay_data.perturbations import Perturbation

from .played import PlayedTime, played_time
from .rows import (
    NADIR_AFTER_S,
    RESPONSE_WINDOW_S,
    RESULT_TEXT,
    SCORING_TYPE,
    SPO2,
    AcknowledgementRow,
    ExpectedResponseRow,
    InjectionResponse,
    Response,
    TimelineRow,
    both_spans,
    perturbation_label,
)
from .scoring import (
    BY_INSTRUCTOR,
    DONE,
    LATE,
    MISSED,
    NOT_DUE,
    VERBAL,
    ScoredResponse,
    actor_text,
)
from .timeline import alarm_messages, scheduled_seen, session_played, trainee_what


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
    # Indexed, not searched per alarm (a session of 2,000 pump stops was quadratic):
    # each alarm's records in file order, the acknowledgements by line and by case time.
    by_alarm: dict[str, list[tuple[int, AlarmChange]]] = {}
    position: list[int] = []  # each record's place in its alarm's list
    for line, c in alarm_recs:
        mine = by_alarm.setdefault(c.alarm_id or "", [])
        position.append(len(mine))
        mine.append((line, c))
    ack_lines = [a.line for a in trainee_acks]  # file order: increasing
    acks_at: dict[float, list[Action]] = {}
    for a in trainee_acks:
        acks_at.setdefault(a.case_time, []).append(a)
    trainee_lines = set(ack_lines)
    rows: list[AcknowledgementRow] = []
    for i, (line, c) in enumerate(alarm_recs):
        if c.event not in ("raise", "escalate") or c.alarm_id is None:
            continue
        aid = c.alarm_id
        in_episode: list[tuple[int, AlarmChange]] = []
        episode_end: float = math.inf
        for ln, x in by_alarm[aid][position[i] + 1:]:
            if x.event == "raise":
                episode_end = ln
                break
            in_episode.append((ln, x))
        clear = next(((ln, x) for ln, x in in_episode if x.event == "clear"), None)
        clear_line = clear[0] if clear else math.inf
        candidates: list[tuple[int, float]] = [
            (ln, x.case_time) for ln, x in in_episode
            if x.event == "acknowledge" and x.case_time >= c.case_time]
        upto = min(episode_end, clear_line)
        lo = bisect.bisect_right(ack_lines, line)
        hi = len(ack_lines) if upto == math.inf else bisect.bisect_left(ack_lines, upto)
        candidates += [
            (a.line, a.case_time) for a in trainee_acks[lo:hi]
            if a.case_time >= c.case_time and a.fields.get("alarm_id") in (None, aid)]
        first = min(candidates, key=lambda x: (x[1], x[0])) if candidates else None
        ack_t = None if first is None else first[1]
        via = ""
        if ack_t is not None:
            same = [a for a in acks_at.get(ack_t, ()) if line < a.line
                    and a.fields.get("alarm_id") in (None, aid)]
            if same:
                via = "this alarm" if same[0].fields.get("alarm_id") == aid else "acknowledge all"
        rows.append(AcknowledgementRow(
            c.case_time, c.event, aid, c.message,
            "" if c.priority is None else c.priority.label, ack_t, via,
            None if clear is None else clear[1].case_time,
            played.wall_at(c.case_time) or played.wall_of_line(line),
            None if first is None else _ack_wall(played, first, trainee_lines),
            None if clear is None else
            played.wall_at(clear[1].case_time) or played.wall_of_line(clear[0]),
            c.channel))
    return rows


def _ack_wall(played: PlayedTime, first: tuple[int, float], trainee_lines: set[int]
              ) -> datetime | None:
    """When the acknowledgement (line, case time) happened: the trainee's action is
    stamped exactly; an engine record is a frame late."""
    line, t = first
    if line in trainee_lines:
        return played.wall_of_line(line)
    return played.wall_at(t) or played.wall_of_line(line)


def injection_responses(session: RecordedSession, course: Course,
                        played: PlayedTime | None = None) -> list[InjectionResponse]:
    """For each injection or override the session saw: what was done from its start to
    its end (ramp included) + RESPONSE_WINDOW_S -- the team's actions and settings, the
    instructor's settings, verbal ticks and stop, each saying who -- with the delay in
    wall seconds (and case seconds); how long it lasted as the patient lived it and the
    lowest SpO2 of it."""
    played = played or session_played(session, course)
    messages = alarm_messages(c for _, c in session.alarm_records())
    trainee = session.trainee_actions()
    ticks = [a for a in session.instructor_actions() if a.action == acts.RESPONSE_DONE]
    t0, t1 = played.range
    records = session.perturbation_records()
    items: list[tuple[Perturbation, str, float | None, int, int | None, str]] = [
        (r.final, "scheduled", r.case_time, 0, r.line, r.display) if is_scheduled(r.final.id)
        else (r.final, "instructor", r.stopped, r.line, r.stop_line, r.display)
        for r in records if r.perturbation.kind != "control"]
    seen, _ = scheduled_seen(course, played, t0, t1)
    items += [(p, "scheduled", None, 0, None, "") for p in seen]
    # Hands on the consoles, as responses: the team's, or the instructor's override.
    controls = [r for r in records if r.perturbation.kind == "control"]
    # Sorted by when, searched per injection (not scanned: 2,000 injections were slow).
    trainee_by_t = sorted(trainee, key=lambda a: (a.case_time, a.line))
    trainee_t = [a.case_time for a in trainee_by_t]
    controls_by_t = sorted(controls, key=lambda c: (c.perturbation.start, c.line))
    controls_t = [c.perturbation.start for c in controls_by_t]
    ticks_of: dict[object, list[Action]] = {}
    for a in ticks:
        ticks_of.setdefault(a.fields.get("injection"), []).append(a)
    what: dict[int, str] = {}  # a trainee action's words, once per action

    def said(a: Action) -> str:
        if a.line not in what:
            what[a.line] = trainee_what(course, a, messages)
        return what[a.line]

    out: list[InjectionResponse] = []
    windows: list[tuple[float, float]] = []  # each one's SpO2 nadir window
    # What lived_end will look at for every injection, computed in one go.
    asked: list[tuple[Sequence[str], np.ndarray]] = []
    for it in items:
        got = _lived_grid(course, it[0], t1)
        if got is not None:
            asked += [(got[0], got[1]), (got[0], np.array([it[0].start - 1.0]))]
    sampler = Sampler(course, asked)
    for p, source, stopped, line, stop_line, stop_display in sorted(
            items, key=lambda x: x[0].start):
        end = p.end + p.offset + RESPONSE_WINDOW_S
        started = played.wall_at(p.start) or (played.wall_of_line(line) if line else None)

        def wall_delay(w: datetime | None, started: datetime | None = started) -> float | None:
            return None if w is None or started is None else (w - started).total_seconds()

        in_window = trainee_by_t[bisect.bisect_left(trainee_t, p.start):
                                 bisect.bisect_right(trainee_t, end)]
        resp = [Response(a.case_time, a.case_time - p.start, "trainee", said(a),
                         wall_delay(played.wall_of_line(a.line)), a.display)
                for a in sorted(in_window, key=lambda a: a.line)]
        set_in_window = controls_by_t[bisect.bisect_left(controls_t, p.start):
                                      bisect.bisect_right(controls_t, end)]
        resp += [Response(c.perturbation.start, c.perturbation.start - p.start,
                          "trainee" if c.by_team else "instructor",
                          control_label(c.perturbation)
                          + (f" (at {c.display})" if c.display else ""),
                          wall_delay(played.wall_of_line(c.line)))
                 for c in sorted(set_in_window, key=lambda c: c.line)]
        resp += [Response(a.case_time, a.case_time - p.start, "instructor",
                          f"ticked {a.fields['response']} (done, verbal)",
                          wall_delay(played.wall_of_line(a.line)))
                 for a in ticks_of.get(p.id, ())]
        if stopped is not None:
            where = f" (at {stop_display})" if stop_display else ""
            resp.append(Response(stopped, stopped - p.start, "instructor",
                                 f"stopped {perturbation_label(course, p)}{where}",
                                 wall_delay(played.wall_of_line(stop_line or 0))))
        resp.sort(key=lambda r: (r.case_time, r.wall_delay or 0.0))
        finished = None if math.isinf(p.end) else played.wall_at(p.end)
        lived, ended_by = lived_end(course, p, records, t1, sampler)
        upto = lived if lived is not None else min(p.end + p.offset, t1)
        out.append(InjectionResponse(
            p, perturbation_label(course, p), source, end, tuple(resp), started,
            wall_delay(finished), lived, ended_by,
            None if lived is None else wall_delay(played.wall_at(lived))))
        windows.append((p.start, min(upto + NADIR_AFTER_S, t1)))
    return [dataclasses.replace(r, nadir=n)
            for r, n in zip(out, spo2_nadirs(course, windows), strict=True)]


def _lived_grid(course: Course, p: Perturbation, horizon: float
                ) -> tuple[list[str], np.ndarray] | None:
    """The channels `p` sets and the seconds lived_end looks at, or None (nothing to see)."""
    sets = [e.channel for e in p.effects if e.set is not None]
    last = min(p.end, horizon)
    if not sets or not math.isfinite(last) or last <= p.start:
        return None
    grid = np.arange(math.floor(p.start), math.ceil(last) + 1, 1.0)
    grid = grid[(grid >= p.start) & (grid <= last)]
    channels = [c for c in dict.fromkeys(sets) if c in course.catalogue.numerics]
    if not channels or len(grid) < 2:
        return None
    return channels, grid


class Sampler:
    """course.numerics for many small requests at once: each channel computed once on
    all the times asked of it (values are per time point, so the same as one by one)."""

    def __init__(self, course: Course, asked: Sequence[tuple[Sequence[str], np.ndarray]]
                 ) -> None:
        times: dict[str, list[np.ndarray]] = {}
        for channels, t in asked:
            for c in channels:
                times.setdefault(c, []).append(np.asarray(t, dtype=np.float64))
        self._grid = {c: np.unique(np.concatenate(ts)) for c, ts in times.items()}
        self._values = {c: course.numerics((c,), g)[c] for c, g in self._grid.items()}
        self._course = course

    def __call__(self, channels: Sequence[str], t: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for c in channels:
            grid = self._grid.get(c)
            i = None if grid is None else np.searchsorted(grid, t)
            if grid is None or np.any(i >= len(grid)) or not np.array_equal(grid[i], t):
                out[c] = self._course.numerics((c,), t)[c]  # not asked for: computed
            else:
                out[c] = self._values[c][i]
        return out


def lived_end(course: Course, p: Perturbation, records: Sequence[PerturbationRecord],
              horizon: float, sampler: Sampler | None = None) -> tuple[float | None, str]:
    """When the event ended for the patient, if before its nominal end: the first second
    at which none of the values it sets (a pump stop: flow 0) is what it set any more --
    the team restored the flow -- and what did that: the last setting of one of those
    channels made before then, with who made it. (None, "") when its values stayed as
    it set them to its end (or the session's), or it sets none (an added drift)."""
    sets = {e.channel: float(e.set) for e in p.effects if e.set is not None}
    asked = _lived_grid(course, p, horizon)
    if asked is None:
        return None, ""
    channels, grid = asked
    sample = sampler or course.numerics
    before = sample(channels, np.array([p.start - 1.0]))
    vals = sample(channels, grid)
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


def spo2_nadirs(course: Course, windows: Sequence[tuple[float, float]]
                ) -> list[tuple[float, float] | None]:
    """spo2_nadir of each (t0, t1), the course computed once on all their seconds (values
    are per time point, so the same as one by one; 2,000 injections were 2,000 runs)."""
    if SPO2 not in course.catalogue.numerics:
        return [None] * len(windows)
    grids = [np.arange(t0, t1 + 1e-9, 1.0) if t1 > t0 else None for t0, t1 in windows]
    used = [g for g in grids if g is not None and len(g)]
    if not used:
        return [None] * len(windows)
    every = np.unique(np.concatenate(used))
    y_all = course.numerics((SPO2,), every)[SPO2]
    out: list[tuple[float, float] | None] = []
    for grid in grids:
        if grid is None or not len(grid):
            out.append(None)
            continue
        y = y_all[np.searchsorted(every, grid)]
        if not np.isfinite(y).any():
            out.append(None)
            continue
        i = int(np.nanargmin(y))
        out.append((float(y[i]), float(grid[i])))
    return out


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
    if n[NOT_DUE]:
        text += f"; {n[NOT_DUE]} not due yet when the session ended"
    return text
