"""`icu-dashboard`: the bedside monitor on the case, in one of three roles.

    icu-dashboard [options]                  demo: one window with the replay controls
    icu-dashboard instructor [options]       the instructor console (runs the clock and the
    icu-dashboard --instructor [options]       disturbances) and the bedside monitor
    icu-dashboard monitor [options]          the trainees' bedside monitor only
    icu-dashboard --replay SESSION.jsonl     play a recorded session back (demo window)
    icu-dashboard debrief SESSION.jsonl --out REPORT.html

Headless (`--headless --duration D`) runs on a virtual clock: case time advances by D as
fast as the machine can (every case second reaches the numerics and the alarms); with
--screenshot only the last frame is painted and saved. An instructor or monitor run
headless without --screenshot needs no Qt at all. Bad arguments or files: one line on
stderr, exit code 2.

Each role has its own parser (`ROLES`) and run function, so a role gains options (e.g.
network ones) in one place.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from dashboard.launch_checks import check_outputs, check_qt_platform
from replay_data.cli import OneLineParser, parse_seed
from replay_data.errors import ReplayDataError, one_line
from replay_data.interrupts import EXIT_INTERRUPTED, Terminated, terminate_raises
from replay_data.perturbations import injection
from replay_data.timeexpr import parse_duration

EXIT_BAD_INPUT = 2
DEFAULT_SIZE = (1600, 1000)
DEFAULT_SCENARIO = "sle_dah_ecmo"
ROLES_TEXT = """\
roles:
  icu-dashboard [options]             demo: one window with the replay controls
  icu-dashboard instructor [options]  instructor console (clock, disturbances, a live copy
                                      of the bedside screen) + the bedside monitor
                                      (also: icu-dashboard --instructor)
  icu-dashboard monitor [options]     the trainees' bedside monitor: numerics, waveforms,
                                      trends, alarm keys and limits; no replay controls
  icu-dashboard debrief SESSION.jsonl --out REPORT.html
Run `icu-dashboard ROLE --help` for a role's options."""
TIMES_TEXT = ("Times T: seconds from admission, <event>, <event>+<dur>, <event>-<dur> "
              "(dur like 90s, 15m, 2h, 1d).")


@dataclass(frozen=True)
class LaunchOptions:
    role: str  # demo | instructor | monitor
    scenario: str
    start: str | None
    speed: float | None  # None: 1x (a replay: the recorded speeds)
    seed: int
    fullscreen: bool
    size: tuple[int, int] | None  # --size; None: fit the screen (headless: DEFAULT_SIZE)
    headless: bool
    duration: float
    screenshot: str | None
    alarm_log: str | None
    mute: bool
    session_log: str | None = None
    replay: str | None = None
    inject: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)  # options a role adds (e.g. network)


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise ReplayDataError(f"--size {text}: use WIDTHxHEIGHT, e.g. 1600x1000")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 480 <= h <= 4320):
        raise ReplayDataError(f"--size {text}: between 640x480 and 7680x4320")
    return w, h


# ------------------------------------------------------------------------------ parsers


def _parser(prog: str, description: str, epilog: str) -> argparse.ArgumentParser:
    return OneLineParser(prog=prog, description=description, epilog=epilog,
                         formatter_class=argparse.RawDescriptionHelpFormatter)


def _common(p: argparse.ArgumentParser, *, speed: bool = True,
            screenshot_required: bool = False) -> None:
    from replay_data.scenario import builtin_scenarios

    p.add_argument("--scenario", default=None, help="built-in case or drill "
                   f"({', '.join(builtin_scenarios())}) or a .toml path "
                   f"(default {DEFAULT_SCENARIO})")
    p.add_argument("--start", help="case time to open at (default: the scenario's start; "
                                   "for the case a few minutes before the pre-ECMO blood gas)")
    if speed:
        p.add_argument("--speed", type=float, default=None,
                       help="replay speed (1, 2, 5, 10, 60, 600, 3600; default 1)")
    p.add_argument("--seed", type=parse_seed, default=None,
                   help="noise seed, 0 .. 2**32-1 (default 0)")
    p.add_argument("--fullscreen", action="store_true", help="open fullscreen")
    p.add_argument("--size", default=None, help="window size WxH (default: fit the screen; "
                                                 "headless 1600x1000)")
    p.add_argument("--headless", action="store_true",
                   help="run offscreen on a virtual clock for --duration and exit"
                        + (" (needs --screenshot)" if screenshot_required else ""))
    p.add_argument("--duration", default="0", help="headless: case time to advance, e.g. 90s")
    p.add_argument("--screenshot", help="headless: PNG file for the last frame")
    p.add_argument("--alarm-log", help="alarm log (JSON Lines); default: user data folder")
    p.add_argument("--mute", action="store_true", help="no alarm sound")
    p.add_argument("--trends", action="store_true",
                   help="open the trend review over the waveforms (key T; with --headless "
                        "--screenshot the PNG shows it)")


def _recording(p: argparse.ArgumentParser, default_note: str) -> None:
    p.add_argument("--session-log", help=f"record the session (JSON Lines); {default_note}")
    p.add_argument("--inject", action="append", default=[], metavar="ID@T",
                   help="headless: start injection ID at case time T (repeatable), "
                        "e.g. pump_stop@ecmo_start+1d")


def build_parser() -> argparse.ArgumentParser:
    """The demo role (no subcommand), which also takes --instructor and --replay."""
    p = _parser("icu-dashboard",
                "ICU bedside monitor replaying a VV-ECMO case. Training simulator, not a "
                "medical device.\n\n" + ROLES_TEXT,
                TIMES_TEXT + " Keys: Space play/pause, Left/Right 10 s (Shift: 10 min), "
                "[ ] speed, Home/End, F11 fullscreen; A acknowledge, S audio pause, "
                "P alarm pause, L limits, T trends.")
    _common(p, screenshot_required=True)
    p.add_argument("--instructor", action="store_true",
                   help="run as the instructor (same as `icu-dashboard instructor`)")
    _recording(p, "with --instructor the default is the user data folder")
    p.add_argument("--replay", metavar="SESSION.jsonl",
                   help="play a recorded session back (recorded speeds unless --speed)")
    return p


def build_instructor_parser() -> argparse.ArgumentParser:
    p = _parser("icu-dashboard instructor",
                "Instructor: the console runs the clock and the disturbances and shows a "
                "live copy of the bedside screen; the bedside monitor opens beside it (on "
                "the second screen if there is one, side by side if both fit, else as tabs "
                "of one window). The session is recorded.",
                TIMES_TEXT + " Headless: --duration D [--inject ID@T] [--session-log P] "
                "runs the session on a virtual clock without any window; with "
                "--screenshot S.png it paints the console's last frame.")
    _common(p)
    _recording(p, "default: the user data folder")
    _console_option(p, "beside the bedside monitor on this machine (the team at the "
                       "bedside acts on them)")
    _network_options(p, "instructor")
    return p


def _console_option(p: argparse.ArgumentParser, where: str) -> None:
    p.add_argument("--console", choices=("ecmo", "vent"), action="append", default=[],
                   help="also open a console the bedside team operates (ecmo: the pump "
                        f"console, vent: the ventilator; repeat for both), {where}; with "
                        "--headless --screenshot the PNG shows the first one")


def _network_options(p: argparse.ArgumentParser, role: str) -> None:
    from dashboard.net.roles import add_network_options

    add_network_options(p, role)


def build_monitor_parser() -> argparse.ArgumentParser:
    p = _parser("icu-dashboard monitor",
                "The trainees' bedside monitor: numerics, waveforms, trends, alarm keys "
                "(A acknowledge, S audio pause, P alarm pause, L limits, T trends). No play, "
                "pause, speed, timeline or jump; the case runs at 1x from --start.",
                TIMES_TEXT + " Headless: --duration D [--alarm-log P] [--screenshot S.png].")
    _common(p, speed=False)
    _console_option(p, "next to the monitor (with --broker their settings go to the "
                       "instructor, credited to this display)")
    _network_options(p, "monitor")
    return p


# Options every LaunchOptions field takes; anything else a role's parser adds (e.g.
# --broker, --room, --display) travels in LaunchOptions.extra.
_KNOWN = {"scenario", "start", "speed", "seed", "fullscreen", "size", "headless", "duration",
          "screenshot", "alarm_log", "mute", "session_log", "replay", "inject", "instructor"}


def parse_options(argv: Sequence[str] | None, role: str = "demo") -> LaunchOptions:
    return launch_options(ROLES[role].parser().parse_args(argv), role)


def launch_options(a: argparse.Namespace, role: str) -> LaunchOptions:
    """Check the parsed arguments of a monitor role (demo, instructor, monitor)."""
    if getattr(a, "instructor", False):
        role = "instructor"
    speed = getattr(a, "speed", None)
    if speed is not None and not (0 < speed <= 3600):
        raise ReplayDataError(f"--speed {speed:g}: between 0 and 3600")
    try:
        duration = parse_duration(a.duration)
    except ReplayDataError as exc:
        raise ReplayDataError(f"--duration {a.duration}: {exc}") from None
    replay = getattr(a, "replay", None)
    inject = tuple(getattr(a, "inject", ()))
    session_log = getattr(a, "session_log", None)
    if a.headless and not a.screenshot and role == "demo":
        raise ReplayDataError("--headless needs --screenshot OUT.png")
    if a.headless and duration <= 0 and role != "demo":
        raise ReplayDataError("--headless needs --duration D (case time to run), e.g. 10m")
    if a.screenshot and not a.headless:
        raise ReplayDataError("--screenshot is for --headless runs")
    if a.screenshot and not a.screenshot.lower().endswith(".png"):
        raise ReplayDataError(f"--screenshot {a.screenshot}: must be a .png file")
    if a.screenshot:
        folder = os.path.dirname(os.path.abspath(a.screenshot))
        if not os.path.isdir(folder):
            raise ReplayDataError(f"--screenshot {a.screenshot}: folder {folder} does not exist")
    if replay:
        clash = [name for name, given in (("--scenario", a.scenario), ("--seed", a.seed),
                                          ("--session-log", session_log),
                                          ("--instructor", role != "demo"),
                                          ("--inject", inject)) if given]
        if clash:
            raise ReplayDataError(f"--replay plays the recorded session as it was: it does "
                                  f"not take {', '.join(clash)}")
        if not os.path.isfile(replay):
            raise ReplayDataError(f"--replay {replay}: no such session file")
    check_outputs({"--alarm-log": a.alarm_log, "--session-log": session_log,
                   "--screenshot": a.screenshot})
    for spec in inject:
        if "@" not in spec:
            raise ReplayDataError(f"--inject {spec}: use ID@TIME, e.g. pump_stop@ecmo_start+1d")
    if inject and not a.headless:
        raise ReplayDataError("--inject is for --headless runs; use the instructor console live")
    extra = {k: v for k, v in vars(a).items() if k not in _KNOWN}
    return LaunchOptions(role, a.scenario or DEFAULT_SCENARIO, a.start, speed,
                         0 if a.seed is None else a.seed, a.fullscreen,
                         _size(a.size) if a.size else None, a.headless, duration,
                         a.screenshot, a.alarm_log, a.mute, session_log, replay, inject,
                         extra)


# ------------------------------------------------------------------------------ shared steps


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
        from dashboard.recording import course_for, read_session

        recording = read_session(opts.replay)
        course = course_for(recording)
        start = recording.start if opts.start is None else \
            course.scenario.resolve_option("--start", opts.start)
    else:
        course = Course(load_scenario(opts.scenario), seed=opts.seed)
        start = course.scenario.default_start if opts.start is None else \
            course.scenario.resolve_option("--start", opts.start)
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


def _alarm_log_path(opts: LaunchOptions) -> str:
    from dashboard.alarms import default_log_path

    return opts.alarm_log or str(default_log_path())


def _ticks_for(duration: float) -> int:
    """Headless runs tick about once a case minute: results do not depend on it (actions
    apply at their case times), it only bounds the work of one tick."""
    return max(1, math.ceil(duration / 60))


def run_core_headless(opts: LaunchOptions, prep: Prepared, *, session_log: str | None,
                      display: str) -> int:
    """An instructor or monitor run headless without a screenshot: the controller alone
    on a virtual clock -- no Qt imported."""
    from dashboard.core.actions import INJECT, SCRIPT, Action, Actor
    from dashboard.core.clock import ManualWall
    from dashboard.core.session_controller import SessionController, SystemProblem
    from dashboard.recording import recording_for

    controller = SessionController(prep.course, start=prep.start,
                                   speed=opts.speed or 1.0, wall=ManualWall(),
                                   alarm_log=_alarm_log_path(opts),
                                   recording=recording_for(session_log, opts.scenario),
                                   display=display)
    controller.subscribe(lambda ev: isinstance(ev, SystemProblem) and print(
        f"icu-dashboard: {ev.message}", file=sys.stderr))
    for message in controller.problems:  # at start-up, before anyone listened
        print(f"icu-dashboard: {message}", file=sys.stderr)
    try:
        if controller.recorder is not None:
            print(f"icu-dashboard: recording the session to {controller.recorder.path}",
                  file=sys.stderr)
        # One batch: the course is rebuilt once, however many --inject there are.
        controller.apply_many([Action.make(INJECT, {"injection": name, "start": when},
                                           Actor(SCRIPT, "script"))
                               for name, when in prep.planned], strict=True)
        controller.advance(opts.duration, _ticks_for(opts.duration))
    finally:
        controller.close()
    return 0


def _qt_app(opts: LaunchOptions):  # noqa: ANN202
    if opts.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt is imported only now, so `--help` and argument errors stay fast and Qt-free.
    from PySide6 import QtWidgets

    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        _quiet_offscreen_notice()
    else:
        check_qt_platform()  # Qt would abort the process (exit 134) without one
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("icu-dashboard")
    # The GUI automation hook (docs/automation.md): off unless ICU_DASHBOARD_AUTOMATION
    # names a socket path.
    from dashboard.ui.automation import install_from_environment
    from dashboard.ui.wheel_guard import install_wheel_guard

    install_from_environment(app)
    # The wheel scrolls the page, never the value of a control it happens to pass over.
    install_wheel_guard(app)
    if not opts.headless:
        # Ctrl-C (or a TERM) ends the session cleanly: logs closed, exit 0. The frame
        # timer runs Python often enough for the handler to be called promptly; a stop
        # during start-up is remembered, because quit() before exec() would be lost.
        def stop(signum: int, _frame: object) -> None:
            _STOP_REQUESTED.append(signum)
            app.quit()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    return app


_STOP_REQUESTED: list[int] = []


def _run_event_loop(app, session, opts: LaunchOptions) -> int:  # noqa: ANN001
    stop_requested = _STOP_REQUESTED
    if session.recorder is not None:
        print(f"icu-dashboard: recording the session to {session.recorder.path}",
              file=sys.stderr)
    if stop_requested:
        session.close()
        return 0
    try:
        code = app.exec()
    finally:
        session.close()
    return int(code)


def _save_png(widget, path: str) -> None:  # noqa: ANN001
    """The frame as a PNG through the output rules (replay_data.output_file): whole or
    not at all for a file, written through a device or pipe, and a failure says why."""
    from dashboard.ui.screenshot import save_png

    save_png(widget.grab().toImage(), path)


def _say_problems(controller) -> None:  # noqa: ANN001 - a SessionController
    """A headless run has no status line: the simulator's own failures (a log on a full
    disk) go to stderr -- those so far and those to come -- and the run goes on."""
    from dashboard.core.session_controller import SystemProblem

    for message in controller.problems:
        print(f"icu-dashboard: {message}", file=sys.stderr, flush=True)
    controller.subscribe(lambda ev: isinstance(ev, SystemProblem) and print(
        f"icu-dashboard: {ev.message}", file=sys.stderr, flush=True))


@contextlib.contextmanager
def _signals_between_frames() -> Iterator[Callable[[], None]]:
    """Ctrl-C and SIGTERM only noted, and acted on by calling the check it yields (a
    KeyboardInterrupt or Terminated from there). Raised wherever Python happened to be,
    they would come out of a Python method Qt calls back (a widget being shown) and
    crash the process (SIGSEGV) instead of ending it cleanly."""
    got: list[int] = []

    def note(signum: int, _frame: object) -> None:
        got.append(signum)

    def check() -> None:
        if got:
            raise KeyboardInterrupt if got[0] == signal.SIGINT else Terminated(got[0])

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield check
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    check()  # one that came while leaving


def _headless_screenshot(app, session, widget, opts: LaunchOptions) -> int:  # noqa: ANN001
    try:
        with _signals_between_frames() as check:
            if session.recorder is not None:  # as every other run that records says
                print(f"icu-dashboard: recording the session to {session.recorder.path}",
                      file=sys.stderr, flush=True)
            _say_problems(session.controller)
            widget.resize(*(opts.size or DEFAULT_SIZE))
            widget.show()
            check()
            # Frame by frame (the steps SessionController.advance takes), so that a
            # signal is acted on between frames, never inside one.
            ticks = _ticks_for(opts.duration)
            remaining = float(opts.duration)
            for i in range(ticks):
                step = remaining / (ticks - i)
                remaining -= step
                session.advance_virtual(step, 1)
                check()
            session.settle_for_screenshot()
            app.processEvents()
            check()
            _save_png(widget, opts.screenshot)
    finally:
        session.close()
        widget.close()
    return 0


# ------------------------------------------------------------------------------ roles


def run_demo(opts: LaunchOptions) -> int:
    prep = prepare(opts)
    app = _qt_app(opts)
    from dashboard.session import MonitorSession

    common = {"virtual_clock": opts.headless, "alarm_log": _alarm_log_path(opts),
              "mute": opts.mute or opts.headless}
    if prep.recording is not None:
        session = MonitorSession.from_recording(prep.recording, prep.course,
                                                speed=opts.speed, **common)
        if opts.start is not None:
            session.window.seek(prep.start)
    else:
        session = MonitorSession.create(prep.course, start=prep.start,
                                        speed=opts.speed or 1.0,
                                        session_log=opts.session_log,
                                        scenario_name=opts.scenario, **common)
    session.schedule_injections(prep.planned)
    if opts.extra.get("trends"):
        session.window.show_trends(True)
    if opts.headless:
        return _headless_screenshot(app, session, session.window, opts)
    _place_bedside(app, session, opts)  # a window fitted to the screen, or --size
    return _run_event_loop(app, session, opts)


def run_instructor(opts: LaunchOptions) -> int:
    from dashboard.recording import default_session_path

    prep = prepare(opts)
    session_path = opts.session_log or str(default_session_path())
    networked = _run_networked(opts, prep, session_path)
    if networked is not None:
        return networked
    from dashboard.net.roles import network_settings

    net = network_settings(opts, "instructor")
    if opts.headless and not opts.screenshot:
        return run_core_headless(opts, prep, session_log=session_path, display="console")
    app = _qt_app(opts)
    from dashboard.session import MonitorSession

    # Interactive: the session opens in its pre-brief (the clock waits for Start on the
    # console; the trainees' monitor sweeps the patient meanwhile). Headless runs play.
    # The team's consoles on this machine act as the trainees at the bedside.
    session = MonitorSession.create(prep.course, start=prep.start, speed=opts.speed or 1.0,
                                    virtual_clock=opts.headless, playing=opts.headless,
                                    alarm_log=_alarm_log_path(opts), session_log=session_path,
                                    instructor=True, scenario_name=opts.scenario,
                                    mute=opts.mute or opts.headless,
                                    network_wall=time.time if net else None,
                                    consoles=_consoles(opts), console_display="bedside")
    session.schedule_injections(prep.planned)
    if net:
        from dashboard.session_net import attach_instructor

        bridge = attach_instructor(session, net)
        try:
            _place_instructor(app, session, opts)
            return _run_event_loop(app, session, opts)
        finally:
            bridge.stop()
    if opts.headless:
        return _headless_screenshot(app, session, session.console, opts)
    _place_instructor(app, session, opts)
    return _run_event_loop(app, session, opts)


def _consoles(opts: LaunchOptions) -> tuple[str, ...]:
    return tuple(opts.extra.get("console") or ())


def _place_instructor(app, session, opts: LaunchOptions) -> None:  # noqa: ANN001
    """Console, bedside monitor and the team's consoles placed on this machine's screens
    within --size (dashboard.ui.placement); a tab window it made stays with the session."""
    from dashboard.ui.placement import place_instructor

    made = place_instructor(app, session.window, session.console,
                            consoles=tuple(session.consoles), size=opts.size,
                            fullscreen=opts.fullscreen)
    if made is not None:
        session.extra_windows.append(made)


def _place_bedside(app, session, opts: LaunchOptions) -> None:  # noqa: ANN001
    """The monitor (and the team's consoles) placed on this machine's screens within
    --size; a tab window it made stays with the session (a rebuilt bedside takes its
    tabs)."""
    from dashboard.ui.placement import place_bedside

    made = place_bedside(app, session.window, tuple(session.consoles), size=opts.size,
                         fullscreen=opts.fullscreen)
    if made is not None:
        session.extra_windows.append(made)


def _run_networked(opts: LaunchOptions, prep: Prepared, session_log: str | None) -> int | None:
    """--broker given: the instructor or monitor over MQTT (dashboard.net.roles)."""
    from dashboard.net import roles

    net = roles.network_settings(opts, opts.role)
    if net is None:
        return None
    if opts.role == "instructor" and opts.headless:
        from dashboard.recording import SessionRecording

        recording = SessionRecording(session_log, scenario_name=opts.scenario)
        return roles.run_instructor_headless(opts, prep, net, recording, _alarm_log_path(opts))
    if opts.role == "monitor" and opts.headless and not opts.screenshot:
        return roles.run_monitor_headless(opts, prep, net, _alarm_log_path(opts))
    if opts.role == "monitor":
        app = _qt_app(opts)
        from dashboard.session import MonitorSession
        from dashboard.session_net import attach_monitor

        # The team's consoles act as the trainees at this display: their settings go up
        # to the instructor through the monitor's link, credited to its --display.
        session = MonitorSession.create(prep.course, start=prep.start, role="monitor",
                                        alarm_log=_alarm_log_path(opts),
                                        mute=opts.mute or opts.headless,
                                        scenario_name=opts.scenario, display=net["display"],
                                        network_wall=time.time, authority=False,
                                        consoles=_consoles(opts))
        if opts.extra.get("trends"):
            session.window.show_trends(True)
        bridge = attach_monitor(session, net)
        if opts.headless:
            try:
                widget = session.consoles[0] if session.consoles else session.window
                widget.resize(*(opts.size or DEFAULT_SIZE))
                widget.show()
                _quit_after(app, opts.duration)
                app.exec()
                # The bedside may have been made again on the instructor's scenario.
                widget = session.consoles[0] if session.consoles else session.window
                widget.resize(*(opts.size or DEFAULT_SIZE))
                widget.show()
                session.settle_for_screenshot()
                app.processEvents()
                _save_png(widget, opts.screenshot)
            finally:
                bridge.stop()
                session.close()
            return 2 if bridge.refused else 0
        _place_bedside(app, session, opts)
        try:
            return _run_event_loop(app, session, opts)
        finally:
            bridge.stop()
    return None


def _quit_after(app, seconds: float) -> None:  # noqa: ANN001
    from PySide6 import QtCore

    QtCore.QTimer.singleShot(int(seconds * 1000), app.quit)


def run_monitor(opts: LaunchOptions) -> int:
    prep = prepare(opts)
    networked = _run_networked(opts, prep, None)
    if networked is not None:
        return networked
    if opts.headless and not opts.screenshot:
        return run_core_headless(opts, prep, session_log=None, display="monitor")
    app = _qt_app(opts)
    from dashboard.session import MonitorSession

    session = MonitorSession.create(prep.course, start=prep.start, role="monitor",
                                    virtual_clock=opts.headless,
                                    alarm_log=_alarm_log_path(opts),
                                    mute=opts.mute or opts.headless, scenario_name=opts.scenario,
                                    consoles=_consoles(opts))
    if opts.extra.get("trends"):
        session.window.show_trends(True)
    if opts.headless:
        return _headless_screenshot(app, session, session.consoles[0] if session.consoles
                                    else session.window, opts)
    _place_bedside(app, session, opts)
    return _run_event_loop(app, session, opts)


@dataclass(frozen=True)
class RoleEntry:
    """One way to run: its parser, how its arguments are checked into options, and its
    run function. A role that is not a monitor (e.g. a broker) brings its own `options`."""
    parser: Callable[[], argparse.ArgumentParser]
    run: Callable[[object], int]
    options: Callable[[argparse.Namespace, str], object] = launch_options


ROLES: dict[str, RoleEntry] = {
    "demo": RoleEntry(build_parser, run_demo),
    "instructor": RoleEntry(build_instructor_parser, run_instructor),
    "monitor": RoleEntry(build_monitor_parser, run_monitor),
}


def run(opts: LaunchOptions) -> int:
    return ROLES[opts.role].run(opts)


def run_role(role: str, args: Sequence[str]) -> int:
    entry = ROLES[role]
    opts = entry.options(entry.parser().parse_args(args), role)
    role = getattr(opts, "role", role)  # the demo parser's --instructor
    return ROLES[role].run(opts)


def _quiet_offscreen_notice() -> None:
    """The offscreen platform says 'does not support propagateSizeHints()' whenever a
    window's size hint changes; it means nothing for a screenshot run. Everything else
    Qt says still reaches stderr."""
    from dashboard.qt_messages import install_filter

    install_filter()


def _network_command(args: list[str]) -> int | None:
    """`broker` and `room-access` (dashboard.net); None when args are not one of them."""
    if args[:1] == ["broker"]:
        from dashboard.net.cli import broker_main

        return broker_main(args[1:])
    if args[:1] == ["room-access"]:
        from dashboard.net.cli import room_access_main

        return room_access_main(args[1:])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    network = _network_command(args)
    if network is not None:
        return network
    if args[:1] == ["debrief"]:
        from dashboard.debrief import debrief_main

        return debrief_main(args[1:])
    role = "demo"
    if args[:1] and args[0] in ROLES and args[0] != "demo":
        role, args = args[0], args[1:]
    try:
        with terminate_raises():
            return run_role(role, args)
    except KeyboardInterrupt:
        # Ctrl-C in a headless run: files were closed on the way out; no traceback.
        return EXIT_INTERRUPTED
    except Terminated:
        return 0  # SIGTERM in a headless run: a requested stop, files closed
    except ReplayDataError as exc:
        print(f"icu-dashboard: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        # Session files and alarm profiles report their own file and line.
        print(f"icu-dashboard: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(one_line(f"icu-dashboard: error:{where} {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
