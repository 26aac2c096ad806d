"""Scoring the bedside team's responses against what the scenario expects -- the ONE set
of rules, used by the debrief (after the session) and by the instructor's live checklist
(during it, checklist.py).

Each injection in the scenario may list expected responses (`expected` in the scenario
file: a label, a time limit and settings any one of which counts). For every injection
started in a session -- by the instructor, or by the scenario's own schedule (a drill's
pump stop) when the session played its start -- each response is

    done        the bedside team (role "trainee") made a matching setting within the limit,
                or did a matching care action (control.care.*) the instructor logged for
                them at the console (shown as "team (entered by the instructor ...)")
    late        ... after it
    verbal      the instructor ticked it ("done (verbal)": the team said or did it where
                no control records it) before the team's own setting
    instructor  nobody of the team did it, but the instructor made the setting (an override
                from the console): the patient got it, the team did not earn it
    missed      none of these by the deadline, which the session reached (live: once the
                deadline passed)
    not due     debrief only: none of these, but the session ended before the deadline
                (the team did not have the time the scenario gives them: not their miss)
    pending     live only: not yet, and the deadline has not passed

Only the control someone actually touched counts: a setting restated alongside another
one does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from sys import intern

from dashboard.core.actions import INSTRUCTOR_ROLES, TRAINEE
from dashboard.debrief.played import PlayedTime, played_time
from dashboard.recording import RecordedSession
from replay_data.care import CARE
from replay_data.controls import CONTROLS
from replay_data.course import is_scheduled, scheduled_id
from replay_data.perturbation_labels import control_setting
from replay_data.perturbations import Perturbation, injection
from replay_data.scenario import Scenario

DONE, LATE, MISSED = "done", "late", "missed"
VERBAL, BY_INSTRUCTOR, PENDING, NOT_DUE = "verbal", "instructor", "pending", "not due"
STATUSES = (DONE, LATE, VERBAL, BY_INSTRUCTOR, MISSED, NOT_DUE, PENDING)
_EPS = 1e-9


def actor_text(role: str, display: str) -> str:
    """'trainee at bed-1', 'instructor at console' (who did it, and on which screen)."""
    who = "instructor" if role in INSTRUCTOR_ROLES else role
    # Shared, not one copy per row: a 200,000-note timeline said it 200,000 times.
    return intern(f"{who} at {display}") if display else who


@dataclass(frozen=True)
class TeamControl:
    """One setting someone made: the bedside team (role trainee) or the instructor
    (an override from the console's team-settings box, a script)."""
    t: float
    control: str
    value: float
    display: str
    role: str = TRAINEE

    @property
    def label(self) -> str:
        """'Drainage clamp on', 'FiO2 100 %'."""
        return _team_text(self)

    @property
    def entered_for_team(self) -> bool:
        """A care action (control.care.*: a bolus, CPR ...) the instructor logged at the
        console on the team's behalf: the team's action, entered by the instructor."""
        return self.role != TRAINEE and CONTROLS.get(self.control) is not None and \
            CONTROLS[self.control].console == CARE

    @property
    def by_team(self) -> bool:
        return self.role == TRAINEE or self.entered_for_team

    @property
    def who(self) -> str:
        if self.entered_for_team:
            return f"team (entered by the {actor_text(self.role, self.display)})"
        return actor_text(self.role, self.display)


@dataclass(frozen=True)
class VerbalTick:
    """The instructor's "done (verbal)" for one expected response of one injection."""
    t: float
    injection_id: str  # the disturbance id (scheduled:... for a drill's own)
    response: str  # the expected response's label
    display: str = "console"
    wall: str = ""  # ISO wall time of the tick, when known (the session file's)


@dataclass(frozen=True)
class ScoredResponse:
    injection: str  # its label
    injection_id: str  # perturbation id
    injection_start: float
    response: str  # the expected response's label
    within: float  # s
    status: str  # one of STATUSES
    at: float | None  # case time it was done (by the team, ticked, or the instructor's)
    by: TeamControl | None  # the setting that did it (None: nothing, or a verbal tick)
    source: str = "instructor"  # instructor | scheduled (by the scenario)
    verbal: VerbalTick | None = None  # the instructor's tick, when status is verbal

    @property
    def deadline(self) -> float:
        """Case time by which the response was due."""
        return self.injection_start + self.within

    @property
    def delay(self) -> float | None:
        return None if self.at is None else self.at - self.injection_start

    @property
    def who(self) -> str:
        """'trainee at bed-1', 'instructor at console', 'instructor (verbal)', ''."""
        if self.status == VERBAL:
            return "instructor (verbal)"
        return "" if self.by is None else self.by.who

    @property
    def credited(self) -> bool:
        """Counted for the team: their own setting in time, or ticked verbally."""
        return self.status in (DONE, VERBAL)


def team_controls(session: RecordedSession) -> list[TeamControl]:
    """Every setting of the session with who made it (the team's and the instructor's:
    score() tells them apart by role)."""
    out = []
    for rec in session.perturbation_records():
        p = rec.perturbation
        if p.kind == "control":
            out.append(TeamControl(p.start, p.name, control_setting(p), rec.display, rec.role))
    return sorted(out, key=lambda c: c.t)


def verbal_ticks(session: RecordedSession) -> list[VerbalTick]:
    return [VerbalTick(a.case_time, str(a.fields["injection"]), str(a.fields["response"]),
                       a.display, a.wall_time)
            for a in session.instructor_actions() if a.action == "response_done"]


def score(scenario: Scenario, injections: list[Perturbation], controls: list[TeamControl],
          end: float, scheduled: frozenset[str] = frozenset(),
          verbal: Iterable[VerbalTick] = (), now: float = math.inf) -> list[ScoredResponse]:
    """Every expected response of every injection, in injection order; `scheduled` names
    the ids of the injections the scenario scheduled (the rest the instructor gave).
    `now` is the case time the view stands at: math.inf for the debrief (a response not
    given by the end of the session is missed, or not due if the session ended before
    its deadline), the clock's time for the live checklist (not given yet: pending until
    its deadline passes, missed after)."""
    ticks = list(verbal)
    out = []
    for inj in sorted(injections, key=lambda p: p.start):
        spec = scenario.injections.get(inj.name)
        if spec is None:
            continue
        for exp in spec.expected:
            hits = [c for c in controls if inj.start <= c.t <= now and any(
                cond.control == c.control and cond.met(c.value) for cond in exp.any)]
            team = next((c for c in hits if c.by_team), None)
            tick = next((v for v in ticks if v.injection_id == inj.id and
                         v.response == exp.label and v.t <= now), None)
            theirs = next((c for c in hits if not c.by_team), None)
            due = inj.start + exp.within
            if math.isinf(now):  # the debrief: the session's end is as far as it went
                open_status = MISSED if end + _EPS >= due else NOT_DUE  # time was up
            else:
                open_status = MISSED if now > due + _EPS else PENDING
            hit, status, said = None, open_status, None
            if team is not None and (tick is None or team.t <= tick.t):
                hit, status = team, DONE if team.t - inj.start <= exp.within + _EPS else LATE
            elif tick is not None:
                status, said = VERBAL, tick
            elif theirs is not None:
                hit, status = theirs, BY_INSTRUCTOR
            at = hit.t if hit is not None else (said.t if said is not None else None)
            out.append(ScoredResponse(spec.label, inj.id, inj.start, exp.label, exp.within,
                                      status, at, hit,
                                      "scheduled" if inj.id in scheduled else "instructor",
                                      said))
    return out


def session_injections(scenario: Scenario, recorded: Sequence[Perturbation],
                       played: PlayedTime | None = None, *,
                       played_at: object = None) -> tuple[list[Perturbation], frozenset[str]]:
    """The injections to score: the instructor's (recorded) and the scenario's scheduled
    ones whose start the session played (one it jumped over is skipped, not the team's
    miss); and the ids of the scheduled ones. `played_at(t) -> bool` may stand in for
    `played` (the live checklist's view of the clock)."""
    was_played = played.played if played is not None else played_at
    assert callable(was_played)
    # A scheduled injection the instructor stopped is recorded as its cut copy (same id):
    # scored once, as the scenario's.
    injections = [p for p in recorded if p.kind == "injection"]
    have = {p.id for p in injections}
    own = [injection(scenario, s.injection, s.t, severity=s.severity, duration=s.duration,
                     until_stopped=s.duration is None,
                     pid=scheduled_id(s.injection, s.t))
           for s in scenario.scheduled if was_played(s.t)]
    own = [p for p in own if p.id not in have]
    scheduled = frozenset(p.id for p in injections + own if is_scheduled(p.id))
    return injections + own, scheduled


def score_session(session: RecordedSession, scenario: Scenario,
                  played: PlayedTime | None = None) -> list[ScoredResponse]:
    """The instructor's injections and the scenario's scheduled ones whose start the
    session played, scored as the debrief shows them."""
    if played is None:
        played = played_time(session, scenario.event_times, (scenario.start, scenario.end))
    injections, scheduled = session_injections(
        scenario, [r.perturbation for r in session.perturbation_records()], played)
    return score(scenario, injections, team_controls(session), session.end, scheduled,
                 verbal_ticks(session))



def _team_text(c: TeamControl) -> str:
    spec = CONTROLS.get(c.control)
    if spec is None:
        return f"{c.control} {c.value:g}"
    if spec.high == 1 and spec.step == 1:
        return f"{spec.label} {'on' if c.value >= 0.5 else 'off'}"
    return f"{spec.label} {c.value:g} {spec.unit}".rstrip()
