"""The report's files: OUT.html (self-contained: inline CSS, plots as data URIs, a print
stylesheet for A4), OUT.csv (the timeline and the scored responses) and with pdf=True
OUT.pdf (Qt's own PDF writer, pdf.py), each whole or not at all. Qt is imported only
here, when the plots are rendered: the rows (report.py) work without it."""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from replay_data.course import Course
from replay_data.output_file import write_all

from .report import build_report
from .responses import scoring_csv_rows
from .rows import CSV_COLUMNS, DebriefError, DebriefReport, TimelineRow
from .video_time import RenderedVideo, VideoRenderer, VideoRequest

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)  # "" is not in it: an empty cell stays as it is


def csv_safe(cell: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or tab, CR) gets a
    leading apostrophe (OWASP's advice against CSV formula injection); plain numbers such
    as -5 stay numbers."""
    text = "" if cell is None else str(cell)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def render_csv(rows: Iterable[TimelineRow]) -> bytes:
    return b"".join(csv_chunks(rows))


_CSV_ROWS_PER_CHUNK = 2000


def csv_chunks(rows: Iterable[TimelineRow]) -> Iterator[bytes]:
    """The CSV a few thousand rows at a time, encoded: written out as it is made (the
    timeline of a 200,000-note session is never one string, nor its bytes)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    # BOM: spreadsheet programs otherwise read the UTF-8 arrows and dashes as Latin-1.
    encoding = "utf-8-sig"
    for i, r in enumerate(rows, 1):
        # Most cells are plain text: only those that start like a formula go through
        # csv_safe (2.6 million calls on a 200,000-note session).
        w.writerow([c if type(c) is str and c[:1] not in _FORMULA_CHARS else csv_safe(c)
                    for c in r.csv_row()])
        if i % _CSV_ROWS_PER_CHUNK == 0:
            yield buf.getvalue().encode(encoding)
            encoding = "utf-8"
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode(encoding)


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    return (c.encode("utf-8") for c in chunks)


def build_debrief(session_path: str | os.PathLike[str], out_html: str | os.PathLike[str],
                  *, pdf: bool = False, video: VideoRequest | None = None,
                  renderer: VideoRenderer | None = None) -> DebriefReport:
    """Read a session, write OUT.html (self-contained), OUT.csv (timeline rows) and with
    pdf=True OUT.pdf (Qt's PDF writer, A4). With `video` (and the `renderer` that makes
    films, dashboard.video): OUT.mp4, the bedside film, and OUT-clip-N.mp4, and the page
    plays them.

    Raises SessionLogError (bad session file), OSError (unreadable), ReplayDataError
    (scenario gone or changed) or DebriefError (bad output path); then nothing is written."""
    report, course = build_report(session_path, out_html)
    actions = report.session.replay_actions() if video is not None else []
    # The rows are built: the session's lines are let go before Qt and the plots load
    # (a 200,000-note session's lines are ~100 MB; the peak was 352 MB, the goal 300).
    report.session = report.session.header()
    from . import plots  # Qt only from here: the rows above work without it

    figures = plots.report_figures(report, course)
    rendered: RenderedVideo | None = None
    if video is not None:
        if renderer is None:
            raise DebriefError("--video needs the films' renderer (run it as "
                               "`icu-dashboard debrief ... --video`)")
        rendered = renderer(report, course, actions, video)
    try:
        _write_files(report, course, figures, pdf, rendered)
    finally:
        if rendered is not None:
            rendered.discard()  # nothing left once renamed; everything if it failed
    if rendered is not None:
        report.video_paths = [Path(target) for _, target in rendered.staged]
        report.room_error = rendered.room_error
    return report


def _write_files(report: DebriefReport, course: Course, figures: list,
                 pdf: bool, rendered: RenderedVideo | None) -> None:
    from . import page

    video = rendered.section if rendered is not None else None
    stills = page.still_figures(video) if video is not None else []
    assert report.played is not None
    csv_rows = itertools.chain(report.timeline,
                               scoring_csv_rows(report.scored, report.played))
    # Both written out as they are made (write_all takes the pieces), all or nothing.
    files: list[tuple[Path, bytes | Iterable[bytes]]] = [
        (report.csv_path, csv_chunks(csv_rows)),
        (report.html_path, _encoded(page.page_chunks(report, course, figures, embed=True,
                                                     video=video)))]
    if pdf:
        from . import pdf as pdf_out

        pdf_bytes, pages = pdf_out.render_pdf(
            page.render_html(report, course, figures, embed=False, video=video),
            [*figures, *stills])
        report.pdf_path, report.pdf_pages = report.html_path.with_suffix(".pdf"), pages
        files.append((report.pdf_path, pdf_bytes))
    write_all([(str(path), data) for path, data in files], "--out",
              ready=rendered.staged if rendered is not None else ())
