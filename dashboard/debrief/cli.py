"""`icu-dashboard debrief SESSION.jsonl [--out REPORT.html]`: the debrief report.

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
    return p


def debrief_main(argv: Sequence[str] | None = None) -> int:
    # The plots are rendered offscreen: no display, and no platform plugin, is needed
    # (set before Qt is imported, so a broken QT_QPA_PLATFORM cannot abort the run).
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _quiet_qt()
    try:
        with terminate_raises():
            args = build_parser().parse_args(argv)
            session = Path(args.session)
            out = Path(args.out) if args.out else session.with_suffix(".html")
            _check_outputs(session, out, pdf=args.pdf)
            report = build_debrief(session, out, pdf=args.pdf)
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
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _check_outputs(session: Path, out: Path, *, pdf: bool) -> None:
    """The report, its CSV and PDF by the output rules (replay_data.output_path: no link,
    not the session, no FIFO, nothing in /proc), before the session is read."""
    from replay_data.output_path import check_outputs

    outputs = {"--out": str(out), "its CSV": str(out.with_suffix(".csv"))}
    if pdf:
        outputs["its PDF"] = str(out.with_suffix(".pdf"))
    check_outputs(outputs, inputs={"session": str(session)})


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
