"""Ctrl-C and SIGTERM end a command cleanly: temporary files removed, logs closed, no
traceback.

Within `terminate_raises()` SIGINT raises KeyboardInterrupt and SIGTERM raises
`Terminated`, so the `finally` blocks that remove a half-written `.part` file or close a
log run for both. The command's main() maps them to exit codes.

SIGINT is set explicitly, not left to Python: a process that starts with SIGINT ignored
(every job a non-interactive shell puts in the background with `&`, and all that job
starts -- a test run beside CPU burners, a CI step, `nohup`) inherits the ignore, and
Python then installs no handler at all, so `kill -INT` and Ctrl-C were never honoured
(the run went on to its end). The handler is Python's own, raising between two
bytecodes; no computation of ours runs a second without one.

The console scripts (dashboard.entry) enter `terminate_raises()` before they import
anything heavy, and `run_command()` turns an interrupt during those imports (a command's
first second, longer on a loaded machine) into the same clean exit. Before, Ctrl-C then
was a KeyboardInterrupt traceback out of an import, and a SIGINT to a process that
inherited it ignored was lost (the run went on to its end). Only the interpreter's own
start-up, before the first line of ours runs (some 50 ms), is left to Python.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

EXIT_INTERRUPTED = 130  # the shell's code for a Ctrl-C


class Terminated(BaseException):  # like KeyboardInterrupt, not an error
    """SIGTERM arrived; raised from wherever the program was."""


# The signal that arrived last, if any. An interrupt during an import of a C extension
# does not always come out as KeyboardInterrupt: numpy's core, interrupted while it
# imports `datetime`, re-raises it as an ImportError. run_command() knows it was the
# signal by this.
_received: list[int] = []


def _raise_terminated(signum: int, frame: object) -> None:
    _received.append(signum)
    raise Terminated(signum)


def _raise_interrupt(signum: int, frame: object) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """Within the block SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated,
    whatever the process inherited (outside the main thread: unchanged)."""
    try:
        previous = {signal.SIGINT: signal.signal(signal.SIGINT, _raise_interrupt),
                    signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_terminated)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            # None: set outside Python; leave ours rather than guess.
            if handler is not None:
                signal.signal(sig, handler)


def run_command(command: Callable[[], int]) -> int:
    """A console script: signals raise from the first moment, then `command()` imports
    the command's main and runs it; an interrupt anywhere in between ends it with
    EXIT_INTERRUPTED (SIGTERM: 0) and no traceback. Each main() maps its own too."""
    try:
        with terminate_raises():
            return command()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Terminated:
        return 0
    except Exception:
        # Whatever an interrupted import turned the signal into (see _received).
        if _received:
            return 0 if _received[-1] == signal.SIGTERM else EXIT_INTERRUPTED
        raise
