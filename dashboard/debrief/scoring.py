"""Scoring the bedside team's responses against what the scenario expects.

Each injection in the scenario may list expected responses (`expected` in the scenario
file: a label, a time limit and settings any one of which counts). For every injection
started in a session -- by the instructor, or by the scenario's own schedule (a drill's
pump stop) when the session played its start -- each response is *done* (the team made a
matching setting within the limit), *late* (after it) or *missed* (never, up to the end of
the session). Only the control the team actually touched counts: a setting restated
alongside another one does not.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from dashboard.debrief.played import PlayedTime, played_time
from dashboard.session_log import RecordedSession
from replay_data.controls import CONTROLS
from replay_data.course import is_scheduled, scheduled_id
from replay_data.perturbations import Perturbation, injection
from replay_data.scenario import Scenario
from replay_data.timeexpr import format_case_time

DONE, LATE, MISSED = "done", "late", "missed"


@dataclass(frozen=True)
class TeamControl:
    """One setting the team (or the instructor, overriding) made."""
    t: float
    control: str
    value: float
    display: str

    @property
    def label(self) -> str:
        """'Drainage clamp on', 'FiO2 100 %'."""
        return _team_text(self)


@dataclass(frozen=True)
class ScoredResponse:
    injection: str  # its label
    injection_id: str  # perturbation id
    injection_start: float
    response: str  # the expected response's label
    within: float  # s
    status: str  # done | late | missed
    at: float | None  # case time the team did it
    by: TeamControl | None
    source: str = "instructor"  # instructor | scheduled (by the scenario)

    @property
    def deadline(self) -> float:
        """Case time by which the response was due."""
        return self.injection_start + self.within

    @property
    def delay(self) -> float | None:
        return None if self.at is None else self.at - self.injection_start


def team_controls(session: RecordedSession) -> list[TeamControl]:
    out = []
    for rec in session.perturbation_records():
        p = rec.perturbation
        if p.kind == "control":
            out.append(TeamControl(p.start, p.name, _setting(p), rec.display))
    return sorted(out, key=lambda c: c.t)


def _setting(p: Perturbation) -> float:
    return next((float(e.set) for e in p.effects if e.channel == p.name), math.nan)


def score(scenario: Scenario, injections: list[Perturbation], controls: list[TeamControl],
          end: float, scheduled: frozenset[str] = frozenset()) -> list[ScoredResponse]:
    """Every expected response of every injection, in injection order; `scheduled` names
    the ids of the injections the scenario scheduled (the rest the instructor gave)."""
    out = []
    for inj in sorted(injections, key=lambda p: p.start):
        spec = scenario.injections.get(inj.name)
        if spec is None:
            continue
        for exp in spec.expected:
            hit = next((c for c in controls if c.t >= inj.start and any(
                cond.control == c.control and cond.met(c.value) for cond in exp.any)), None)
            if hit is None:
                status = MISSED
            else:
                status = DONE if hit.t - inj.start <= exp.within + 1e-9 else LATE
            out.append(ScoredResponse(spec.label, inj.id, inj.start, exp.label, exp.within,
                                      status, None if hit is None else hit.t, hit,
                                      "scheduled" if inj.id in scheduled else "instructor"))
    del end  # a response after the session's end cannot be in it: missed
    return out


def score_session(session: RecordedSession, scenario: Scenario,
                  played: PlayedTime | None = None) -> list[ScoredResponse]:
    """The instructor's injections and the scenario's scheduled ones whose start the
    session played (one it jumped over is skipped, not the team's miss)."""
    injections = [r.perturbation for r in session.perturbation_records()
                  if r.perturbation.kind == "injection"]
    if played is None:
        played = played_time(session, scenario.event_times, (scenario.start, scenario.end))
    # A scheduled injection the instructor stopped is recorded as its cut copy (same id):
    # scored once, as the scenario's.
    recorded = {p.id for p in injections}
    own = [injection(scenario, s.injection, s.t, severity=s.severity, duration=s.duration,
                     pid=scheduled_id(s.injection, s.t))
           for s in scenario.scheduled if played.played(s.t)]
    own = [p for p in own if p.id not in recorded]
    scheduled = frozenset(p.id for p in injections + own if is_scheduled(p.id))
    return score(scenario, injections + own, team_controls(session), session.end, scheduled)


def control_label(p: Perturbation) -> str:
    """'Pump speed 3700 rpm', 'Drainage clamp on' for a team's control perturbation."""
    spec = CONTROLS.get(p.name)
    v = _setting(p)
    if spec is None:
        return f"{p.name} {v:g}"
    if spec.id == "control.vent.mode":
        return f"Vent mode {'AC' if v >= 0.5 else 'PC'}"
    if spec.high == 1 and spec.step == 1:
        return f"{spec.label} {'on' if v >= 0.5 else 'off'}"
    if spec.id == "control.ecmo.hand_crank" and v == 0:
        return "Hand crank off"
    return f"{spec.label} {v:g} {spec.unit}".rstrip()


def scoring_html(rows: list[ScoredResponse]) -> list[str]:
    """The debrief's section: expected responses, done / late / missed, with times."""
    e = html.escape
    parts = ["<h2>Expected responses</h2>"]
    if not rows:
        return parts + ['<p class="none">No injection with expected responses in this '
                        'session.</p>']
    counts = {s: sum(r.status == s for r in rows) for s in (DONE, LATE, MISSED)}
    parts.append(f"<p>{counts[DONE]} done in time, {counts[LATE]} late, "
                 f"{counts[MISSED]} missed.</p>")
    colour = {DONE: "#2e7d32", LATE: "#a66a00", MISSED: "#c62828"}
    parts.append("<table><tr><th>Injection</th><th>Expected</th><th>Within</th>"
                 "<th>Result</th><th>What the team did</th></tr>")
    for r in rows:
        if r.by is None:
            did = '<span class="none">nothing matching</span>'
        else:
            where = f" at {e(r.by.display)}" if r.by.display else ""
            did = (f"+{r.delay:.0f} s ({e(format_case_time(r.at))}){where}: "
                   f"{e(_team_text(r.by))}")
        parts.append(
            f"<tr><td>{e(r.injection)} ({e(format_case_time(r.injection_start))})</td>"
            f"<td>{e(r.response)}</td><td class=\"num\">{r.within:.0f} s</td>"
            f'<td style="color:{colour[r.status]};font-weight:700">{r.status}</td>'
            f"<td>{did}</td></tr>")
    parts.append("</table>")
    return parts


def _team_text(c: TeamControl) -> str:
    spec = CONTROLS.get(c.control)
    if spec is None:
        return f"{c.control} {c.value:g}"
    if spec.high == 1 and spec.step == 1:
        return f"{spec.label} {'on' if c.value >= 0.5 else 'off'}"
    return f"{spec.label} {c.value:g} {spec.unit}".rstrip()
