"""The command lines of the three monitor roles (demo, instructor, monitor): one parser
each, sharing the options every role takes. Parsing only: the checks are in options.py."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from replay_data.cli import OneLineParser, parse_seed

from .options import DEFAULT_SCENARIO, LaunchOptions, launch_options

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
    p.add_argument("--accept-changed-scenario", action="store_true",
                   help="with --replay: play it even though the scenario changed since")
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


PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "demo": build_parser,
    "instructor": build_instructor_parser,
    "monitor": build_monitor_parser,
}


def parse_options(argv: Sequence[str] | None, role: str = "demo") -> LaunchOptions:
    return launch_options(PARSERS[role]().parse_args(argv), role)
