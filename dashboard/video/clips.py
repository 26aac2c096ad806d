"""Clips cut from the bedside film without encoding again: the packets from the key
frame at or before the clip's start (at most KEYFRAME_EVERY_S earlier) to its end, their
times moved to start at zero. A clip costs a read of its share of the film."""

from __future__ import annotations

import av

from .encode import _os_error


def cut_clip(film: str, out: str, start: float, end: float) -> float:
    """The film's [start, end] seconds into `out` (MP4); returns where in the film the
    clip really starts (its first key frame)."""
    try:
        src = av.open(film)
    except av.FFmpegError as exc:
        raise _os_error(exc, film) from None
    try:
        ins = src.streams.video[0]
        tb = ins.time_base
        first = None
        kept = []
        for pkt in src.demux(ins):
            if pkt.pts is None:
                continue
            t = float(pkt.pts * tb)
            if t > end + 1e-6:
                break
            if pkt.is_keyframe and t <= start + 1e-6:
                kept, first = [], pkt.pts  # a later key frame still before the start
            if first is not None:
                kept.append(pkt)
        if first is None:
            raise OSError(5, f"no key frame before {start:.1f} s", film)
        try:
            dst = av.open(out, "w", format="mp4", options={"movflags": "+faststart"})
            outs = dst.add_stream_from_template(ins)
            for pkt in kept:
                pkt.pts -= first
                pkt.dts -= first
                pkt.stream = outs
                dst.mux(pkt)
            dst.close()
        except (av.FFmpegError, OSError) as exc:
            raise _os_error(exc, out) from None
        return float(first * tb)
    finally:
        src.close()
