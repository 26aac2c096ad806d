"""A short recorded session for the film's tests, made as the app makes one: a controller
on a hand-driven clock, its recording on that clock (wall stamps move with it), the
instructor's play, pause and injection, the trainee's acknowledge.

Imported by module name (`from video_support import record_drill`): tests/ is on sys.path
through pytest's prepend import mode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from case_support import case_course

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.recording import recording_for

CONSOLE = Actor("instructor", "console")
BED = Actor("trainee", "bed-1")


@dataclass(frozen=True)
class Drill:
    path: Path
    start: float  # case time at the first line
    inject_at: float  # video seconds the pump stop was injected (case start + 8 s)
    pause: tuple[float, float]  # video seconds the clock was paused
    ack_at: float  # video seconds the trainee acknowledged
    duration: float  # wall seconds of the whole session


def record_idle(path: Path) -> Path:
    """A session whose clock never ran: begun and ended in the pre-brief."""
    course = case_course()
    c = SessionController(course, playing=False, wall=ManualWall(),
                          recording=recording_for(path, "sle_dah_ecmo"), display="console")
    assert isinstance(c.wall, ManualWall)
    c.wall.advance(5.0)
    c.apply(Action.make("end", {}, CONSOLE), strict=True)
    c.close()
    return path


def record_drill(path: Path, *, lead: float = 2.0) -> Drill:
    """`lead` s of pre-brief (paused), 8 s played, the pump stop, 10 s more, a 4 s pause,
    then 10 s on (the trainee acknowledges 3 s in), the end: 34 s on the wall clock."""
    course = case_course()
    # A day into ECMO: the pump stop raises the high-priority "pump stopped" alarm.
    c = SessionController(course, start=course.scenario.resolve("ecmo_start+1d"),
                          playing=False,
                          wall=ManualWall(), recording=recording_for(path, "sle_dah_ecmo"),
                          display="console")
    start = c.case_time()

    def wall_run(seconds: float) -> None:
        c.advance(seconds, ticks=max(1, round(seconds * 4)))

    assert isinstance(c.wall, ManualWall)
    c.wall.advance(lead)
    c.apply(Action.make("play", {}, CONSOLE), strict=True)
    wall_run(8.0)
    c.apply(Action.make("inject", {"injection": "pump_stop"}, CONSOLE), strict=True)
    inject_at = lead + 8.0
    wall_run(10.0)
    c.apply(Action.make("pause", {}, CONSOLE), strict=True)
    c.wall.advance(4.0)
    c.tick()
    pause = (lead + 18.0, lead + 22.0)
    c.apply(Action.make("play", {}, CONSOLE), strict=True)
    wall_run(3.0)
    assert c.request(Action.make("acknowledge", {}, BED))
    ack_at = lead + 25.0
    wall_run(7.0)
    c.apply(Action.make("end", {}, CONSOLE), strict=True)
    c.close()
    return Drill(path, start, inject_at, pause, ack_at, lead + 32.0)


def room_video(path: Path, seconds: float, created: str | None) -> Path:
    """A tiny synthetic room camera a browser plays too (H.264): frame i is grey level
    8*i, 5 fps, 160x120, with `created` as its creation time (None: none)."""
    with av.open(str(path), "w") as c:
        if created is not None:
            c.metadata["creation_time"] = created
        st = c.add_stream("libx264", rate=5)
        st.width, st.height, st.pix_fmt = 160, 120, "yuv420p"
        for i in range(round(seconds * 5)):
            img = np.full((120, 160, 3), (8 * i) % 256, np.uint8)
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in st.encode():
            c.mux(pkt)
    return path
