"""`icu-dashboard debrief SESSION.jsonl [--out REPORT.html] [--pdf] [--video ...]`: the
debrief report (and with --video its films, made by the renderer the command hands in:
dashboard.video, above this layer).

Bad arguments or files: one line on stderr ('icu-dashboard debrief: error: ...'),
exit code 2, no traceback and no output file (the report is written atomically).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard.recording import SessionLogError
from replay_data.errors import ReplayDataError, one_line
from replay_data.interrupts import EXIT_INTERRUPTED, Terminated, terminate_raises

from .files import build_debrief
from .rows import DebriefError
from .video_time import DEFAULT_FPS, DEFAULT_SIZE, VideoRenderer, VideoRequest

EXIT_BAD_INPUT = 2
PROG = "icu-dashboard debrief"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        # argparse would print the usage block too: keep errors to one line.
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG,
                description="Debrief report of a recorded training session: one "
                            "self-contained HTML file (plots of what happened, alarms, time to "
                            "acknowledge in wall-clock and case time, what the team did after "
                            "each injection, notes) and a CSV of the timeline beside it. "
                            "Training simulator, not a medical device.")
    p.add_argument("session", help="session recording (.jsonl)")
    p.add_argument("--out", help="report file (.html); default: the session's name with "
                                 ".html, in the same folder")
    p.add_argument("--pdf", action="store_true",
                   help="also write REPORT.pdf (A4, for printing), made with Qt's PDF writer "
                        "offscreen (no display needed)")
    v = p.add_argument_group("video (the bedside monitor as a film, rendered offscreen)")
    v.add_argument("--video", action="store_true",
                   help="also write REPORT.mp4 (H.264), the bedside monitor as the "
                        "trainees saw it, in wall-clock time of the session, and one clip "
                        "per injection or medium/high alarm (REPORT-clip-N.mp4); the "
                        "report plays them and every time in it seeks the film")
    v.add_argument("--video-fps", type=int, default=DEFAULT_FPS, metavar="FPS",
                   help=f"frames a second (1 to 60; default {DEFAULT_FPS})")
    v.add_argument("--video-size", default="{}x{}".format(*DEFAULT_SIZE), metavar="WxH",
                   help="film size in pixels, even numbers (default %(default)s)")
    v.add_argument("--room-video", metavar="ROOM.mp4",
                   help="the lab's own room camera, shown beside the bedside film and "
                        "kept in step with it by the wall clock")
    v.add_argument("--room-video-start", metavar="WALLTIME",
                   help="when the room video started (ISO 8601, e.g. "
                        "2025-06-15T15:06:40+02:00; no zone: this machine's local time); "
                        "default: the file's own creation_time")
    v.add_argument("--progress", choices=("auto", "lines", "none"), default="auto",
                   help="auto: a progress bar on a terminal; lines: 'progress DONE/TOTAL' "
                        "lines on stderr (for a program running the render); none")
    return p


def video_request(args: argparse.Namespace) -> VideoRequest | None:
    """The --video options checked (one line each), or None without --video."""
    if not args.video:
        for opt in ("room_video", "room_video_start"):
            if getattr(args, opt) is not None:
                raise _UsageError(f"--{opt.replace('_', '-')} needs --video")
        return None
    if not 1 <= args.video_fps <= 60:
        raise _UsageError(f"--video-fps {args.video_fps}: from 1 to 60")
    w, x, h = args.video_size.lower().partition("x")
    if not (x and w.isdigit() and h.isdigit()):
        raise _UsageError(f"--video-size {args.video_size}: WIDTHxHEIGHT, e.g. 1280x800")
    size = (int(w), int(h))
    if not (320 <= size[0] <= 3840 and 200 <= size[1] <= 2160) or size[0] % 2 or size[1] % 2:
        raise _UsageError(f"--video-size {args.video_size}: even numbers, 320x200 to "
                          "3840x2160")
    return VideoRequest(fps=args.video_fps, size=size, room=args.room_video,
                        room_start=args.room_video_start, progress=args.progress)


def debrief_main(argv: Sequence[str] | None = None, *,
                 video_renderer: VideoRenderer | None = None) -> int:
    # The plots are rendered offscreen: no display, and no platform plugin, is needed
    # (set before Qt is imported, so a broken QT_QPA_PLATFORM cannot abort the run).
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _quiet_qt()
    try:
        with terminate_raises():
            args = build_parser().parse_args(argv)
            session = Path(args.session)
            out = Path(args.out) if args.out else session.with_suffix(".html")
            video = video_request(args)
            _check_outputs(session, out, pdf=args.pdf, video=video is not None)
            report = build_debrief(session, out, pdf=args.pdf, video=video,
                                   renderer=video_renderer)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # nothing half-written (write_all), no traceback
    except Terminated:
        return 0
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except (_UsageError, SessionLogError, DebriefError, ReplayDataError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(f"{where}{exc.strerror or exc}")
    check = report.scenario_check
    if check is not None and check.message is not None:
        # Said, and the report written: the report marks it too (page.py, report.py).
        kind = "warning" if check.changed else "note"
        print(f"{PROG}: {kind}: {check.message}", file=sys.stderr)
    written = [report.html_path, report.csv_path]
    if report.pdf_path is not None:
        written.append(report.pdf_path)
    written += report.video_paths
    print("wrote " + ", ".join(str(p) for p in written))
    if report.room_error is not None:  # the report is written, without the room video
        return _fail(report.room_error + "; the report was written without it")
    return 0


def _check_outputs(session: Path, out: Path, *, pdf: bool, video: bool = False) -> None:
    """The report, its CSV and PDF by the output rules (replay_data.output_path: no link,
    not the session, no FIFO, nothing in /proc), before the session is read; with --video
    the film too, and its folder tried for writing (a render of minutes must not find at
    its end that nothing can be written there)."""
    from replay_data.output_file import check_writable
    from replay_data.output_path import check_outputs

    outputs = {"--out": str(out), "its CSV": str(out.with_suffix(".csv"))}
    if pdf:
        outputs["its PDF"] = str(out.with_suffix(".pdf"))
    if video:
        outputs["its film"] = str(out.with_suffix(".mp4"))
    check_outputs(outputs, inputs={"session": str(session)})
    if video:
        check_writable(str(out.with_suffix(".mp4")), "--video")


def _quiet_qt() -> None:
    """Offscreen rendering makes Qt say one harmless notice (size hints) that a report run
    should not print; everything else Qt says still reaches stderr (qt_messages).
    Installed only when Qt loads cleanly."""
    try:
        from dashboard.qt_messages import install_filter

        install_filter()
    except ImportError:  # the rows work without Qt; plots will say what is missing
        return


def _fail(message: str) -> int:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(debrief_main())
