"""`icu-dashboard debrief SESSION.jsonl --video`: the films of the report -- the bedside
film of the whole session, one clip per debrief panel, one still per clip -- each written
under a temporary name beside the report and renamed with it (files.py), or removed.

Called by the debrief (dashboard.debrief.files) through its VideoRenderer hook: the
debrief's rows know nothing of Qt windows, this does.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from dashboard.core.actions import Action, ActionError
from dashboard.debrief.rows import DebriefError, DebriefReport
from dashboard.debrief.video_time import (
    RenderedVideo,
    RoomVideo,
    VideoRequest,
    VideoSection,
    VideoTimeline,
    clip_spans,
    room_offset,
)
from replay_data.course import Course
from replay_data.output_file import current_umask

from .clips import cut_clip
from .encode import FrameEncoder
from .progress import ProgressBar
from .render import FilmSpec, render_film
from .room import parse_wall, probe_room

ENCODER = FrameEncoder


def film_path(html: Path) -> Path:
    return html.with_suffix(".mp4")


def clip_path(html: Path, number: int) -> Path:
    return html.with_name(f"{html.stem}-clip-{number}.mp4")


def render_debrief_video(report: DebriefReport, course: Course, actions: list[Action],
                         request: VideoRequest) -> RenderedVideo:
    assert report.played is not None
    timeline = VideoTimeline(report.played)
    if not timeline.ran:
        raise DebriefError(f"{report.session.path}: the clock never ran in this session "
                           "(nothing played): no film to render; leave out --video")
    room, room_error = None, None
    if request.room is not None:
        try:
            room = _room(request, report.html_path, timeline)
        except DebriefError as exc:
            room_error = str(exc)
    from dashboard.debrief.plots import ensure_qapp

    ensure_qapp()
    html = report.html_path
    staged: list[tuple[str, str]] = []
    rendered = RenderedVideo(VideoSection(film_path(html).name, request.fps, request.size,
                                          timeline.duration, timeline, room=room),
                             staged, room_error)
    try:
        film_tmp = _staged(film_path(html), staged)
        clips = clip_spans(report, timeline)
        spec = FilmSpec(course, report.session.start, report.session.speed, actions,
                        timeline, request.fps, request.size)
        bar = None if request.progress == "none" else \
            ProgressBar("rendering the bedside film", lines=request.progress == "lines")
        try:
            stills = render_film(spec, ENCODER(film_tmp, request.size, request.fps),
                                 stills_at=[c.still_at for c in clips], progress=bar)
        except ActionError as exc:
            raise DebriefError(str(exc)) from None
        sec = rendered.section
        for c in clips:
            out = clip_path(html, c.number)
            start = cut_clip(film_tmp, _staged(out, staged), c.start, c.end)
            sec.clips.append(c)
            sec.clip_hrefs[c.number] = quote(out.name)
            sec.clip_starts[c.number] = start
            sec.stills[c.number] = stills.get(c.still_at, b"")
        for tmp, _ in staged:
            _sync(tmp)
        sec.href = quote(sec.href)
    except BaseException:
        rendered.discard()
        raise
    return rendered


def _staged(target: Path, staged: list[tuple[str, str]]) -> str:
    """A temporary name beside `target` (as write_all makes them), listed at once so that
    any failure from here removes it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                               dir=str(target.parent))
    os.fchmod(fd, 0o666 & ~current_umask())  # as every other output, not mkstemp's 0600
    os.close(fd)
    staged.append((tmp, str(target)))
    return tmp


def _sync(path: str) -> None:
    with open(path, "rb") as fh, contextlib.suppress(OSError):
        os.fsync(fh.fileno())


def _room(request: VideoRequest, html: Path, timeline: VideoTimeline) -> RoomVideo:
    assert request.room is not None
    probe = probe_room(request.room)
    if request.room_start is not None:
        start = parse_wall(request.room_start)
        if start is None:
            raise DebriefError(f"--room-video-start {request.room_start}: not a wall-clock "
                               "time (ISO 8601, e.g. 2025-06-15T15:06:40+02:00)")
    else:
        start = probe.creation_time
        if start is None:
            raise DebriefError(f"--room-video {request.room}: it does not say when it "
                               "started (no creation_time): give --room-video-start")
    offset = room_offset(start, timeline, probe.duration, f"--room-video {request.room}")
    path = Path(request.room).resolve()
    try:
        href = Path(os.path.relpath(path, html.parent.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        href = path.as_uri()
    return RoomVideo(path, quote(href), offset, probe.duration, start)
