"""A recording checked against its scenario, once the file itself has been read
(reader.read_session): the one check --replay and the debrief both make
(`recorded_course`): the limits, names and alarms of checks.py, and whether the scenario
changed since the recording (its content hash, `ScenarioCheck`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.recording.checks import check_alarm_names, check_injection_names, check_limits
from dashboard.recording.reader import RecordedSession, SessionLogError
from replay_data.course import Course
from replay_data.errors import ReplayDataError, one_line
from replay_data.scenario import load_scenario


@dataclass(frozen=True)
class ScenarioCheck:
    """The recording's scenario hash against the scenario's content now."""

    path: Path
    scenario: str
    recorded: str | None  # None: recorded before scenario hashes
    current: str

    @property
    def changed(self) -> bool:
        return self.recorded is not None and self.recorded != self.current

    @property
    def message(self) -> str | None:
        """One line for stderr and the report, or None when the scenario is unchanged."""
        if self.recorded is None:
            return f"{self.path}: recorded before scenario hashes; cannot check"
        if not self.changed:
            return None
        return one_line(
            f"{self.path}: the scenario {self.scenario!r} changed since this session was "
            f"recorded (hash {self.recorded[:12]} then, {self.current[:12]} now): values "
            "and alarms recomputed from it are not what the room saw")


@dataclass(frozen=True)
class RecordedCourse:
    """A recording checked against its scenario: the course that replays it, the alarm
    profile, and whether the scenario changed since."""

    course: Course
    profile: Any  # dashboard.alarms.profile.AlarmProfile
    check: ScenarioCheck


def recorded_course(session: RecordedSession) -> RecordedCourse:
    """The session's course (its scenario and seed with its final perturbations), after
    every check that needs the scenario (checks.py); --replay and the debrief both come
    through here. SessionLogError names the file and line."""
    try:
        scenario = load_scenario(session.scenario)
    except ReplayDataError as exc:  # the error names the session file, then the scenario's
        raise SessionLogError(one_line(f"{session.path}: line 1: scenario: {exc}")) from None
    if scenario.id != session.scenario_id:
        raise SessionLogError(one_line(
            f"{session.path}: recorded on scenario {session.scenario_id!r} but "
            f"{session.scenario!r} now loads {scenario.id!r}"))
    records = session.perturbation_records()
    by_line = {r.line: r.perturbation for r in records}
    bad = check_limits(session.start,
                       ((e.line, e.case_time, by_line.get(e.line)) for e in session.entries),
                       scenario)
    if bad is None:
        bad = check_injection_names(((r.line, r.perturbation) for r in records), scenario)
    from dashboard.alarms.profile import ProfileError, load_profile

    profile = None
    if bad is None:
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
    from dashboard.core.scenario_hash import scenario_hash

    base = Course(scenario, session.seed)
    check = ScenarioCheck(session.path, session.scenario, session.scenario_hash,
                          scenario_hash(base, profile))
    course = base.with_perturbations(r.final for r in records)
    return RecordedCourse(course, profile, check)


def course_for(session: RecordedSession) -> Course:
    """The session's course: its scenario and seed with its final perturbations."""
    return recorded_course(session).course
