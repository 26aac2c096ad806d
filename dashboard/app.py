"""`icu-dashboard`: the bedside monitor on the case.

    icu-dashboard [--scenario S] [--start T] [--speed X] [--seed N] [--fullscreen] [--size WxH]
    icu-dashboard --headless --start T --duration SEC [--speed X] [--size WxH] --screenshot OUT.png
    icu-dashboard --instructor [--session-log PATH]     (trainee monitor + instructor console)
    icu-dashboard --replay SESSION.jsonl                (play a recorded session back)
    icu-dashboard debrief SESSION.jsonl --out REPORT.html

Headless runs offscreen on a virtual clock: case time advances by SEC as fast as the
machine can (every case second reaches the numerics and the alarms), only the last
frame is painted and saved. Bad arguments or files: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.launch_checks import check_outputs, check_qt_platform, check_replay_options
from replay_data.cli import OneLineParser, parse_seed
from replay_data.errors import ReplayDataError, one_line
from replay_data.interrupts import EXIT_INTERRUPTED, Terminated, terminate_raises
from replay_data.timeexpr import parse_duration

EXIT_BAD_INPUT = 2
DEFAULT_SIZE = (1600, 1000)


@dataclass(frozen=True)
class LaunchOptions:
    scenario: str
    start: str | None
    speed: float
    seed: int
    fullscreen: bool
    size: tuple[int, int]
    headless: bool
    duration: float
    screenshot: str | None
    alarm_log: str | None
    mute: bool
    instructor: bool
    session_log: str | None
    replay: str | None
    inject: tuple[str, ...]


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise ReplayDataError(f"--size {text}: use WIDTHxHEIGHT, e.g. 1600x1000")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 480 <= h <= 4320):
        raise ReplayDataError(f"--size {text}: between 640x480 and 7680x4320")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="icu-dashboard",
                description="ICU bedside monitor replaying a VV-ECMO case. "
                            "Training simulator, not a medical device.",
                epilog="Times T: seconds from admission, <event>, <event>+<dur>, <event>-<dur> "
                       "(dur like 90s, 15m, 2h, 1d). Keys: Space play/pause, Left/Right 10 s "
                       "(Shift: 10 min), [ ] speed, Home/End, F11 fullscreen.")
    p.add_argument("--scenario", default=None,
                   help="built-in name or .toml path (default: sle_dah_ecmo)")
    p.add_argument("--start", help="case time to open at (default: a few minutes before "
                                   "the pre-ECMO blood gas)")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed (1, 2, 5, 10, 60, "
                                                            "600, 3600)")
    p.add_argument("--seed", type=parse_seed, default=0, help="noise seed (0 .. 2**32-1)")
    p.add_argument("--fullscreen", action="store_true", help="open fullscreen")
    p.add_argument("--size", default=None, help="window size WxH (default 1600x1000)")
    p.add_argument("--headless", action="store_true",
                   help="render offscreen on a virtual clock and exit (needs --screenshot)")
    p.add_argument("--duration", default="0", help="headless: case time to advance, e.g. 90s")
    p.add_argument("--screenshot", help="headless: PNG file for the last frame")
    p.add_argument("--alarm-log", help="alarm log (JSON Lines); default: user data folder")
    p.add_argument("--mute", action="store_true", help="no alarm sound")
    p.add_argument("--instructor", action="store_true",
                   help="also open the instructor console (a second window)")
    p.add_argument("--session-log", help="record the session (JSON Lines); with --instructor "
                                         "the default is the user data folder")
    p.add_argument("--replay", help="play a recorded session file back")
    p.add_argument("--inject", action="append", default=[], metavar="ID@T",
                   help="headless: start injection ID at case time T (repeatable), "
                        "e.g. pump_stop@ecmo_start+1d")
    return p


def parse_options(argv: Sequence[str] | None) -> LaunchOptions:
    a = build_parser().parse_args(argv)
    if not (0 < a.speed <= 3600):
        raise ReplayDataError(f"--speed {a.speed:g}: between 0 and 3600")
    try:
        duration = parse_duration(a.duration)
    except ReplayDataError as exc:
        raise ReplayDataError(f"--duration {a.duration}: {exc}") from None
    if a.headless and not a.screenshot:
        raise ReplayDataError("--headless needs --screenshot OUT.png")
    if a.screenshot and not a.screenshot.lower().endswith(".png"):
        raise ReplayDataError(f"--screenshot {a.screenshot}: must be a .png file")
    if a.screenshot:
        folder = os.path.dirname(os.path.abspath(a.screenshot))
        if not os.path.isdir(folder):
            raise ReplayDataError(f"--screenshot {a.screenshot}: folder {folder} does not exist")
    if a.replay and not os.path.isfile(a.replay):
        raise ReplayDataError(f"--replay {a.replay}: no such session file")
    check_replay_options(a.replay, a.scenario is not None, a.session_log)
    check_outputs({"--alarm-log": a.alarm_log, "--session-log": a.session_log,
                   "--screenshot": a.screenshot})
    for spec in a.inject:
        if "@" not in spec:
            raise ReplayDataError(f"--inject {spec}: use ID@TIME, e.g. pump_stop@ecmo_start+1d")
    if a.inject and not a.headless:
        raise ReplayDataError("--inject is for --headless runs; use the instructor console live")
    return LaunchOptions(a.scenario or "sle_dah_ecmo", a.start, a.speed, a.seed, a.fullscreen,
                         _size(a.size) if a.size else DEFAULT_SIZE, a.headless, duration,
                         a.screenshot, a.alarm_log, a.mute, a.instructor, a.session_log,
                         a.replay, tuple(a.inject))


def run(opts: LaunchOptions) -> int:
    if opts.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt is imported only now, so `--help` and argument errors stay fast and Qt-free.
    from PySide6 import QtWidgets

    from dashboard.session import MonitorSession
    from dashboard.session_log import course_for, default_session_path, read_session
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    recording = None
    if opts.replay:
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
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        _quiet_offscreen_notice()
    else:
        check_qt_platform()  # Qt would abort the process (exit 134) without one
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("icu-dashboard")
    # Ctrl-C (or a TERM) ends the session cleanly: logs closed, exit 0. The frame timer
    # runs Python often enough for the handler to be called promptly; a stop during
    # start-up is remembered, because quit() before exec() would be lost.
    stop_requested: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)
        app.quit()

    if not opts.headless:
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    from dashboard.alarms import default_log_path

    # Resolve everything the user typed before any file is created.
    planned = []
    for spec in opts.inject:
        name, _, when = spec.partition("@")
        if name not in course.scenario.injections:
            known = ", ".join(course.scenario.injections)
            raise ReplayDataError(f"--inject {spec}: unknown injection {name!r} (known: {known})")
        planned.append((name, course.scenario.resolve_option("--inject", when)))

    log_path = opts.alarm_log or default_log_path()
    session_path = opts.session_log
    if session_path is None and opts.instructor and not opts.replay:
        session_path = str(default_session_path())
    common = {"virtual_clock": opts.headless, "alarm_log": log_path,
              "mute": opts.mute or opts.headless}
    if recording is not None:
        session = MonitorSession.from_recording(recording, course, **common)
        if opts.start is not None:
            session.window.seek(start)
    else:
        session = MonitorSession.create(course, start=start, speed=opts.speed,
                                        session_log=session_path, instructor=opts.instructor,
                                        scenario_name=opts.scenario, **common)
    session.schedule_injections(planned)
    window = session.window
    window.resize(*opts.size)
    if opts.headless:
        from dashboard.ui.screenshot import save_png

        try:  # closed on Ctrl-C or SIGTERM too
            window.show()
            session.advance_virtual(opts.duration)
            session.settle_for_screenshot()
            app.processEvents()
            save_png(window.grab(), opts.screenshot)
        finally:
            session.close()
            window.close()
        return 0
    screens = app.screens()
    if session.console is not None and len(screens) > 1:
        # Two screens: the trainees' monitor goes to the second one, the console stays.
        window.move(screens[1].availableGeometry().topLeft())
    if opts.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    if session.console is not None:
        session.console.resize(900, 700)
        if len(screens) == 1:
            # One screen: beside the monitor where it fits, so neither hides the other.
            area = screens[0].availableGeometry()
            x = min(window.frameGeometry().right() + 1, max(area.left(), area.right() - 900))
            session.console.move(x, area.top())
        session.console.show()
    if session.recorder is not None:
        print(f"icu-dashboard: recording the session to {session.recorder.path}", file=sys.stderr)
    if stop_requested:
        session.close()
        return 0
    code = app.exec()
    session.close()
    return int(code)


def _quiet_offscreen_notice() -> None:
    """The offscreen platform says 'does not support propagateSizeHints()' whenever a
    window's size hint changes; it means nothing for a screenshot run. Everything else
    Qt says still reaches stderr."""
    from PySide6 import QtCore

    def handler(mode, context, message: str) -> None:  # noqa: ANN001
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    QtCore.qInstallMessageHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["debrief"]:
        from dashboard.debrief import debrief_main

        return debrief_main(args[1:])
    try:
        with terminate_raises():
            return run(parse_options(args))
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
    except KeyboardInterrupt:
        # Ctrl-C in a headless run (the window handles its own): files closed, no traceback.
        return EXIT_INTERRUPTED
    except Terminated:
        return 0


if __name__ == "__main__":
    sys.exit(main())
