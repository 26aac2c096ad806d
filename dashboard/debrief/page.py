"""The debrief as one HTML page: readable on screen, printable on A4, and simple enough
for Qt's rich-text engine (pdf.py) to lay out the same page into a PDF.

So: plain tables (no floats, no CSS columns), widths in percent, one font size per table.
Three parts, each starting on a new page when it would otherwise be split and fits on one:
what the drill was and what the team did (summary, objectives, expected responses,
injections), what happened (the plots and the times to acknowledge), and the record (the
timeline, the notes and the debrief prompts); a section within a part is kept whole where
that costs no page. Browsers do this from the print stylesheet (`break-inside: avoid` on
each part and section); Qt's rich text does not, so pdf.py places the breaks itself
(PART_TITLES). A 20-minute drill prints on three A4 sheets. On paper everything is dark on
white.
"""

from __future__ import annotations

import html
import itertools
import statistics
from collections.abc import Iterable, Iterator, Sequence

from replay_data.casetime import case_clock, span_text
from replay_data.course import Course

from . import page_video as pv
from .plots import Figure
from .responses import scoring_summary
from .rows import (
    DISCLAIMER,
    MAX_LISTED_NOTES,
    MAX_NOTE_MARKS,
    NOTE_TYPES,
    RESULT_TEXT,
    DebriefReport,
    DisplayRow,
    NoteRow,
    wall_text,
)
from .video_time import VideoSection

_CSS = """
body{font-family:"DejaVu Sans",system-ui,"Segoe UI",Roboto,sans-serif;color:#1c2329;
background:#ffffff;font-size:8.5pt;line-height:1.25}
h1{font-size:14pt;margin:0 0 2px} h2{font-size:11pt;margin:8px 0 3px;color:#263238;
border-bottom:1px solid #90a4ae;padding-bottom:2px}
h3{font-size:10.5pt;margin:8px 0 2px}
p{margin:3px 0} ul{margin:2px 0 4px 0} li{margin:0}
.disclaimer{font-weight:bold;color:#b71c1c;margin:0 0 8px}
.warning{background:#fff3e0;border-left:4px solid #ef6c00;padding:4px 8px;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:7.5pt;margin:2px 0 4px}
th,td{border-bottom:1px solid #cfd8dc;padding:0 3px;text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:bold}
td.num{text-align:right}
table.dense{font-size:7pt}
table.meta{width:auto;font-size:9pt} table.meta th{background:#ffffff;padding-right:14px}
.prio-high{color:#c62828;font-weight:bold} .prio-medium{color:#8d5a00;font-weight:bold}
.prio-low{color:#00695c}
.none{color:#607d8b;font-style:italic}
.caption{font-size:8pt;color:#455a64;margin:1px 0 6px}
img{max-width:100%}
@media print{body{margin:0;max-width:none}
 tr,img,.figure,.part,.section{break-inside:avoid;page-break-inside:avoid}
 h2,h3{break-after:avoid;page-break-after:avoid}
 @page{size:A4;margin:14mm 12mm}}
"""


# On screen the page is a centred column; Qt lays it out on the printable width itself.
_SCREEN_CSS = "body{margin:20px auto;max-width:1000px}"
# The <h2> that opens the second and third parts: pdf.py starts them on a new page when
# they would otherwise be split (the first part starts the document).
PART_TITLES = ("What happened, plotted", "Timeline")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _prio(p: str) -> str:
    return f'<span class="prio-{_e(p)}">{_e(p)}</span>' if p else ""


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], num_cols: Sequence[int] = (),
           widths: Sequence[int] = (), css: str = "") -> str:
    """Cells are already HTML (escaped by the caller). widths: percent per column."""
    return "".join(_table_chunks(head, rows, num_cols, widths, css))


_ROWS_PER_CHUNK = 2000  # a long table leaves as pieces of this many rows, never whole


def _table_chunks(head: Sequence[str], rows: Iterable[Sequence[str]],
                  num_cols: Sequence[int] = (), widths: Sequence[int] = (), css: str = ""
                  ) -> Iterator[str]:
    """The table a piece at a time (a timeline of thousands of rows is written out as it
    is made, not built whole in memory first)."""
    # No <thead>: Qt repeats a header row at the top of each printed page, drawn over
    # whatever starts that page; a header that prints once is the honest choice.
    # Qt's rich text ignores a class's font on a table: the size goes on the element too.
    cls = f' class="{css}" style="font-size:7pt"' if css else ""
    out = [f'<table{cls} width="98%" cellspacing="0" cellpadding="1"><tr>']
    for i, h in enumerate(head):
        w = f' width="{widths[i]}%"' if i < len(widths) else ""
        out.append(f"<th{w}>{_e(h)}</th>")
    out.append("</tr>")
    for r in rows:
        cells = (f'<td class="num" align="right">{c}</td>' if i in num_cols else f"<td>{c}</td>"
                 for i, c in enumerate(r))
        out.append("<tr>" + "".join(cells) + "</tr>")
        if len(out) >= _ROWS_PER_CHUNK:
            yield "".join(out)
            out = []
    out.append("</table>")
    yield "".join(out)


def _both(t: float, wall_html: str) -> str:
    return f"{wall_html}<br><small>{_e(case_clock(t, seconds=True))}</small>"


def render_html(report: DebriefReport, course: Course, figures: Sequence[Figure], *,
                embed: bool = True, video: VideoSection | None = None) -> str:
    """The page; embed=True puts the plots in as data URIs (the self-contained file),
    embed=False refers to them by Figure.name (pdf.py supplies them to Qt). video: the
    films (--video): players, seek links and stills (page_video.py)."""
    return "".join(page_chunks(report, course, figures, embed=embed, video=video))


def still_figures(video: VideoSection) -> list[Figure]:
    """The stills as figures by name (still-N.png), for the PDF."""
    import struct

    out = []
    for n, png in sorted(video.stills.items()):
        if png[:8] == b"\x89PNG\r\n\x1a\n":
            w, h = struct.unpack(">II", png[16:24])
            out.append(Figure(f"still-{n}.png", f"bedside {n}", "", png, w, h))
    return out


def page_chunks(report: DebriefReport, course: Course, figures: Sequence[Figure], *,
                embed: bool = True, video: VideoSection | None = None) -> Iterator[str]:
    """render_html's page a piece at a time, for writing out as it is made: the long
    tables leave in pieces (_table_chunks)."""
    film = video if embed else None  # the PDF: the stills, no links to a film

    def at_wall(wall, label: str) -> str:
        return label if film is None else pv.seek(film, film.timeline.elapsed_of(wall), label)

    def at_case(t: float | None, label: str) -> str:
        return label if film is None or t is None else \
            pv.seek(film, film.timeline.video_time(t), label)

    s = report.session
    sc = course.scenario
    played = report.played
    assert played is not None
    t0, t1 = report.span
    speeds = report.speeds
    local = played.start_wall.astimezone()
    meta = [
        ("Wall clock", f"{local.strftime('%Y-%m-%d')} {wall_text(played.start_wall)} to "
                       f"{wall_text(played.end_wall)} ({span_text(played.wall_seconds)}; "
                       f"local time, {local.strftime('UTC%z')})"),
        ("Case time played", "; ".join(f"{case_clock(g.t0)} to {case_clock(g.t1)}"
                                       for g in played.segments if g.t1 > g.t0)
         or case_clock(s.start)),
        ("Replay speed", ", ".join(f"\u00d7{v:g}" for v in speeds)),
        ("Participants", ", ".join(report.participants) or "not entered"),
        ("Displays", ", ".join(d.display for d in report.displays) + " (see Displays)"
         if report.displays else "none joined over the network (a session on one "
         "machine, or a file recorded before displays were logged)"),
    ]
    state = _scenario_state(report)
    if state:  # an unchanged scenario needs no line (the page stays as it was)
        meta.append(("Scenario", state))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Debrief \u2014 {_e(sc.title)} \u2014 {_e(case_clock(s.start))}</title>",
        # Qt lays the page out on the printable width itself: no screen margins there.
        f"<style>{_SCREEN_CSS + _CSS if embed else _CSS}"
        f"{pv.VIDEO_CSS if film is not None else ''}</style></head><body>",
        f"<h1>Debrief: {_e(sc.title)}</h1>",
        f'<p class="disclaimer">{_e(DISCLAIMER)} \u00b7 scenario {_e(sc.id)}, seed {s.seed}, '
        f"session file {_e(s.path.name)}</p>",
        '<table class="meta" cellspacing="0" cellpadding="2">',
        *(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta),
        "</table>",
        *(f'<p class="warning">{_e(w)}</p>' for w in report.warnings),
        *(pv.players(report, film) if film is not None else []),
    ]
    acks = report.acknowledgements
    raised = [a for a in acks if a.event == "raise"]
    walls = [a.wall_to_acknowledge for a in acks if a.wall_to_acknowledge is not None]
    summary = [
        f"{len(raised)} alarm(s) raised, {sum(a.acknowledged_at is not None for a in raised)} "
        "acknowledged",
        f"{len(report.injections)} injection(s) or override(s)",
    ]
    if walls:
        summary.append(f"time to acknowledge (wall clock): median "
                       f"{span_text(statistics.median(walls))}, longest {span_text(max(walls))}")
    if report.skipped:
        summary.append(f"{len(report.skipped)} scheduled event(s) skipped (the session "
                       "jumped over them)")
    if report.notes:
        summary.append(f"{len(report.notes)} instructor note(s) or bookmark(s)")
    # --- part 1: what the drill was and what the team did
    parts.append('<div class="part"><div class="section">')
    parts += ["<h2>Summary</h2><ul>", *(f"<li>{_e(x)}</li>" for x in summary), "</ul>"]
    b = sc.briefing
    if b.objectives:
        parts += ['</div><div class="section"><h2>Learning objectives</h2><ul>',
                  *(f"<li>{_e(o)}</li>" for o in b.objectives), "</ul>"]
    # Beside the objectives they serve (the record, part 3, is the long part).
    if b.debrief_prompts:
        parts += ['</div><div class="section"><h2>Questions for the debrief</h2><ul>',
                  *(f"<li>{_e(q)}</li>" for q in b.debrief_prompts), "</ul>"]
    if report.expected:
        parts.append('</div><div class="section"><h2>Expected responses</h2>')
        parts.append(f"<p>{_e(scoring_summary(report.expected))}.</p>")
        parts.append(_table(("Injection", "Expected", "Due", "Result", "Done"),
                            ([at_case(sr.injection_start if sr else None, _e(r.injection)),
                              _e(r.expected), _e(r.due),
                              _e(RESULT_TEXT.get(r.verdict, r.verdict)),
                              at_case(sr.at if sr else None, _e(r.when))]
                             for r, sr in zip(report.expected, _scored_for(report))),
                            widths=(18, 22, 9, 12, 39)))

    parts.append('</div><div class="section"><h2>Injections and what the team did next</h2>')
    if not report.injections:
        parts.append('<p class="none">No injections or overrides in this session.</p>')
    rows = []
    for inj in report.injections:
        p = inj.perturbation
        if inj.responses:
            done = "<br>".join(_e(r.text) for r in inj.responses)
        else:
            done = '<span class="none">no trainee action</span>'
        nadir = "" if inj.nadir is None else \
            (f"<br><small>SpO2 nadir {inj.nadir[0]:.0f} % at "
             f"+{_e(span_text(inj.nadir[1] - p.start))}</small>")
        rows.append([_both(p.start, at_wall(inj.wall, _e(wall_text(inj.wall)))) + nadir,
                     _e(inj.label),
                     _e(inj.source), _e(inj.lasted_text), done])
    if rows:
        parts.append(_table(("Started (wall / case)", "Injection", "By",
                             "Lasted (for the patient)",
                             "Actions next (wall delay, case delay)"), rows,
                            widths=(13, 16, 10, 20, 41)))
    parts.append("</div></div>")

    # --- part 2: what happened -- the plots, the alarms and the times to acknowledge
    parts.append(f'<div class="part"><div class="section"><h2>{_e(PART_TITLES[0])}</h2>')
    marks = report.marks
    if len(report.notes) > MAX_NOTE_MARKS:
        parts.append(f'<p class="none">{len(report.notes)} notes and bookmarks are not '
                     f"marked on the plots (more than {MAX_NOTE_MARKS}): they are listed "
                     "under Instructor notes and bookmarks.</p>")
    if marks:
        parts.append(_table(("#", "Case time", "Wall clock", "What"),
                            ([str(m.number), at_case(m.t, _e(case_clock(m.t, seconds=True))),
                              _e(wall_text(played.wall_at(m.t))), _e(m.what)] for m in marks),
                            widths=(5, 20, 13, 62)))
    for f in figures:
        src = f.data_uri if embed else f.name
        # Title under the image: a page break can then never leave it alone at a page end.
        # The image in a paragraph of its own at single line height: Qt scales the line
        # that holds an image by the page's line-height (1.3), which left a blank band as
        # tall as a third of the plot under each one.
        parts.append(f'<div class="figure"><p class="plot" style="line-height:100%;margin:0">'
                     f'<img src="{src}" width="{_img_width(f, embed)}" alt="{_e(f.title)}"></p>'
                     f'<p class="caption"><b>{_e(f.title)}</b> \u2014 {_e(f.caption)}</p></div>')
        number = pv.panel_numbers([f.name]).get(f.name)
        if video is not None and number is not None:
            parts.append(pv.still_blocks(video, number, embed))

    parts.append('</div><div class="section"><h2>Time to acknowledge</h2>')
    if not acks:
        parts.append('<p class="none">No alarms in this session.</p>')
    else:
        # One line a row: wall clock and case time side by side, how it was acknowledged
        # after the time (when it was is in the timeline, to the second in both clocks).
        parts.append(_table(
            ("Raised", "Case time", "Alarm", "Priority", "Time to acknowledge \u00b7 how"),
            ([at_wall(a.raised_wall, _e(wall_text(a.raised_wall))),
              _e(case_clock(a.raised_at, seconds=True)),
              _e(a.message) + (f" <small>({_e(a.event)})</small>" if a.event != "raise" else ""),
              _prio(a.priority), _e(a.outcome + (f" \u00b7 {a.via}" if a.via else ""))]
             for a in acks), widths=(9, 15, 24, 8, 44)))
    parts.append("</div></div>")

    # --- part 3: the record -- the timeline, notes, prompts
    parts.append(f'<div class="part"><div class="section"><h2>{_e(PART_TITLES[1])}</h2>')
    many = len(report.notes) > MAX_LISTED_NOTES
    timeline = report.timeline
    if many:
        # Notes are what make a timeline of 200,000 rows; the rest of it stays whole.
        timeline = [r for r in timeline if r.type not in NOTE_TYPES]
        parts.append(f'<p class="none">The {len(report.notes)} notes and bookmarks are left '
                     "out of this table: some are listed under Instructor notes and "
                     f"bookmarks, and every one is in {_e(report.csv_path.name)} (the "
                     "timeline, types note and bookmark).</p>")
    yield "\n".join(parts) + "\n"
    yield from _table_chunks(
        ("Wall clock", "Case time", "Type", "What", "Priority", "Value / limit", "Who"),
        ([at_wall(r.wall, _e(r.wall_time_text)), _e(r.time_text), _e(r.type), _e(r.what),
          _prio(r.priority),
          _e(_value_limit(r.value, r.limit)), _e(r.by)] for r in timeline),
        num_cols=(5,), widths=(8, 13, 11, 31, 8, 14, 15), css="dense")
    parts = [""]  # the newline after the table, as between any two parts
    if report.skipped:
        parts.append("<h3>Skipped: scheduled, but the session jumped over them</h3>")
        parts.append(_table(("Case time", "Type", "What"),
                            ([_e(case_clock(r.case_time, seconds=True)), _e(r.type),
                              _e(r.what)] for r in report.skipped), widths=(20, 20, 60)))
    parts.append('</div><div class="section"><h2>Instructor notes and bookmarks</h2>')
    if report.notes:
        first, left_out, last = listed_notes(report.notes)
        if left_out:
            half = MAX_LISTED_NOTES // 2
            parts.append(f'<p class="none">{len(report.notes)} notes and bookmarks '
                         f"({sum(n.bookmark for n in report.notes)} bookmarks): the first "
                         f"{half} and the last {half} are listed here, every one is in "
                         f"{_e(report.csv_path.name)}.</p>")
        yield "\n".join(parts) + "\n"
        gap = [] if not left_out else [[
            "", "", "", f'<span class="none">\u2026 {left_out} more notes and bookmarks, '
            f"in {_e(report.csv_path.name)} \u2026</span>"]]
        def note_cells(n: NoteRow) -> list[str]:
            cells = _note_cells(n)
            cells[0] = at_wall(n.wall, cells[0])
            return cells

        yield from _table_chunks(("Wall clock", "Case time", "", "Note"),
                                 itertools.chain(map(note_cells, first), gap,
                                                 map(note_cells, last)),
                                 widths=(12, 20, 10, 58))
        parts = [""]
    else:
        parts.append('<p class="none">No notes were taken.</p>')
    if report.displays:
        parts.append('</div><div class="section"><h2>Displays</h2>')
        parts += _displays(report.displays)
    parts.append("</div></div>")
    parts.append(f'<p class="disclaimer">{_e(DISCLAIMER)}. Values are the simulator\'s '
                 "recomputed course, not patient data.</p>"
                 + (f"<script>{pv.SCRIPT}</script>" if film is not None else "")
                 + "</body></html>")
    yield "\n".join(parts) + "\n"


def _scored_for(report: DebriefReport) -> list:
    """The scored response of each expected-response row (built one for one), or None."""
    scored = list(report.scored)
    return scored if len(scored) == len(report.expected) else [None] * len(report.expected)


def _note_cells(n: NoteRow) -> list[str]:
    return [_e(wall_text(n.wall)), _e(case_clock(n.case_time, seconds=True)),
            "bookmark" if n.bookmark else "note", _e(n.shown)]


def listed_notes(notes: Sequence[NoteRow]) -> tuple[Sequence[NoteRow], int, Sequence[NoteRow]]:
    """The notes the page lists: all of them up to MAX_LISTED_NOTES; past that the first
    and the last half of that many, and how many between are left to the CSV (a page of
    200,000 notes is no page a debrief can use; the CSV has every one)."""
    if len(notes) <= MAX_LISTED_NOTES:
        return notes, 0, ()
    half = MAX_LISTED_NOTES // 2
    return notes[:half], len(notes) - 2 * half, notes[-half:]


_LINK_WORDS = {"lost": "link lost", "back": "back", "joined": "joined"}


def _scenario_state(report: DebriefReport) -> str:
    """Whether the scenario is the one the session was recorded on (its content hash);
    "" when it is."""
    check = report.scenario_check
    if check is None or check.recorded is None:
        return "recorded before scenario hashes; cannot check whether it changed since"
    if check.changed:
        return (f"CHANGED since the recording (hash {check.recorded[:12]} then, "
                f"{check.current[:12]} now): see the warning")
    return ""


def _displays(rows: Sequence[DisplayRow]) -> list[str]:
    """Who watched: each display of the room, when it joined and when its link was lost
    and came back, wall clock first and case time under it as everywhere."""
    if not rows:
        return ['<p class="none">No display joined over the network (a session on one '
                "machine, or a file recorded before displays were logged).</p>"]
    body = []
    for d in rows:
        joined = "" if d.joined_wall is None and not d.changes else \
            _both(d.joined_at, _e(wall_text(d.joined_wall)))
        link = "<br>".join(f"{_e(_LINK_WORDS[status])} {_e(wall_text(wall))} "
                           f"<small>({_e(case_clock(t, seconds=True))})</small>"
                           for status, t, wall in d.changes) or \
            '<span class="none">connected throughout</span>'
        body.append([_e(d.display), joined, link])
    return [_table(("Display", "Joined (wall / case)", "Link lost / back"), body,
                   widths=(20, 25, 55))]


def _value_limit(value: str, limit: str) -> str:
    """'0.00 / 1.00 L/min' (the unit once when both have it)."""
    if not limit:
        return value
    v, _, vu = value.partition(" ")
    lim, _, lu = limit.partition(" ")
    return f"{v} / {lim} {lu}".strip() if vu == lu else f"{value} / {limit}"


def _img_width(f: Figure, embed: bool) -> str:
    # In a browser the CSS scales it to the page; Qt needs a width in pixels of its page.
    return "100%" if embed else str(f.width)
