"""`icu-dashboard debrief SESSION.jsonl --video`: the bedside film decoded with PyAV (its
length, rate and size; what the screen showed at known moments, against the --replay
window's own picture), the clips and their spans, the page's player, chapters and seek
links, the room camera aligned by the wall clock, and bad inputs (one line, exit 2,
nothing half-written).

A 34-second session filmed at 5 fps and 960x600 keeps this short; the 20-minute figure
is benchmarks/bench_video.py's."""

from __future__ import annotations

import base64
import errno
import os
import re
from datetime import timedelta
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import av
import numpy as np
import pytest
from video_support import Drill, record_drill, record_idle, room_video

from dashboard.cli.main import main
from dashboard.debrief.report import build_report
from dashboard.debrief.video_time import VideoTimeline, clip_spans, vtt_time
from dashboard.recording import read_session, recorded_course
from dashboard.video import debrief_video
from dashboard.video.encode import FrameEncoder
from dashboard.video.room import probe_room

FPS, W, H = 5, 960, 600
VIDEO_ARGS = ["--video", "--video-fps", str(FPS), "--video-size", f"{W}x{H}"]


def debrief(session: Path, *extra: str) -> int:
    return main(["debrief", str(session), *VIDEO_ARGS, *extra])


def debrief_room(session: Path, *extra: str) -> int:
    """At 1 fps: where the room video goes does not depend on the film's rate."""
    return main(["debrief", str(session), "--video", "--video-fps", "1", "--video-size",
                 f"{W}x{H}", *extra])


@pytest.fixture(scope="module")
def drill(tmp_path_factory) -> Drill:
    return record_drill(tmp_path_factory.mktemp("drill") / "s.jsonl")


@pytest.fixture(scope="module")
def filmed(drill: Drill) -> Drill:
    assert debrief(drill.path) == 0
    return drill


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]


def film_of(d: Drill) -> Path:
    return d.path.with_suffix(".mp4")


# --------------------------------------------------------------------------- the film


def test_the_film_runs_the_session_on_the_wall_clock_at_its_rate_and_size(filmed):
    with av.open(str(film_of(filmed))) as c:
        st = c.streams.video[0]
        assert (st.width, st.height) == (W, H)
        assert st.average_rate == Fraction(FPS)
        assert st.codec_context.name == "h264"
        n = sum(1 for _ in c.demux(st) if _.size)
        assert n == int(filmed.duration * FPS) + 1  # every frame of the session's 34 s
        assert abs(c.duration / av.time_base - (filmed.duration + 1 / FPS)) < 0.05


def _band(frame: np.ndarray) -> np.ndarray:
    """The middle band where the PAUSED mark goes."""
    h = frame.shape[0]
    return frame[h // 2 - 10:h // 2 + 10, :, :]


def test_a_pause_is_the_frame_held_with_a_paused_mark(filmed):
    fs = frames(film_of(filmed))
    p0, p1 = filmed.pause
    held = fs[round(p0 * FPS) + 1:round(p1 * FPS) - 1]
    assert len(held) >= 15
    assert all(np.abs(f.astype(int) - held[0]).mean() < 0.5 for f in held)  # nothing moves
    running = fs[round((p0 - 3) * FPS)]
    # The mark: a dark band with white letters across the middle, only while paused.
    def white(f: np.ndarray) -> float:
        return float((_band(f).min(axis=2) > 200).mean())
    assert white(held[0]) > 0.01 and white(running) < white(held[0]) / 3
    # And the case went on where it stood: the frame after the pause moves again.
    after = fs[round(p1 * FPS) + 2:round(p1 * FPS) + 4]
    assert np.abs(after[0].astype(int) - after[1]).mean() > 0.05


def _replayed_window(d: Drill, case_t: float, qapp):
    """The --replay window (MonitorSession.from_recording, the bedside role) moved on to
    `case_t`: what the trainees' screen showed then, as the app draws it."""
    from dashboard.session import MonitorSession

    rec = read_session(d.path)
    s = MonitorSession.from_recording(rec, recorded_course(rec).course, virtual_clock=True,
                                      mute=True, role="monitor", display="bed-1")
    s.window.resize(W, H)
    s.window.show()
    steps = max(1, round((case_t - rec.start) * FPS))
    s.advance_virtual(case_t - rec.start, steps)
    qapp.processEvents()
    return s


def _widget_box(window, widget) -> tuple[int, int, int, int]:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return top_left.x(), top_left.y(), widget.width(), widget.height()


def test_frames_show_what_the_bedside_window_showed_then(filmed, qapp):
    """After the pump stop (high priority): the alarm bar red, and the SpO2 tile as the
    replayed window paints it at the same case time."""
    report, _ = build_report(filmed.path, filmed.path.with_suffix(".html"))
    timeline = VideoTimeline(report.played)
    fs = frames(film_of(filmed))
    k = round((filmed.inject_at + 6) * FPS)
    m = timeline.at(k / FPS)
    assert not m.paused
    s = _replayed_window(filmed, m.case_t, qapp)
    try:
        win = s.window
        x, y, w, h = _widget_box(win, win.alarm_bar)
        bar = fs[k][y:y + h, x:x + w // 2].reshape(-1, 3).astype(int)
        reddish = (bar[:, 0] > 180) & (bar[:, 1] < 90) & (bar[:, 2] < 110)
        assert reddish.mean() > 0.05  # the high-priority alarm's red
        before = fs[round((filmed.inject_at - 2) * FPS)][y:y + h, x:x + w // 2]
        b = before.reshape(-1, 3).astype(int)
        assert ((b[:, 0] > 180) & (b[:, 1] < 90) & (b[:, 2] < 110)).mean() < reddish.mean()
        grab = win.grab().toImage().convertToFormat(win.grab().toImage().Format.Format_RGB888)
        tile = win.tiles["spo2"]
        x, y, w, h = _widget_box(win, tile)
        ref = np.frombuffer(grab.constBits(), np.uint8).reshape(
            grab.height(), grab.bytesPerLine())[:, :grab.width() * 3].reshape(
            grab.height(), grab.width(), 3)[y:y + h, x:x + w].astype(int)
        got = fs[k][y:y + h, x:x + w].astype(int)
        assert np.abs(got - ref).mean() < 8  # the same number, compression aside
        other = fs[5][y:y + h, x:x + w].astype(int)  # before the pump stop
        assert np.abs(other - ref).mean() > np.abs(got - ref).mean()
    finally:
        s.close()


def test_one_clip_per_episode_covers_its_span(filmed):
    report, _ = build_report(filmed.path, filmed.path.with_suffix(".html"))
    timeline = VideoTimeline(report.played)
    clips = clip_spans(report, timeline)
    # The pump stop and the alarms it raised seconds later: one episode, one clip, from a
    # minute before (here: the start of what was played) to three minutes after (the end).
    (pump,) = clips
    assert pump.title.startswith("Pump stop") and pump.panel == 1
    assert pump.start == 0 and abs(pump.end - filmed.duration) < 0.01
    assert abs(pump.still_at - filmed.inject_at) < 0.01
    film = frames(film_of(filmed))
    for c in clips:
        path = filmed.path.with_name(f"s-clip-{c.number}.mp4")
        got = frames(path)
        start = c.start - (c.start % 2.0)  # the key frame at or before it (every 2 s)
        first = round(start * FPS)
        assert len(got) == round(c.end * FPS) - first + 1
        assert np.array_equal(got[0], film[first]) and np.array_equal(got[-1],
                                                                      film[first + len(got) - 1])


# --------------------------------------------------------------------------- the page


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[tuple[str, str]] = []  # (data-t of the enclosing seek link, text)
        self._in: str | None = None
        self.script = ""
        self._script = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "a" and "seek" in a.get("class", ""):
            self._in = a["data-t"]
        self._script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "a":
            self._in = None
        self._script = False

    def handle_data(self, data):
        if self._in is not None:
            self.text.append((self._in, data))
        if self._script:
            self.script += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


@pytest.fixture(scope="module")
def page(filmed) -> _Page:
    p = _Page()
    p.feed(filmed.path.with_suffix(".html").read_text(encoding="utf-8"))
    return p


def test_the_page_plays_the_film_with_its_chapters(filmed, page):
    (video,) = [v for v in page.all("video") if v.get("id") == "bedside"]
    assert video["src"] == "s.mp4" and (filmed.path.parent / video["src"]).is_file()
    (track,) = page.all("track")
    assert track["kind"] == "chapters"
    prefix = "data:text/vtt;charset=utf-8;base64,"
    assert track["src"].startswith(prefix)
    vtt = base64.b64decode(track["src"][len(prefix):]).decode("utf-8")
    assert vtt.startswith("WEBVTT")
    cues = re.findall(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> .*\n(.*)$", vtt, re.M)
    pump = [t for t, text in cues if text.startswith("Pump stop")]
    assert pump and abs(_secs(pump[0]) - filmed.inject_at) < 0.3
    assert vtt_time(filmed.inject_at)[:8] == pump[0][:8]


def _secs(vtt: str) -> float:
    h, m, s = vtt.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_times_in_the_tables_seek_the_film_to_their_moment(filmed, page):
    links = [a for a in page.all("a") if "seek" in a.get("class", "")]
    assert len(links) >= 5
    for a in links:
        t = float(a["data-t"])
        assert 0 <= t <= filmed.duration + 0.01
        assert a["href"] == f"s.mp4#t={a['data-t']}"  # opens the film there without a script
    # The pump stop's row and the trainee's acknowledge, at their wall-clock moments.
    injection_row = [float(t) for t, text in page.text if ":" in text]
    assert any(abs(t - filmed.inject_at) < 0.3 for t in injection_row)
    assert any(abs(t - filmed.ack_at) < 0.3 for t in injection_row)
    # The script seeks on a click and lights the row playing; print shows no player.
    assert "a.seek" in page.script and "currentTime" in page.script
    assert "classList.add('now')" in page.script
    css = filmed.path.with_suffix(".html").read_text(encoding="utf-8")
    assert "@media print{.video,.screen-only{display:none}}" in css


def test_each_panel_has_its_still_for_print(filmed, page):
    stills = [i for i in page.all("img") if i.get("class") == "still"]
    assert stills and all(i["src"].startswith("data:image/png;base64,") for i in stills)
    assert all(base64.b64decode(i["src"].split(",", 1)[1])[:4] == b"\x89PNG" for i in stills)


# --------------------------------------------------------------------------- room camera


def _start_wall(d: Drill):
    return VideoTimeline(build_report(d.path, d.path.with_suffix(".html"))[0].played).start_wall


def _room_player(html: Path) -> dict[str, str]:
    p = _Page()
    p.feed(html.read_text(encoding="utf-8"))
    rooms = [v for v in p.all("video") if v.get("id") == "room"]
    return rooms[0] if rooms else {}


@pytest.fixture
def drill_copy(drill, tmp_path) -> Drill:
    path = tmp_path / "s.jsonl"
    path.write_bytes(drill.path.read_bytes())
    return Drill(path, drill.start, drill.inject_at, drill.pause, drill.ack_at, drill.duration)


def test_the_room_video_is_aligned_by_its_creation_time(drill_copy, tmp_path):
    start = _start_wall(drill_copy) + timedelta(seconds=5.5)
    room = room_video(tmp_path / "room.mp4", 20, start.isoformat())
    assert debrief_room(drill_copy.path, "--room-video", str(room)) == 0
    player = _room_player(drill_copy.path.with_suffix(".html"))
    assert player["src"] == "room.mp4"
    # MP4 keeps its creation time to the whole second: the offset is that second's.
    stamped = probe_room(str(room)).creation_time
    assert stamped is not None and abs((stamped - start).total_seconds()) < 1
    expected = (stamped - _start_wall(drill_copy)).total_seconds()
    assert abs(float(player["data-offset"]) - expected) < 0.002


def test_room_video_start_given_overrides_the_file(drill_copy, tmp_path, capsys):
    room = room_video(tmp_path / "room.mp4", 20, "2001-01-01T00:00:00Z")
    start = _start_wall(drill_copy) - timedelta(seconds=3)  # the camera ran first
    assert debrief_room(drill_copy.path, "--room-video", str(room),
                        "--room-video-start", start.isoformat()) == 0
    player = _room_player(drill_copy.path.with_suffix(".html"))
    # 3 s into the bedside film is the room video's first frame's... 3 s in.
    assert abs(float(player["data-offset"]) + 3.0) < 0.002


@pytest.mark.parametrize("kind", ["missing", "corrupt", "elsewhere"])
def test_a_room_video_that_cannot_be_used_is_one_line_and_the_report_is_written(
        drill_copy, tmp_path, capsys, kind):
    room = tmp_path / "room.mp4"
    if kind == "corrupt":
        room.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    elif kind == "elsewhere":  # the day before: no overlap
        room_video(room, 20, (_start_wall(drill_copy) - timedelta(days=1)).isoformat())
    capsys.readouterr()
    assert debrief_room(drill_copy.path, "--room-video", str(room)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("icu-dashboard debrief: error: --room-video")
    assert {"missing": "no such file", "corrupt": "cannot be read",
            "elsewhere": "does not overlap"}[kind] in err[0]
    html = drill_copy.path.with_suffix(".html")
    assert html.is_file() and _room_player(html) == {}
    assert drill_copy.path.with_suffix(".mp4").is_file()


# --------------------------------------------------------------------------- bad inputs


def _left(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_session_that_never_played_has_no_film(tmp_path, capsys):
    session = record_idle(tmp_path / "idle.jsonl")
    assert debrief(session) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never ran" in err[0]
    assert _left(tmp_path) == {"idle.jsonl"}


def test_a_folder_that_cannot_be_written_is_said_before_rendering(drill_copy, capsys):
    assert main(["debrief", str(drill_copy.path), "--out", "/sys/kernel/r.html",
                 *VIDEO_ARGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "/sys/kernel/r" in err[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_said_before_rendering(drill_copy, tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["debrief", str(drill_copy.path), "--out", str(out / "r.html"),
                     *VIDEO_ARGS]) == 2
        assert _left(out) == set()
    finally:
        out.chmod(0o755)


class _FillingDisk(FrameEncoder):
    """The disk fills after a few frames (as /dev/full would at once)."""

    def write(self, bgra, count=1):
        if self.frames > 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)
        super().write(bgra, count)


def test_a_disk_that_fills_while_encoding_leaves_nothing(drill_copy, monkeypatch, capsys):
    monkeypatch.setattr(debrief_video, "ENCODER", _FillingDisk)
    assert debrief(drill_copy.path) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert _left(drill_copy.path.parent) == {"s.jsonl"}  # no report, film or .part


@pytest.mark.parametrize("args, what", [
    (["--video-fps", "0"], "--video-fps 0"), (["--video-size", "641x400"], "even"),
    (["--video-size", "big"], "WIDTHxHEIGHT")])
def test_bad_video_options_are_one_line(drill_copy, capsys, args, what):
    assert main(["debrief", str(drill_copy.path), "--video", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and what in err[0]


def test_room_video_without_video_is_refused(drill_copy, capsys):
    assert main(["debrief", str(drill_copy.path), "--room-video", "x.mp4"]) == 2
    assert "--room-video needs --video" in capsys.readouterr().err


def test_ctrl_c_while_rendering_leaves_nothing(drill_copy):
    """SIGINT (as Ctrl-C sends it) once the film is being
    written: exit 130, no report, no film, no temporary file."""
    import signal
    import subprocess
    import sys
    import time

    folder = drill_copy.path.parent
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.app", "debrief",
                             str(drill_copy.path), "--video"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        # Waits on the real process (its film appearing), not on a clock of ours.
        while not any(n.endswith(".part") and ".s.mp4." in n for n in _left(folder)):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in proc.stderr.read()
    assert _left(folder) == {"s.jsonl"}
