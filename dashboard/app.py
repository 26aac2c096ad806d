"""`icu-dashboard`: the bedside monitor on the case.

    icu-dashboard [--scenario S] [--start T] [--speed X] [--seed N] [--fullscreen] [--size WxH]
    icu-dashboard --headless --start T --duration SEC [--speed X] [--size WxH] --screenshot OUT.png

Headless runs offscreen on a virtual clock: case time advances by SEC as fast as the
machine can (every case second reaches the numerics and the alarms), only the last
frame is painted and saved. Bad arguments or files: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from replay_data.errors import ReplayDataError
from replay_data.timeexpr import parse_duration

EXIT_BAD_INPUT = 2
DEFAULT_SIZE = (1600, 1000)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ReplayDataError(message)


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


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise ReplayDataError(f"--size {text}: use WIDTHxHEIGHT, e.g. 1600x1000")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 480 <= h <= 4320):
        raise ReplayDataError(f"--size {text}: between 640x480 and 7680x4320")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="icu-dashboard",
                description="ICU bedside monitor replaying a VV-ECMO case. "
                            "Training simulator, not a medical device.",
                epilog="Times T: seconds from admission, <event>, <event>+<dur>, <event>-<dur> "
                       "(dur like 90s, 15m, 2h, 1d). Keys: Space play/pause, Left/Right 10 s "
                       "(Shift: 10 min), [ ] speed, Home/End, F11 fullscreen.")
    p.add_argument("--scenario", default="sle_dah_ecmo", help="built-in name or .toml path")
    p.add_argument("--start", help="case time to open at (default: a few minutes before "
                                   "the pre-ECMO blood gas)")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed (1, 2, 5, 10, 60, "
                                                            "600, 3600)")
    p.add_argument("--seed", type=int, default=0, help="noise seed")
    p.add_argument("--fullscreen", action="store_true", help="open fullscreen")
    p.add_argument("--size", default=None, help="window size WxH (default 1600x1000)")
    p.add_argument("--headless", action="store_true",
                   help="render offscreen on a virtual clock and exit (needs --screenshot)")
    p.add_argument("--duration", default="0", help="headless: case time to advance, e.g. 90s")
    p.add_argument("--screenshot", help="headless: PNG file for the last frame")
    p.add_argument("--alarm-log", help="alarm log (JSON Lines); default: user data folder")
    p.add_argument("--mute", action="store_true", help="no alarm sound")
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
    return LaunchOptions(a.scenario, a.start, a.speed, a.seed, a.fullscreen,
                         _size(a.size) if a.size else DEFAULT_SIZE, a.headless, duration,
                         a.screenshot, a.alarm_log, a.mute)


def run(opts: LaunchOptions) -> int:
    if opts.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt is imported only now, so `--help` and argument errors stay fast and Qt-free.
    from PySide6 import QtWidgets

    from dashboard.session import MonitorSession

    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    course = Course(load_scenario(opts.scenario), seed=opts.seed)
    start = course.scenario.default_start if opts.start is None else _time(course, opts.start)
    if opts.headless and start + opts.duration > course.scenario.end:
        raise ReplayDataError(f"--start + --duration runs past the end of the scenario "
                              f"({course.scenario.end:.0f} s)")
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("icu-dashboard")
    from dashboard.alarms import default_log_path

    log_path = opts.alarm_log or default_log_path()
    session = MonitorSession.create(course, start=start, speed=opts.speed,
                                    virtual_clock=opts.headless, alarm_log=log_path,
                                    mute=opts.mute or opts.headless)
    window = session.window
    window.resize(*opts.size)
    if opts.headless:
        window.show()
        session.advance_virtual(opts.duration)
        app.processEvents()
        ok = window.grab().save(opts.screenshot, "PNG")
        session.close()
        window.close()
        if not ok:
            raise ReplayDataError(f"--screenshot {opts.screenshot}: could not write the PNG")
        return 0
    if opts.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    code = app.exec()
    session.close()
    return int(code)


def _time(course, text: str) -> float:  # noqa: ANN001
    try:
        return course.scenario.resolve(text)
    except ReplayDataError as exc:
        raise ReplayDataError(f"--start {text}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(parse_options(argv))
    except ReplayDataError as exc:
        print(f"icu-dashboard: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(f"icu-dashboard: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
