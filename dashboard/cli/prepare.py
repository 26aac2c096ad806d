"""What every role resolves before any file is created or any window opens: the course,
the start, the planned injections, and for --replay the recording, checked whole."""

from __future__ import annotations

from dataclasses import dataclass

from replay_data.errors import ReplayDataError
from replay_data.perturbations import injection

from .options import LaunchOptions, consoles


@dataclass
class Prepared:
    """What every role resolves before any file is created or any window opens."""
    course: object  # replay_data.course.Course
    start: float
    planned: list[tuple[str, float]]
    recording: object | None = None  # RecordedSession for --replay


def prepare(opts: LaunchOptions) -> Prepared:
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    recording = None
    if opts.replay:
        from dashboard.recording import read_session

        recording = read_session(opts.replay)
        course = replay_course(recording, bool(opts.extra.get("accept_changed_scenario")))
        start = recording.start if opts.start is None else \
            course.scenario.resolve_option("--start", opts.start)
    else:
        course = Course(load_scenario(opts.scenario), seed=opts.seed)
        start = course.scenario.default_start if opts.start is None else \
            course.scenario.resolve_option("--start", opts.start)
    check_consoles(opts, course.scenario)
    if opts.headless and start + opts.duration > course.scenario.end:
        raise ReplayDataError(f"--start + --duration runs past the end of the scenario "
                              f"({course.scenario.end:.0f} s)")
    planned = []
    for spec in opts.inject:
        name, _, when = spec.partition("@")
        try:  # "pump_stop:clamped" names a variant; injection() checks both
            injection(course.scenario, name, course.scenario.start)
        except ReplayDataError as exc:
            raise ReplayDataError(f"--inject {spec}: {exc}") from None
        planned.append((name, course.scenario.resolve_option("--inject", when)))
    if recording is not None:
        # Every recorded action checked against the scenario before anything runs.
        from dashboard.core.actions import ActionError
        from dashboard.core.clock import ManualWall
        from dashboard.core.session_controller import SessionController

        probe = SessionController(course, start=start, wall=ManualWall())
        try:
            probe.replay(recording.replay_actions())
        except ActionError as exc:
            raise ReplayDataError(str(exc)) from None
        finally:
            probe.close()
    return Prepared(course, start, planned, recording)


def check_consoles(opts: LaunchOptions, scenario: object) -> None:
    """A team console needs its device in the scenario: an ECMO console for a patient
    without a circuit would be a panel of dashes pretending to be a pump."""
    if "ecmo" in consoles(opts) and getattr(scenario, "circuit", None) is None:
        raise ReplayDataError(f"--console ecmo: scenario {getattr(scenario, 'id', '?')!r} "
                              "has no ECMO circuit ([circuit]): choose a scenario with one, "
                              "or leave out --console ecmo")


def replay_course(recording: object, accept_changed: bool) -> object:
    """The recording's course, checked as the debrief checks it (recorded_course). A
    changed scenario is refused unless accepted: a replay recomputes every value and
    alarm from the scenario, so it would show the room a session that did not happen."""
    import sys

    from dashboard.recording import recorded_course

    rc = recorded_course(recording)
    if rc.check.changed and not accept_changed:
        raise ReplayDataError(f"{rc.check.message}; restore the scenario, or replay it "
                              "anyway with --accept-changed-scenario")
    if rc.check.message is not None:
        kind = "warning" if rc.check.changed else "note"
        print(f"icu-dashboard: {kind}: {rc.check.message}", file=sys.stderr)
    return rc.course


def alarm_log_path(opts: LaunchOptions) -> str:
    from dashboard.alarms import default_log_path

    return opts.alarm_log or str(default_log_path())
