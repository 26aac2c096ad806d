"""What the screen looks like: nothing overlaps at the sizes trainers use, and every strip
really draws its trace in its colour."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

SIZES = [(1366, 768), (1600, 1000), (1920, 1080)]


def _visible_leaf_rects(window: QtWidgets.QWidget) -> list[tuple[str, QtCore.QRect]]:
    out = []
    for w in window.findChildren(QtWidgets.QWidget):
        if not w.isVisible() or not w.objectName():
            continue
        if not isinstance(w, QtWidgets.QLabel | QtWidgets.QAbstractButton | QtWidgets.QComboBox
                          | QtWidgets.QSlider):
            continue
        top_left = w.mapTo(window, QtCore.QPoint(0, 0))
        out.append((w.objectName(), QtCore.QRect(top_left, w.size())))
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_overlap_and_nothing_clipped(make_session, size):
    s = make_session("ecmo_start+10m", size=size)
    w = s.window
    QtWidgets.QApplication.processEvents()
    rects = _visible_leaf_rects(w)
    assert len(rects) > 40
    win = w.rect()
    for name, r in rects:
        assert win.contains(r), f"{name} {r} outside the {size} window"
        assert r.width() > 0 and r.height() > 0, name
    # Overlay labels inside a strip sit on the strip by design; compare only widgets
    # that are not inside one another.
    for (n1, r1), (n2, r2) in itertools.combinations(rects, 2):
        if n1.startswith("waveform.") or n2.startswith("waveform."):
            continue
        assert not r1.intersects(r2), f"{n1} {r1} overlaps {n2} {r2} at {size}"
    # Value text fits its label (no clipped digits).
    for name, _ in rects:
        lab = w.findChild(QtWidgets.QLabel, name)
        if lab is None or not name.startswith("numeric."):
            continue
        fm = QtGui.QFontMetrics(lab.font())
        assert fm.horizontalAdvance(lab.text()) <= lab.width() + 1, \
            f"{name} text {lab.text()!r} clipped at {size}"
        assert fm.height() <= lab.height() + 2, f"{name} too short at {size}"


def _colour_pixels(img: QtGui.QImage, colour: str) -> int:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = img.constBits()
    rows = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
    arr = rows[:, :img.width() * 4]
    arr = arr.reshape(img.height(), img.width(), 4)
    c = QtGui.QColor(colour)
    b, g, r = arr[..., 0].astype(int), arr[..., 1].astype(int), arr[..., 2].astype(int)
    close = (abs(r - c.red()) < 40) & (abs(g - c.green()) < 40) & (abs(b - c.blue()) < 40)
    return int(close.sum())


def test_each_strip_shows_its_trace_in_its_colour(make_session):
    s = make_session("ecmo_start+1h")
    s.advance_virtual(10, frames=10)
    QtWidgets.QApplication.processEvents()
    for sig, strip in s.window.strips.items():
        img = strip.plot.grab().toImage()
        n = _colour_pixels(img, strip.signal.colour)
        # A trace is a line across the strip: at least ~half the width in pixels.
        assert n > img.width() // 2, f"{sig}: only {n} pixels in {strip.signal.colour}"
        trace = strip.visible_trace()
        assert np.isfinite(trace).mean() > 0.8, sig


def test_screenshot_is_a_real_picture(make_session, tmp_path):
    s = make_session("abg_pre_ecmo-5m")
    path = tmp_path / "frame.png"
    assert s.window.grab().save(str(path), "PNG")
    img = QtGui.QImage(str(path))
    assert img.width() == 1600 and img.height() == 1000


def test_partial_repaint_draws_the_trace(make_session):
    """A real window repaints only the rectangle around the cursor; drawing must work for
    a partial region too, not only for a whole-widget grab (a clip set in data units once
    left real X11 windows nearly blank while offscreen grabs looked right)."""
    s = make_session("ecmo_start+1h")
    canvas = s.window.strips["ecg_ii"].plot
    w, h = canvas.width(), canvas.height()
    region = QtCore.QRect(w // 3, 0, w // 6, h)
    pix = QtGui.QPixmap(w, h)
    pix.fill(QtGui.QColor("#000000"))
    # render() puts the region's top-left at the target offset.
    canvas.render(pix, QtCore.QPoint(0, 0), QtGui.QRegion(region))
    img = pix.toImage().copy(0, 0, region.width(), h)
    assert _colour_pixels(img, s.window.strips["ecg_ii"].signal.colour) > region.width() // 2


@pytest.mark.parametrize("scenario, start", [(None, None), ("pump_stop_day2", 200.0)],
                         ids=["case_ards_ventilation", "pump_stop_drill"])
def test_the_monitor_fits_half_a_full_hd_screen_and_a_laptop(qtbot, case_course, scenario,
                                                             start):
    """Its minimum fits beside the console on 1920x1080 (half of it, frame included)
    and all of 1366x768 less the task bar and title bar, with the waveforms or the trend
    review showing: it never grows past its place."""
    from dashboard.session import MonitorSession
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    course = case_course if scenario is None else Course(load_scenario(scenario), 0)
    s = MonitorSession.create(course, role="monitor", virtual_clock=True, mute=True)
    try:
        if start is not None:
            s.advance_virtual(start, frames=20)  # five alarms on the bar
        for trends in (False, True):
            s.window.show_trends(trends)
            need = s.window.minimumSizeHint().expandedTo(s.window.minimumSize())
            assert need.width() <= 940 and need.height() <= 700, (trends, need)
    finally:
        s.close()


def _whole(label: QtWidgets.QLabel) -> bool:
    fm = QtGui.QFontMetrics(label.font())
    box = label.contentsRect()
    if any(fm.horizontalAdvance(word) > box.width() for word in label.text().split()):
        return False
    needed = fm.boundingRect(QtCore.QRect(0, 0, box.width(), 100000),
                             int(QtCore.Qt.TextFlag.TextWordWrap), label.text())
    return needed.height() <= box.height()


@pytest.mark.parametrize("size", [(1020, 1040), (960, 1040), (1366, 768)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_active_alarm_is_listed_on_the_bar(make_session, size):
    """The pump stop drill 600 s in (7 min of untreated pump stop: desaturation, no flow,
    the pump stopped and the hypoxic heart's hypotension): every active alarm has its own
    line on the bar, highest priority first in each block, whole and inside the bar, and
    the window kept its size."""
    from dashboard.ui.alarm_bar import alarm_text
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    s = make_session(None, course=Course(load_scenario("pump_stop_day2"), 0), role="monitor",
                     size=size)
    s.advance_virtual(600, frames=20)
    QtWidgets.QApplication.processEvents()
    w = s.window
    active = s.alarms.active_alarms()
    assert len(active) >= 4, [a.text for a in active]
    bar = w.findChild(QtWidgets.QFrame, "alarm.bar")
    bar_rect = QtCore.QRect(bar.mapTo(w, QtCore.QPoint(0, 0)), bar.size())
    entries = [e for e in bar.findChildren(QtWidgets.QLabel, "alarm.entry") if e.isVisible()]
    assert sorted(e.property("alarm_id") for e in entries) == \
        sorted(a.alarm_id for a in active)
    for e in entries:
        r = QtCore.QRect(e.mapTo(w, QtCore.QPoint(0, 0)), e.size())
        assert bar_rect.contains(r), (e.text(), r, bar_rect)
        assert _whole(e), (e.text(), e.size())
        a = next(a for a in active if a.alarm_id == e.property("alarm_id"))
        assert e.text() == alarm_text(a)
    for block in ("alarm.physiological", "alarm.technical"):
        shown = [e.property("alarm_id") for e in w.findChild(QtWidgets.QWidget, block)
                 .findChildren(QtWidgets.QLabel, "alarm.entry")]
        ranks = [next(a.priority for a in active if a.alarm_id == i) for i in shown]
        assert ranks == sorted(ranks, reverse=True), ranks
    assert (w.width(), w.height()) == size


def test_a_sweep_painted_frame_by_frame_is_what_a_whole_repaint_shows(make_session):
    """Each frame repaints only the millimetres at the cursor; after a few seconds of
    sweeping, what is on the screen (the window's backing store, as the offscreen
    platform grabs it) is pixel for pixel what painting each strip whole shows: no
    stale trace left in the erase gap, no piece of line missing at a sliver's edge."""
    s = make_session("ecmo_start+1h")
    w = s.window
    for _ in range(200):  # over three seconds at 60 frames a second
        s.wall.now += 1 / 60
        s.frame()
        QtWidgets.QApplication.processEvents()
    screen = w.screen().grabWindow(w.winId()).toImage()
    for sid, strip in w.strips.items():
        canvas = strip.plot
        top_left = canvas.mapTo(w, QtCore.QPoint(0, 0))
        shown = screen.copy(QtCore.QRect(top_left, canvas.size()))
        whole = canvas.grab().toImage()
        assert shown.size() == whole.size()
        colour = strip.signal.colour
        assert _colour_pixels(whole, colour) > canvas.width() // 2, sid
        mask_shown, mask_whole = _trace_mask(shown, colour), _trace_mask(whole, colour)
        overlays = [lab.geometry() for lab in
                    (strip.title, strip.scale, strip.scale_low, strip.status) if lab.isVisible()]
        # A cosmetic line's end pixel at a join may fall either side of it (Qt's stroker
        # does not draw a polyline's joints twice): a pixel that differs where both
        # pictures draw the trace within a pixel of it is that, not a stale or lost line.
        near_shown, near_whole = _dilated(mask_shown), _dilated(mask_whole)
        ys, xs = np.nonzero((mask_shown != mask_whole) & ~(near_shown & near_whole))
        bad = [(int(x), int(y)) for x, y in zip(xs, ys, strict=True)
               if not any(r.contains(int(x), int(y)) for r in overlays)]
        assert not bad, f"{sid}: {len(bad)} pixels differ, first at {bad[:3]}"


def _trace_mask(img: QtGui.QImage, colour: str) -> np.ndarray:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    arr = rows[:, :img.width() * 4].reshape(img.height(), img.width(), 4).astype(int)
    c = QtGui.QColor(colour)
    return ((abs(arr[..., 2] - c.red()) < 40) & (abs(arr[..., 1] - c.green()) < 40)
            & (abs(arr[..., 0] - c.blue()) < 40))


def _dilated(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    for dy, dx in itertools.product((-1, 0, 1), repeat=2):
        out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out
