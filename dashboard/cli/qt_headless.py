"""A headless run that paints: the session advanced frame by frame on a virtual clock,
Ctrl-C and TERM acted on between frames, and the last frame saved as a PNG."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator

from replay_data.interrupts import Terminated

from .headless import ticks_for
from .options import DEFAULT_SIZE, LaunchOptions


def save_frame(widget, path: str) -> None:
    """The frame as a PNG through the output rules (replay_data.output_file): whole or
    not at all for a file, written through a device or pipe, and a failure says why."""
    from dashboard.ui.screenshot import save_png

    save_png(widget.grab().toImage(), path)


def _say_problems(controller) -> None:  # a SessionController
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


def headless_screenshot(app, session, widget, opts: LaunchOptions) -> int:
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
            ticks = ticks_for(opts.duration)
            remaining = float(opts.duration)
            for i in range(ticks):
                step = remaining / (ticks - i)
                remaining -= step
                session.advance_virtual(step, 1)
                check()
            session.settle_for_screenshot()
            app.processEvents()
            check()
            save_frame(widget, opts.screenshot)
    finally:
        session.close()
        widget.close()
    return 0
