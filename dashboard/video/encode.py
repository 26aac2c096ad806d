"""H.264 in an MP4 through PyAV (FFmpeg's libraries; the PyPI wheels carry libx264): the
frames as the offscreen window painted them (BGRA, Qt's RGB32 on a little-endian machine)
in, a file any browser plays out (yuv420p, the moov atom first so playback starts before
the whole file is read).

x264's "ultrafast" preset: the monitor's picture changes only at the sweep cursors and in
the numbers, which costs little at any preset, and a 20-minute drill must render in a few
minutes on a 2-core laptop (benchmarks/bench_video.py). No B-frames at that preset, and a
key frame every 2 s: the clips are cut from the film at key frames without re-encoding
(clips.py).

In the painting process: x264 encodes on threads of its own, which use the second core
while the window paints the next frame (4.8 ms a frame for both at 1280x800). An encoder
in a child process fed by a pipe was 8.9 ms a frame: each frame's 4 MB copied through the
pipe cost more than the encoding it moved away."""

from __future__ import annotations

import errno
import os

import av
import numpy as np
from av.video.reformatter import VideoReformatter

PRESET = "ultrafast"
CRF = "26"  # visually clean for flat monitor graphics; ~4 MB a minute at 1280x800
KEYFRAME_EVERY_S = 2


class FrameEncoder:
    """Frames in, one MP4 out. `write(frame, count)` shows a frame for `count` frame
    times (a held pause costs one conversion); `close()` finishes the file; `abort()`
    leaves it to the caller to remove. Any failure is an OSError naming the file."""

    def __init__(self, path: str, size: tuple[int, int], fps: int) -> None:
        self.path = path
        self.width, self.height = size
        self.fps = fps
        self.frames = 0
        try:
            # format named: the file is written under a temporary name (.part)
            self._out = av.open(path, "w", format="mp4",
                                options={"movflags": "+faststart"})
            st = self._out.add_stream("libx264", rate=fps)
        except av.FFmpegError as exc:
            raise _os_error(exc, path) from None
        st.width, st.height = self.width, self.height
        st.pix_fmt = "yuv420p"
        st.codec_context.gop_size = KEYFRAME_EVERY_S * fps
        st.options = {"preset": PRESET, "crf": CRF}
        self._stream = st
        # One BGRA frame and one converter for the whole film: a frame made per picture
        # (from_ndarray) and its own converter cost 7 ms a frame, these 2.5 ms
        # (swscale's context is set up once, not 30,000 times).
        self._bgra = av.VideoFrame(self.width, self.height, "bgra")
        self._reformatter = VideoReformatter()
        self._yuv: av.VideoFrame | None = None

    def plane(self) -> np.ndarray:
        """The BGRA frame's pixels, writable, (height, width, 4)."""
        p = self._bgra.planes[0]
        rows = np.frombuffer(p, np.uint8).reshape(self.height, p.line_size)
        return rows[:, :self.width * 4].reshape(self.height, self.width, 4)

    def write(self, bgra: np.ndarray | None, count: int = 1) -> None:
        """bgra: (height, width, 4) uint8; None: the last frame again."""
        if bgra is not None:
            self.plane()[...] = bgra
            self._yuv = self._reformatter.reformat(self._bgra, format="yuv420p")
        if self._yuv is None:
            raise ValueError("no frame to repeat")
        for _ in range(count):
            self._yuv.pts = self.frames
            self.frames += 1
            self._mux(self._stream.encode(self._yuv))

    def close(self) -> None:
        self._mux(self._stream.encode(None))
        try:
            self._out.close()
        except (av.FFmpegError, OSError) as exc:
            raise _os_error(exc, self.path) from None

    def abort(self) -> None:
        try:
            self._out.close()
        except (av.FFmpegError, OSError):
            pass

    def _mux(self, packets: list) -> None:
        try:
            self._out.mux(packets)
        except (av.FFmpegError, OSError) as exc:
            raise _os_error(exc, self.path) from None


def _os_error(exc: Exception, path: str) -> OSError:
    if isinstance(exc, OSError) and exc.errno:
        return OSError(exc.errno, exc.strerror or str(exc), path)
    code = getattr(exc, "errno", None) or errno.EIO
    return OSError(code, os.strerror(code) if code != errno.EIO else str(exc), path)
