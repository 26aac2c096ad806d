"""The debrief report of one recorded session: rows (pure Python) and one HTML file.

What happened comes from the session file (instructor, perturbations, alarms, trainee);
the patient's values come from the course recomputed from it (course_for), so the
trends are exact for every second of the session, whatever the replay speed was.
The HTML is self-contained (inline CSS, plots as data URIs) so it can be mailed or
opened on a lab PC without the app; a CSV with the timeline rows sits beside it.
"""

from __future__ import annotations

import csv
import html
import io
import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dashboard.alarms.engine import AlarmChange
from dashboard.core import actions as acts
from dashboard.session_log import (
    Action,
    RecordedSession,
    course_for,
    read_session,
)
from replay_data.course import Course
from replay_data.errors import one_line
from replay_data.output_file import write_all
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time

DISCLAIMER = "Training simulator \u2014 not a medical device"
TREND_CHANNELS = ("hr", "spo2", "abp_mean", "ecmo_flow", "p_venous", "delta_p", "sweep_flow")
RESPONSE_WINDOW_S = 300.0  # after an injection ends: what the team did next still counts
MIN_SPAN_S = 120.0  # a shorter session is plotted over this much, centred on it
ALARM_ROW_EVENTS = ("raise", "escalate", "clear", "acknowledge")
CSV_COLUMNS = ("case_time_s", "case_time", "type", "what", "priority", "value", "limit")
# Snapshots were computed one sample at a time, the replay on a grid: allow float noise.
REPLAY_TOLERANCE = 1e-6

INJECTION_COLOUR = "#ffab40"
STOP_COLOUR = "#69f0ae"
EVENT_COLOUR = "#b0bec5"


class DebriefError(ValueError):
    """The report cannot be made (bad output path); one line for the CLI."""


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class TimelineRow:
    case_time: float
    type: str  # instructor, injection, injection stop, override, alarm raise, trainee, ...
    what: str
    priority: str = ""
    value: str = ""
    limit: str = ""
    # Line in the session file: keeps ties in the order they happened; not content.
    line: int = field(default=0, compare=False)

    @property
    def time_text(self) -> str:
        return format_case_time(self.case_time)

    def csv_row(self) -> list[str]:
        return [f"{self.case_time:.3f}", self.time_text, self.type, self.what, self.priority,
                self.value, self.limit]


@dataclass(frozen=True)
class AcknowledgementRow:
    """One raised (or escalated) alarm and how long until someone acknowledged it."""

    raised_at: float
    event: str  # raise | escalate
    alarm_id: str
    message: str
    priority: str
    acknowledged_at: float | None
    via: str  # "this alarm", "acknowledge all", or "" when only the engine's record says so
    cleared_at: float | None

    @property
    def time_to_acknowledge(self) -> float | None:
        return None if self.acknowledged_at is None else self.acknowledged_at - self.raised_at

    @property
    def outcome(self) -> str:
        if self.acknowledged_at is not None:
            return f"{self.time_to_acknowledge:.0f} s"
        if self.cleared_at is not None:
            return (f"not acknowledged (condition ended after "
                    f"{self.cleared_at - self.raised_at:.0f} s)")
        return "not acknowledged (still present at the end of the session)"


@dataclass(frozen=True)
class Response:
    case_time: float
    delay: float  # seconds since the injection started
    actor: str  # trainee | instructor
    what: str


@dataclass(frozen=True)
class InjectionResponse:
    """An injection or override, and what was done from its start to its end + 5 min."""

    perturbation: Perturbation  # as it ran (cut where it was stopped)
    label: str
    source: str  # instructor | scheduled (by the scenario)
    window_end: float
    responses: tuple[Response, ...]


@dataclass
class DebriefReport:
    session: RecordedSession
    html_path: Path
    csv_path: Path
    span: tuple[float, float]  # plotted case-time span
    timeline: list[TimelineRow]
    acknowledgements: list[AcknowledgementRow]
    injections: list[InjectionResponse]
    plotted: tuple[str, ...]  # channels with a trend plot
    snapshot_mismatches: int = 0  # recorded snapshots the recomputed course disagrees with
    warnings: list[str] = field(default_factory=list)


def _fmt_value(course: Course, channel: str | None, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    ch = course.catalogue.numerics.get(channel) if channel else None
    if ch is None:
        return f"{value:g}"
    return f"{ch.format(value)} {ch.unit}"


def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "until stopped"
    if s >= 60 and s % 60 == 0:
        return f"{s / 60:g} min"
    return f"{s:g} s"


def perturbation_label(course: Course, p: Perturbation) -> str:
    if p.kind == "injection":
        spec = course.scenario.injections.get(p.name)
        return spec.label if spec is not None else p.name
    ch = course.catalogue.numerics.get(p.name)
    target = next((e.set for e in p.effects if e.set is not None), None)
    label = ch.label if ch is not None else p.name
    return f"{label} \u2192 {_fmt_value(course, p.name, target) or target} (override)"


def _perturbation_what(course: Course, p: Perturbation) -> str:
    if p.kind == "injection":
        return (f"{perturbation_label(course, p)} (severity {p.severity:g}, "
                f"{_fmt_seconds(p.duration)})")
    return f"{perturbation_label(course, p)} over {_fmt_seconds(p.onset)}"


def _instructor_what(course: Course, a: Action) -> str:
    f = a.fields
    if a.action == acts.SPEED:
        return f"speed \u00d7{f['value']:g}" if isinstance(f["value"], int | float) else "speed"
    if a.action == acts.SEEK:
        target = f["target"]
        where = format_case_time(target) if isinstance(target, int | float) else str(target)
        return f"seek to {where}"
    if a.action == acts.JUMP:
        ev = next((e for e in course.scenario.events if e.id == f["event"]), None)
        return f"jump to {ev.label if ev is not None else f['event']}"
    return a.action


def _trainee_what(course: Course, a: Action, messages: dict[str, str]) -> str:
    f = a.fields
    on = f.get("on", True) is not False
    if a.action == acts.ACKNOWLEDGE:
        aid = f.get("alarm_id")
        return "acknowledge all" if aid is None else f"acknowledge {messages.get(aid, aid)}"
    if a.action == acts.AUDIO_PAUSE:
        return "audio paused" if on else "audio pause ended"
    if a.action == acts.AUDIO_OFF:
        return "audio off" if on else "audio on"
    if a.action == acts.ALARM_PAUSE:
        return "alarms paused" if on else "alarm pause ended"
    if a.action == acts.ALARM_OFF:
        return f"alarm {'off' if on else 'on'}: {f['target']}"
    if a.action == acts.LIMITS:
        parts = [f"{side} {f[side]:g}" for side in ("low", "high")
                 if isinstance(f.get(side), int | float)]
        return f"limits {f['parameter']}: {', '.join(parts) or 'unchanged'}"
    return a.action


def _alarm_messages(changes: Iterable[AlarmChange]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in changes:
        if c.alarm_id and c.event in ("raise", "escalate") and c.alarm_id not in out:
            out[c.alarm_id] = c.message
    return out


def _scheduled_in_span(course: Course, t0: float, t1: float) -> list[Perturbation]:
    """The scenario's own injections (e.g. the case's drainage chatter) the session saw."""
    own = {p.id for p in course.perturbations}
    return [p for p in course.all_perturbations
            if p.id not in own and p.start <= t1 and p.end + p.offset >= t0]


def timeline_rows(session: RecordedSession, course: Course) -> list[TimelineRow]:
    """Every instructor action, perturbation start/stop, alarm change and trainee action,
    in case-time order (ties in the order they happened)."""
    alarm_recs = session.alarm_records()
    messages = _alarm_messages(c for _, c in alarm_recs)
    rows: list[TimelineRow] = []
    for a in session.instructor_actions():
        rows.append(TimelineRow(a.case_time, "instructor", _instructor_what(course, a),
                                line=a.line))
    for rec in session.perturbation_records():
        p = rec.perturbation
        rows.append(TimelineRow(p.start, p.kind, _perturbation_what(course, p), line=rec.line))
        if rec.stopped is not None:
            rows.append(TimelineRow(rec.stopped, f"{p.kind} stop",
                                    f"stopped: {perturbation_label(course, p)}",
                                    line=rec.stop_line or rec.line))
    t0, t1 = session.span
    for p in _scheduled_in_span(course, t0, t1):
        if t0 <= p.start <= t1:
            rows.append(TimelineRow(p.start, "scheduled injection", _perturbation_what(course, p)))
    for line, c in alarm_recs:
        if c.event not in ALARM_ROW_EVENTS:
            continue
        rows.append(TimelineRow(
            c.case_time, f"alarm {c.event}", f"{c.message} ({c.alarm_id})" if c.alarm_id
            else c.message, "" if c.priority is None else c.priority.label,
            _fmt_value(course, c.channel, c.value), _fmt_value(course, c.channel, c.limit),
            line=line))
    for a in session.trainee_actions():
        where = f" (at {a.display})" if a.display else ""  # which bedside display
        rows.append(TimelineRow(a.case_time, "trainee",
                                _trainee_what(course, a, messages) + where, line=a.line))
    rows.sort(key=lambda r: (r.case_time, r.line))
    return rows


def acknowledgement_rows(session: RecordedSession) -> list[AcknowledgementRow]:
    """Time to acknowledge for every raised or escalated alarm.

    An alarm episode runs from its raise to the next raise of the same alarm (in file
    order: after a seek the engine starts afresh). The first acknowledgement covering it
    is the engine's own acknowledge record for that alarm, or a trainee acknowledge of
    that alarm or of all alarms while its condition was still present."""
    alarm_recs = session.alarm_records()
    trainee_acks = [a for a in session.trainee_actions() if a.action == acts.ACKNOWLEDGE]
    rows: list[AcknowledgementRow] = []
    for i, (line, c) in enumerate(alarm_recs):
        if c.event not in ("raise", "escalate") or c.alarm_id is None:
            continue
        aid = c.alarm_id
        later = [(ln, x) for ln, x in alarm_recs[i + 1:] if x.alarm_id == aid]
        episode_end = next((ln for ln, x in later if x.event == "raise"), math.inf)
        in_episode = [(ln, x) for ln, x in later if ln < episode_end]
        clear = next(((ln, x) for ln, x in in_episode if x.event == "clear"), None)
        clear_line = clear[0] if clear else math.inf
        candidates: list[tuple[int, float]] = [
            (ln, x.case_time) for ln, x in in_episode
            if x.event == "acknowledge" and x.case_time >= c.case_time]
        candidates += [
            (a.line, a.case_time) for a in trainee_acks
            if line < a.line < min(episode_end, clear_line) and a.case_time >= c.case_time
            and a.fields.get("alarm_id") in (None, aid)]
        ack_t = min(candidates)[1] if candidates else None
        via = ""
        if ack_t is not None:
            same = [a for a in trainee_acks if a.case_time == ack_t and line < a.line
                    and a.fields.get("alarm_id") in (None, aid)]
            if same:
                via = "this alarm" if same[0].fields.get("alarm_id") == aid else "acknowledge all"
        rows.append(AcknowledgementRow(
            c.case_time, c.event, aid, c.message,
            "" if c.priority is None else c.priority.label, ack_t, via,
            None if clear is None else clear[1].case_time))
    return rows


def injection_responses(session: RecordedSession, course: Course) -> list[InjectionResponse]:
    """For each injection or override: trainee actions and its stop by the instructor from
    its start to its end (ramp included) + RESPONSE_WINDOW_S, with the delay."""
    messages = _alarm_messages(c for _, c in session.alarm_records())
    trainee = session.trainee_actions()
    t0, t1 = session.span
    items: list[tuple[Perturbation, str, float | None]] = [
        (r.final, "instructor", r.stopped) for r in session.perturbation_records()]
    items += [(p, "scheduled", None) for p in _scheduled_in_span(course, t0, t1)]
    out: list[InjectionResponse] = []
    for p, source, stopped in sorted(items, key=lambda x: x[0].start):
        end = p.end + p.offset + RESPONSE_WINDOW_S
        resp = [Response(a.case_time, a.case_time - p.start, "trainee",
                         _trainee_what(course, a, messages))
                for a in trainee if p.start <= a.case_time <= end]
        if stopped is not None:
            resp.append(Response(stopped, stopped - p.start, "instructor",
                                 f"stopped {perturbation_label(course, p)}"))
        resp.sort(key=lambda r: r.case_time)
        out.append(InjectionResponse(p, perturbation_label(course, p), source, end, tuple(resp)))
    return out


def plot_span(session: RecordedSession, course: Course) -> tuple[float, float]:
    t0, t1 = session.span
    if t1 - t0 < MIN_SPAN_S:
        pad = (MIN_SPAN_S - (t1 - t0)) / 2
        t0, t1 = t0 - pad, t1 + pad
    sc = course.scenario
    return max(sc.start, t0), min(sc.end, t1)


def snapshot_mismatches(session: RecordedSession, course: Course) -> int:
    """Snapshots whose values the recomputed course does not reproduce: a sign that the
    scenario or the model changed since the recording, so the trends are not what was seen."""
    snaps = session.snapshots()
    if not snaps:
        return 0
    values, _ = course.sample_grid(np.array([s.case_time for s in snaps]))
    bad = 0
    for i, s in enumerate(snaps):
        for ch, col in values.items():
            rec, now = s.values.get(ch, math.nan), float(col[i])
            same = (math.isnan(rec) and math.isnan(now)) or (
                abs(rec - now) <= REPLAY_TOLERANCE * max(1.0, abs(now)))
            if not same:
                bad += 1
                break
    return bad


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;
max-width:1040px;color:#1c2329;background:#fff;line-height:1.4}
h1{font-size:1.5em;margin:0 0 4px} h2{font-size:1.15em;margin:28px 0 8px;
border-bottom:2px solid #cfd8dc;padding-bottom:3px}
.disclaimer{font-weight:600;color:#b71c1c;margin:0 0 14px}
.warning{background:#fff3e0;border-left:4px solid #ef6c00;padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #e0e0e0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eceff1} td.num{text-align:right;font-variant-numeric:tabular-nums}
table.meta{width:auto} table.meta th{background:none;padding-right:18px}
.prio-high{color:#c62828;font-weight:700} .prio-medium{color:#a66a00;font-weight:700}
.prio-low{color:#00838f}
figure{margin:6px 0} figure img{width:100%;max-width:960px;display:block}
ol.markers{font-size:.9em;columns:2} .none{color:#78909c;font-style:italic}
@media print{body{margin:0;max-width:none} figure,tr{break-inside:avoid}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _prio(p: str) -> str:
    return f'<span class="prio-{_e(p)}">{_e(p)}</span>' if p else ""


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], num_cols: Sequence[int] = ()
           ) -> str:
    """Cells are already HTML (escaped by the caller)."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        cells = (f'<td class="num">{c}</td>' if i in num_cols else f"<td>{c}</td>"
                 for i, c in enumerate(r))
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(report: DebriefReport, course: Course, plots: Sequence[tuple[str, str]],
                markers: Sequence[tuple[str, float, str]]) -> str:
    s = report.session
    sc = course.scenario
    t0, t1 = report.span
    meta = [
        ("Scenario", f"{sc.title} ({sc.id})"),
        ("Seed", str(s.seed)),
        ("Session start (case time)", format_case_time(s.start)),
        ("Session end (case time)", format_case_time(s.end)),
        ("Plotted span", f"{format_case_time(t0)} to {format_case_time(t1)}"),
        ("Recorded", f"{s.wall_time} (UTC), replay speed at start \u00d7{s.speed:g}"),
        ("Session file", s.path.name),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Debrief \u2014 {_e(sc.title)} \u2014 {_e(format_case_time(s.start))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Debrief: {_e(sc.title)}</h1>",
        f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
        '<table class="meta">',
        *(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta),
        "</table>",
        *(f'<p class="warning">{_e(w)}</p>' for w in report.warnings),
    ]
    acks = report.acknowledgements
    raised = [a for a in acks if a.event == "raise"]
    times = [a.time_to_acknowledge for a in acks if a.time_to_acknowledge is not None]
    summary = [
        f"{len(raised)} alarm(s) raised, {sum(a.acknowledged_at is not None for a in raised)} "
        "acknowledged",
        f"{len(report.injections)} injection(s) or override(s)",
    ]
    if times:
        summary.append(f"time to acknowledge: median {statistics.median(times):.0f} s, "
                       f"longest {max(times):.0f} s")
    parts += ["<h2>Summary</h2><ul>", *(f"<li>{_e(x)}</li>" for x in summary), "</ul>"]

    parts.append("<h2>Trends</h2>")
    if markers:
        parts.append('<ol class="markers">')
        parts += [f"<li>{_e(lab)} \u2014 {_e(format_case_time(t))} {_e(what)}</li>"
                  for lab, t, what in markers]
        parts.append("</ol>")
    for label, uri in plots:
        parts.append(f'<figure><img src="{uri}" alt="{_e(label)} trend"></figure>')

    parts.append("<h2>Injections and what the team did next</h2>")
    if not report.injections:
        parts.append('<p class="none">No injections or overrides in this session.</p>')
    rows = []
    for inj in report.injections:
        p = inj.perturbation
        if inj.responses:
            done = "<br>".join(
                f"+{r.delay:.0f} s ({_e(format_case_time(r.case_time))}) {_e(r.actor)}: "
                f"{_e(r.what)}" for r in inj.responses)
        else:
            done = '<span class="none">no trainee action</span>'
        rows.append([_e(format_case_time(p.start)), _e(inj.label), _e(inj.source),
                     _e(_fmt_seconds(None if math.isinf(p.end) else p.end - p.start)), done])
    if rows:
        parts.append(_table(("Start", "Injection", "Started by", "Lasted", "Actions next"),
                            rows))

    parts.append("<h2>Time to acknowledge</h2>")
    if not acks:
        parts.append('<p class="none">No alarms in this session.</p>')
    else:
        parts.append(_table(
            ("Raised", "Alarm", "Priority", "Event", "Acknowledged", "Time to acknowledge",
             "How"),
            ([_e(format_case_time(a.raised_at)), _e(f"{a.message} ({a.alarm_id})"),
              _prio(a.priority), _e(a.event),
              _e(format_case_time(a.acknowledged_at)) if a.acknowledged_at is not None else "",
              _e(a.outcome), _e(a.via)] for a in acks), num_cols=(5,)))

    parts.append("<h2>Timeline</h2>")
    parts.append(_table(
        ("Case time", "Type", "What", "Priority", "Value", "Limit"),
        ([_e(r.time_text), _e(r.type), _e(r.what), _prio(r.priority), _e(r.value),
          _e(r.limit)] for r in report.timeline), num_cols=(4, 5)))
    parts.append(f'<p class="disclaimer">{_e(DISCLAIMER)}. Values are the simulator\'s '
                 "recomputed course, not patient data.</p></body></html>")
    return "\n".join(parts) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([csv_safe(cell) for cell in r.csv_row()])
    # BOM: spreadsheet programs otherwise read the UTF-8 arrows and dashes as Latin-1.
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- building


def _check_out(session_path: Path, out_html: Path) -> Path:
    if out_html.suffix.lower() not in (".html", ".htm"):
        raise DebriefError(one_line(f"{out_html}: the report must be an .html file"))
    folder = out_html.parent
    if not folder.is_dir():
        raise DebriefError(one_line(f"{out_html}: folder {folder} does not exist"))
    if out_html.is_dir():
        raise DebriefError(one_line(f"{out_html}: is a folder"))
    csv_path = out_html.with_suffix(".csv")
    for p in (out_html, csv_path):
        if p.exists() and p.resolve() == session_path.resolve():
            raise DebriefError(one_line(f"{p}: would overwrite the session file"))
    return csv_path


def build_debrief(session_path: str | os.PathLike[str], out_html: str | os.PathLike[str]
                  ) -> DebriefReport:
    """Read a session, write OUT.html (self-contained) and OUT.csv (timeline rows).

    Raises SessionLogError (bad session file), OSError (unreadable), ReplayDataError
    (scenario gone or changed) or DebriefError (bad output path); then nothing is written."""
    session_path, out = Path(session_path), Path(out_html)
    csv_path = _check_out(session_path, out)
    session = read_session(session_path)
    course = course_for(session)
    span = plot_span(session, course)
    report = DebriefReport(
        session=session, html_path=out, csv_path=csv_path, span=span,
        timeline=timeline_rows(session, course), acknowledgements=acknowledgement_rows(session),
        injections=injection_responses(session, course), plotted=TREND_CHANNELS,
        snapshot_mismatches=snapshot_mismatches(session, course))
    if session.truncated:
        report.warnings.append("The session file ends in a cut-off line (the app stopped "
                               "while writing); everything before it is shown.")
    if report.snapshot_mismatches:
        report.warnings.append(
            f"{report.snapshot_mismatches} of {len(session.snapshots())} recorded snapshots "
            "differ from the recomputed course: the scenario or the simulator changed since "
            "the recording, so the trends may not be what the trainees saw.")

    from . import plots  # Qt only from here: the rows above work without it

    # (t, colour, dashed, legend text), numbered in time order once collected.
    marks: list[tuple[float, str, bool, str]] = []
    regions: list[plots.Region] = []
    t0, t1 = span
    for inj in report.injections:
        p = inj.perturbation
        marks.append((p.start, INJECTION_COLOUR, False, f"{inj.label} ({inj.source})"))
        regions.append(plots.Region(p.start, p.end + p.offset, INJECTION_COLOUR))
    for rec in session.perturbation_records():
        if rec.stopped is not None:
            marks.append((rec.stopped, STOP_COLOUR, False,
                          f"stopped: {perturbation_label(course, rec.perturbation)}"))
    marks += [(ev.t, EVENT_COLOUR, True, f"case event: {ev.label}")
              for ev in course.scenario.events if t0 <= ev.t <= t1]
    marks = [m for m in sorted(marks, key=lambda m: m[0]) if t0 <= m[0] <= t1]
    markers = [plots.Marker(t, str(i), colour, dashed)
               for i, (t, colour, dashed, _) in enumerate(marks, 1)]
    legend = [(str(i), t, text) for i, (t, _, _, text) in enumerate(marks, 1)]
    grid = plots.time_grid(t0, t1)
    values = course.numerics(TREND_CHANNELS, grid)
    images = []
    for ch in TREND_CHANNELS:
        png = plots.render_trend(course, ch, grid, values[ch], markers, regions)
        images.append((course.catalogue.numeric(ch).label, plots.png_data_uri(png)))
    page = render_html(report, course, images, legend)
    write_all([(str(csv_path), render_csv(report.timeline)), (str(out), page.encode("utf-8"))],
              "--out")
    return report
