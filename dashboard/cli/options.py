"""What a monitor role is launched with: the checked options (`LaunchOptions`) from a
role's parsed arguments. Every check that can fail before a file is created or a window
opens is here, so bad input ends with one line and exit 2."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field

from dashboard.launch_checks import check_outputs
from replay_data.errors import ReplayDataError
from replay_data.scenario_data import DEFAULT_SCENARIO
from replay_data.timeexpr import parse_duration

EXIT_BAD_INPUT = 2
DEFAULT_SIZE = (1600, 1000)
# Slower than a hundredth of real time teaches nothing, and a headless run's wall clock
# (case time / speed) must stay a date: at 1e-10 a minute of case is year 21040.
MIN_SPEED = 0.01
MAX_SPEED = 3600.0


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


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise ReplayDataError(f"--size {text}: use WIDTHxHEIGHT, e.g. 1600x1000")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 480 <= h <= 4320):
        raise ReplayDataError(f"--size {text}: between 640x480 and 7680x4320")
    return w, h


# Options every LaunchOptions field takes; anything else a role's parser adds (e.g.
# --broker, --room, --display) travels in LaunchOptions.extra.
_KNOWN = {"scenario", "start", "speed", "seed", "fullscreen", "size", "headless", "duration",
          "screenshot", "alarm_log", "mute", "session_log", "replay", "inject", "instructor"}


def launch_options(a: argparse.Namespace, role: str) -> LaunchOptions:
    """Check the parsed arguments of a monitor role (demo, instructor, monitor)."""
    if getattr(a, "instructor", False):
        role = "instructor"
    speed = getattr(a, "speed", None)
    if speed is not None and not (MIN_SPEED <= speed <= MAX_SPEED):
        raise ReplayDataError(f"--speed {speed:g}: between {MIN_SPEED:g} and {MAX_SPEED:g}")
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
    scenario_file = a.scenario if a.scenario and os.path.isfile(a.scenario) else None
    check_outputs({"--alarm-log": a.alarm_log, "--session-log": session_log,
                   "--screenshot": a.screenshot},
                  inputs={"--scenario": scenario_file, "--replay": replay})
    for spec in inject:
        if "@" not in spec:
            raise ReplayDataError(f"--inject {spec}: use ID@TIME, e.g. pump_stop@ecmo_start+1d")
    if inject and not a.headless:
        raise ReplayDataError("--inject is for --headless runs; use the instructor console live")
    extra = {k: v for k, v in vars(a).items() if k not in _KNOWN}
    return LaunchOptions(role, a.scenario or DEFAULT_SCENARIO, a.start, speed,
                         0 if a.seed is None else a.seed, a.fullscreen,
                         parse_size(a.size) if a.size else None, a.headless, duration,
                         a.screenshot, a.alarm_log, a.mute, session_log, replay, inject,
                         extra)


def consoles(opts: LaunchOptions) -> tuple[str, ...]:
    return tuple(opts.extra.get("console") or ())
