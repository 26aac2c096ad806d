"""An instructor or monitor run headless without a screenshot: the session controller
alone on a virtual clock. No Qt is imported here (tests run it with PySide6 unavailable)."""

from __future__ import annotations

import math
import sys

from .options import LaunchOptions
from .prepare import Prepared, alarm_log_path


def ticks_for(duration: float) -> int:
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
                                   alarm_log=alarm_log_path(opts),
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
        controller.advance(opts.duration, ticks_for(opts.duration))
    finally:
        controller.close()
    return 0
