"""The lab's own room video: read (its length, and when it started by its own metadata)
with PyAV before anything is rendered, so a file that cannot be read is said at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import av

from dashboard.debrief.rows import DebriefError


@dataclass(frozen=True)
class RoomProbe:
    duration: float
    creation_time: datetime | None


def probe_room(path: str) -> RoomProbe:
    """Its duration and `creation_time` (what most cameras stamp); a file that is
    missing, not a video or unreadable is one line (DebriefError)."""
    try:
        with av.open(path) as c:
            if not c.streams.video:
                raise DebriefError(f"--room-video {path}: no video stream in it")
            st = c.streams.video[0]
            if c.duration is not None:
                duration = c.duration / av.time_base
            elif st.duration is not None:
                duration = float(st.duration * st.time_base)
            else:
                raise DebriefError(f"--room-video {path}: its length cannot be read")
            meta = {**c.metadata, **st.metadata}
    except FileNotFoundError:
        raise DebriefError(f"--room-video {path}: no such file") from None
    except (av.FFmpegError, OSError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise DebriefError(f"--room-video {path}: cannot be read as a video ({why})") from None
    return RoomProbe(duration, parse_wall(meta.get("creation_time")))


def parse_wall(text: str | None) -> datetime | None:
    """An ISO 8601 time; without a zone it is the local time of this machine."""
    if not text:
        return None
    try:
        w = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return w.astimezone() if w.tzinfo is None else w.astimezone(UTC)
