"""Where a session's record goes: the alarm log and the session recording.

The controller writes no file but the alarm log. The session recording is built by the
caller (dashboard.recording.SessionRecording) and handed in; core knows it only through
the small `Recording` protocol here, so the layers stay as declared (core below recording).
Both receive the alarm engine's changes through one `AlarmSinks`, which keeps a failing
disk from stopping the monitor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from dashboard.alarms import AlarmChange
from replay_data.course import Sample

from .events import SessionEvent

if TYPE_CHECKING:
    from .session_controller import SessionController


class Recording(Protocol):
    """What the controller needs of a session recording (dashboard.recording has the
    real one). open() creates the file and writes its header (raises OSError when it
    cannot); write() is an alarm sink; on_event() is subscribed first, on_sample() gets
    every case second the monitor processes; discard() removes a file whose session did
    not start; `live` is False once it is complete (End) or dropped after a failure."""

    path: Path
    live: bool
    recorded_path: Path | None

    def open(self, controller: SessionController) -> None: ...
    def discard(self) -> None: ...
    def write(self, change: AlarmChange) -> None: ...
    def on_event(self, event: SessionEvent) -> None: ...
    def on_sample(self, sample: Sample) -> None: ...
    def close(self) -> None: ...


class AlarmSinks:
    """The alarm engine's one sink, feeding the alarm log and the session recording.

    A sink that fails (disk full, folder removed) must not stop the monitor: the failure
    is reported once through `on_error` and that sink is dropped; the others go on.
    `muted` holds writes back while alarm history is rebuilt (already logged), and on a
    follower until it has adopted the authority's state."""

    def __init__(self, *sinks: object) -> None:
        self.sinks = [s for s in sinks if s is not None]
        self.on_error: Callable[[str], None] = lambda message: None
        self.errors: list[str] = []
        self.muted = False
        # Set during SessionController.apply_many(): the writes join its held events, so
        # the files get alarm lines and action lines in the order one by one gives them.
        self.defer: Callable[[AlarmChange], None] | None = None

    def write(self, change: AlarmChange) -> None:
        if self.muted:
            return
        if self.defer is not None:
            self.defer(change)
            return
        self.write_now(change)

    def write_now(self, change: AlarmChange) -> None:
        """To every sink at once (a held write being passed on)."""
        for s in list(self.sinks):
            try:
                s.write(change)
            except OSError as exc:
                self.sinks.remove(s)
                self.errors.append(str(exc))
                self.on_error(str(exc))
