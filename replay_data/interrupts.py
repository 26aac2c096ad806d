"""Ctrl-C and SIGTERM end a command cleanly: temporary files removed, logs closed, no
traceback.

Python turns SIGINT into KeyboardInterrupt; `terminate_raises()` makes SIGTERM raise
`Terminated` the same way, so the `finally` blocks that remove a half-written `.part`
file or close a log run for both. The command's main() maps them to exit codes.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

EXIT_INTERRUPTED = 130  # the shell's code for a Ctrl-C


class Terminated(BaseException):  # like KeyboardInterrupt, not an error
    """SIGTERM arrived; raised from wherever the program was."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated (outside the main thread: unchanged)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
