"""The session's video on the wall clock: what case time the bedside showed at each moment
of the room, which stretches were paused, and the clips and chapters of the report.

The bedside film runs in wall-clock time from the session file's first line to its last
(PlayedTime.start_wall .. end_wall), so that it lines up with a camera in the room second
for second. A pause is a held frame (marked PAUSED), not a cut: cutting it would put the
room camera out of step after the first pause, and the wall-clock stamps every row of the
report carries would no longer be video times. No Qt here: the renderer (dashboard.video)
asks `at()` for each frame; the page (page.py) asks `video_time()` for each link.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from replay_data.casetime import case_clock
from replay_data.course import Course

from .played import PlayedTime
from .rows import (
    EPISODE_AFTER_S,
    EPISODE_ALARM_S,
    EPISODE_BEFORE_S,
    EPISODE_MAX_S,
    DebriefError,
    DebriefReport,
)

DEFAULT_FPS = 25
DEFAULT_SIZE = (1280, 800)


@dataclass(frozen=True)
class Moment:
    """What the bedside showed at one wall-clock moment."""
    case_t: float
    paused: bool  # the clock held (a pause, the pre-brief, after the end)
    segment: int  # which stretch of PlayedTime (a seek or jump starts the next)


class VideoTimeline:
    """Wall seconds since the session file opened <-> case time, from PlayedTime's
    stretches (each a list of (case, wall) points: the clock ran steadily between two,
    and held where two share a case time)."""

    def __init__(self, played: PlayedTime) -> None:
        self.played = played
        self.start_wall = played.start_wall
        self.duration = max(0.0, played.wall_seconds)
        self._e: list[float] = []  # elapsed wall seconds of each point, non-decreasing
        self._c: list[float] = []
        self._s: list[int] = []
        last = 0.0
        for i, seg in enumerate(played.segments):
            for t, w in zip(seg.times, seg.walls, strict=True):
                last = max(last, (w - self.start_wall).total_seconds())
                self._e.append(last)
                self._c.append(t)
                self._s.append(i)

    @property
    def ran(self) -> bool:
        """Whether case time moved at all (a session that never played has no film)."""
        lo, hi = self.played.range
        return hi > lo

    def at(self, elapsed: float) -> Moment:
        e, c, s = self._e, self._c, self._s
        i = bisect.bisect_right(e, elapsed) - 1
        if i < 0:
            return Moment(c[0], True, s[0])
        # Points at the same wall moment (a seek): the latest one is where the clock is.
        j = i + 1
        if j >= len(e) or s[j] != s[i]:
            return Moment(c[i], True, s[i])
        if c[j] == c[i]:
            return Moment(c[i], True, s[i])
        span = e[j] - e[i]
        frac = 0.0 if span <= 0 else (elapsed - e[i]) / span
        return Moment(c[i] + (c[j] - c[i]) * frac, False, s[i])

    def video_time(self, case_t: float) -> float | None:
        """Seconds into the film when the session first reached case time t (None: it
        never did -- a skipped stretch)."""
        return self.elapsed_of(self.played.wall_at(case_t))

    def elapsed_of(self, wall: datetime | None) -> float | None:
        if wall is None:
            return None
        return min(max(0.0, (wall - self.start_wall).total_seconds()), self.duration)


@dataclass(frozen=True)
class Clip:
    """One short film of an episode (an injection, a medium/high alarm, and what it set
    off): a minute before it to three minutes after it ended, as the debrief's panels."""
    number: int
    title: str
    lo: float  # case time
    hi: float
    event_t: float  # case time of its first event: the still
    start: float  # video seconds of the full film it covers
    end: float
    still_at: float  # video seconds of the still
    panel: int  # the plot panel it belongs to (report.panels, from 1): its still goes there


# An alarm or injection this soon after an episode began is part of it (the pump stop's
# own alarms, raised seconds after it), not a clip of its own.
CASCADE_S = 120.0
MAX_CLIPS = 20


def clip_spans(report: DebriefReport, timeline: VideoTimeline) -> list[Clip]:
    """One clip per episode: each injection and medium/high alarm with what it set off
    within CASCADE_S, from a minute before to three minutes after (the spans of the
    debrief's panels, report.focus_windows, without merging neighbouring episodes into
    one long film), kept inside the stretch the session played."""
    played = report.played
    assert played is not None
    episodes = sorted(_episodes(report))
    groups: list[list[tuple[float, float, str]]] = []
    for ep in episodes:
        if groups and ep[0] - groups[-1][0][0] <= CASCADE_S and \
                played.segment_of(ep[0]) is played.segment_of(groups[-1][0][0]):
            groups[-1].append(ep)
        else:
            groups.append([ep])
    clips: list[Clip] = []
    for g in groups:
        t0 = g[0][0]
        seg = played.segment_of(t0)
        if seg is None:
            continue
        t1 = max(min(stop, start + EPISODE_MAX_S) for start, stop, _ in g)
        lo = max(seg.t0, t0 - EPISODE_BEFORE_S)
        hi = min(seg.t1, t1 + EPISODE_AFTER_S)
        start, end, still = (timeline.video_time(t) for t in (lo, hi, t0))
        if start is None or end is None:
            continue
        panel = next((i for i, (_, a, b) in enumerate(report.panels, 1) if a <= t0 <= b), 0)
        names = list(dict.fromkeys(label for _, _, label in g))
        title = "; ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
        clips.append(Clip(len(clips) + 1, title, lo, hi, t0, start, max(end, start),
                          start if still is None else still, panel))
        if len(clips) == MAX_CLIPS:
            break
    return clips


def _episodes(report: DebriefReport) -> list[tuple[float, float, str]]:
    """(start, end, label) in case time, as focus_windows takes them."""
    out = []
    for inj in report.injections:
        p = inj.perturbation
        stop = p.end + p.offset if math.isfinite(p.end) else p.start + EPISODE_MAX_S
        out.append((p.start, stop, inj.label))
    for a in report.acknowledgements:
        if a.event != "raise" or a.priority not in ("medium", "high"):
            continue
        end = a.cleared_at if a.cleared_at is not None else report.session_end
        end = max(end, a.acknowledged_at or end)
        out.append((a.raised_at, min(end, a.raised_at + EPISODE_ALARM_S), a.message))
    return out


@dataclass(frozen=True)
class RoomVideo:
    """The lab's own camera, aligned by the wall clock: `offset` seconds into the
    bedside film is the room video's first frame (negative: it started earlier)."""
    path: Path
    href: str  # as the page refers to it (relative to the report when it can be)
    offset: float
    duration: float
    start_wall: datetime


@dataclass
class VideoSection:
    """What the page needs of the rendered films (the files are written by the caller)."""
    href: str  # the bedside film, beside the report
    fps: int
    size: tuple[int, int]
    duration: float
    timeline: VideoTimeline
    clips: list[Clip] = field(default_factory=list)
    clip_hrefs: dict[int, str] = field(default_factory=dict)
    clip_starts: dict[int, float] = field(default_factory=dict)  # video s (its key frame)
    stills: dict[int, bytes] = field(default_factory=dict)  # clip number -> PNG
    room: RoomVideo | None = None


def room_offset(room_start: datetime, timeline: VideoTimeline, duration: float,
                what: str) -> float:
    """Where the room video starts in the bedside film; refused (one line) when the two
    do not overlap at all."""
    offset = (room_start - timeline.start_wall).total_seconds()
    if offset >= timeline.duration or offset + duration <= 0:
        raise DebriefError(
            f"{what}: does not overlap the session (the video runs "
            f"{_hms(room_start)} + {duration:.0f} s, the session "
            f"{_hms(timeline.start_wall)} + {timeline.duration:.0f} s, wall clock)")
    return offset


def _hms(w: datetime) -> str:
    return w.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


# --------------------------------------------------------------------------- WebVTT


def vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def chapters(report: DebriefReport, timeline: VideoTimeline) -> list[tuple[float, str]]:
    """The film's chapters: each injection, its stop, each medium/high alarm, each note,
    in video time (skipped stretches left out)."""
    out: list[tuple[float, str]] = []
    for r in report.timeline:
        if r.type in ("injection", "injection stop", "override") or \
                (r.type == "alarm raise" and r.priority in ("medium", "high")) or \
                r.type in ("note", "bookmark"):
            v = timeline.elapsed_of(r.wall)
            if v is not None:
                out.append((v, f"{r.what} ({case_clock(r.case_time, seconds=True)})"))
    out.sort(key=lambda x: x[0])
    return out


def webvtt(marks: list[tuple[float, str]], duration: float) -> str:
    """A WebVTT chapters track: each chapter runs to the next one (the last to the end)."""
    lines = ["WEBVTT", ""]
    for i, (t, text) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else duration
        end = max(end, t + 0.001)
        cue = " ".join(text.replace("-->", "\u2192").split())
        lines += [str(i + 1), f"{vtt_time(t)} --> {vtt_time(end)}", cue, ""]
    return "\n".join(lines)


def frame_count(duration: float, fps: int) -> int:
    """Frames of a film of `duration` seconds: the last moment included."""
    return max(1, math.floor(duration * fps) + 1)


# --------------------------------------------------------------------------- the renderer's hook


@dataclass(frozen=True)
class VideoRequest:
    """`--video` and its options, as the debrief hands them to the renderer."""
    fps: int = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZE
    room: str | None = None  # --room-video
    room_start: str | None = None  # --room-video-start (ISO 8601; default its metadata)
    progress: str = "auto"  # auto: a bar on a terminal; lines: "progress N/M"; none


@dataclass
class RenderedVideo:
    section: VideoSection
    # (temporary file, final path): each written whole beside its target; renamed with
    # the report's other files, or removed if anything fails (write_all's `ready`).
    staged: list[tuple[str, str]]
    room_error: str | None = None  # the room video left out: why (one line, exit 2)

    def discard(self) -> None:
        import contextlib
        import os

        for tmp, _ in self.staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# (report, course, the recording's replay actions, request) -> the films, staged. Made
# above this layer (dashboard.video: the offscreen window); handed in by the command.
VideoRenderer = Callable[[DebriefReport, Course, list, VideoRequest], RenderedVideo]
