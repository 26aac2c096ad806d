"""The trend review as a trainee uses it: opened over the waveforms, one pane per
parameter on its own scale, a cursor that reads the values, the tabular trend, labelled
event marks. Found by objectName, clock driven by hand, values checked against the
course (a pure function of case time)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.ui.trend_marks import stagger
from dashboard.ui.trend_parameters import nominal_range, pane_range, table_times
from replay_data.casetime import case_clock


def opened(make_session, start: str, size=(1600, 1000)):
    s = make_session(start, size=size)
    button = s.window.findChild(QtWidgets.QPushButton, "control.trends")
    assert button is not None and button.isVisible()
    button.click()
    QtWidgets.QApplication.processEvents()
    trends = s.window.findChild(QtWidgets.QFrame, "panel.trends")
    assert trends is s.window.trends and trends.isVisible()
    return s, trends


def fmt(course, cid: str, v: float) -> str:
    """A value as the monitor writes it (the catalogue's precision), independently of
    the view's own formatting code."""
    ch = course.catalogue.numerics[cid]
    return "---" if not math.isfinite(v) else f"{v:.{ch.precision}f}"


def click_at(plot, t: float) -> None:
    """A left click on a pane at case time t (middle of its height)."""
    vb = plot.getPlotItem().getViewBox()
    scene_pt = vb.mapViewToScene(QtCore.QPointF(t / 3600.0, sum(vb.viewRange()[1]) / 2))
    pos = plot.mapFromScene(scene_pt)

    QtCore.QCoreApplication.processEvents()
    for kind in (QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseButtonRelease):
        ev = QtGui.QMouseEvent(kind, QtCore.QPointF(pos), plot.viewport().mapToGlobal(
            QtCore.QPointF(pos)), QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.MouseButton.LeftButton if kind == QtCore.QEvent.Type.MouseButtonPress
            else QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(plot.viewport(), ev)


# ------------------------------------------------------------------ opening


def test_trends_open_over_the_waveforms_and_the_numerics_stay(make_session, qtbot):
    s = make_session("ecmo_start+1h")
    w = s.window
    assert w.trends.isHidden() and all(st.isVisible() for st in w.strips.values())
    qtbot.keyClick(w, QtCore.Qt.Key.Key_T)
    assert w.trends.isVisible()
    assert not any(st.isVisible() for st in w.strips.values())
    for name in ("numeric.hr", "numeric.spo2", "numeric.abp_sys", "numeric.ecmo_flow"):
        assert w.findChild(QtWidgets.QLabel, name).isVisible(), name
    w.findChild(QtWidgets.QPushButton, "trend.close").click()
    assert w.trends.isHidden() and all(st.isVisible() for st in w.strips.values())


def test_the_instructors_copy_has_no_trend_review(make_session):
    s = make_session("ecmo_start+1h", instructor=True)
    mirror = s.console.mirror
    assert mirror.findChild(QtWidgets.QPushButton, "control.trends") is None
    mirror.show_trends(True)
    assert mirror.trends.isHidden()


# ------------------------------------------------------------------ panes


def test_each_pane_has_its_scale_values_on_its_axis_and_the_course_values(make_session):
    s, trends = opened(make_session, "abg_pre_ecmo+10m")
    course = s.course
    cat = course.catalogue
    t = s.clock.case_time()
    for key in ("hr", "spo2", "abp", "ecmo_flow", "svo2"):
        plot = s.window.findChild(QtWidgets.QWidget, f"trend.pane.{key}")
        assert plot is not None and plot.isVisible(), key
        pane = trends.panes[key]
        lo, hi = pane.y_range
        y0, y1 = plot.getPlotItem().getViewBox().viewRange()[1]
        assert y0 <= lo and y1 >= hi
        # Values on its own axis: tick labels inside its scale.
        axis = plot.getPlotItem().getAxis("left")
        assert axis.isVisible() and axis.style["showValues"]
        ticks = [v for level in axis.tickValues(y0, y1, plot.height()) for v in level[1]]
        assert ticks and all(y0 <= v <= y1 for v in ticks), key
        # Every point drawn is the course's value at its time, and inside the scale.
        for cid, curve in pane.curves.items():
            x, y = curve.getData()
            tt = np.asarray(x) * 3600.0
            assert tt[-1] == pytest.approx(t) and tt[0] == pytest.approx(t - 3600)
            np.testing.assert_allclose(y, course.numeric(cid, tt), equal_nan=True)
            finite = np.asarray(y)[np.isfinite(y)]
            assert finite.size == 0 or (finite.min() >= lo and finite.max() <= hi), cid
    # Fixed scales from the catalogue: SpO2 around 60 % before ECMO reads on 50-100.
    assert trends.panes["spo2"].y_range == cat.numerics["spo2"].trend
    assert trends.panes["hr"].y_range == cat.numerics["hr"].trend
    # No circuit yet: the flow pane has nothing drawn and keeps its scale.
    assert trends.panes["ecmo_flow"].y_range == cat.numerics["ecmo_flow"].trend


def test_a_scale_expands_when_values_leave_it(make_session):
    s, trends = opened(make_session, "ecmo_start+1d")
    hi_nominal = s.course.catalogue.numerics["hr"].trend[1]
    assert trends.panes["hr"].y_range[1] == hi_nominal
    s.override("hr", 210.0, transition=10.0)
    s.advance_virtual(120, frames=20)
    trends.show_time(s.clock.case_time())
    lo, hi = trends.panes["hr"].y_range
    _, y = trends.curves["hr"].getData()
    assert np.nanmax(y) > hi_nominal and hi >= np.nanmax(y)


def test_alarm_limits_are_dashed_lines_that_follow_the_limits(make_session):
    s, trends = opened(make_session, "ecmo_start+1d")
    low, high = s.controller.alarms.limits("hr")
    assert trends.panes["hr"].limits_shown() == (low, high)
    flow_low, _ = s.controller.alarms.limits("ecmo_flow")
    assert trends.panes["ecmo_flow"].limits_shown()[0] == flow_low
    s.window.request("limits", parameter="hr", low=45.0, high=125.0)
    assert trends.panes["hr"].limits_shown() == (45.0, 125.0)
    # A jump rebuilds the controller's alarm engine; the lines still show its limits.
    s.window.seek(s.clock.case_time() - 600)
    assert trends.panes["hr"].limits_shown() == s.controller.alarms.limits("hr") \
        == (45.0, 125.0)
    line = trends.panes["hr"].limit_lines[1]
    assert line.pen.style() == QtCore.Qt.PenStyle.DashLine


def test_the_fifth_pane_is_the_trainees_choice(make_session):
    s, trends = opened(make_session, "ecmo_start+1d")
    combo = s.window.findChild(QtWidgets.QComboBox, "trend.choice")
    choices = [combo.itemData(i) for i in range(combo.count())]
    assert {"etco2", "cvp", "svo2", "p_venous", "temp"} <= set(choices)
    assert not {"hr", "spo2", "ecmo_flow", "abp_mean"} & set(choices)
    combo.setCurrentIndex(combo.findData("cvp"))
    combo.activated.emit(combo.currentIndex())
    pane = s.window.findChild(QtWidgets.QWidget, "trend.pane.cvp")
    assert pane is not None and pane.isVisible()
    assert s.window.findChild(QtWidgets.QWidget, "trend.pane.svo2") is None
    x, y = trends.curves["cvp"].getData()
    np.testing.assert_allclose(y, s.course.numeric("cvp", np.asarray(x) * 3600.0))
    name = s.window.findChild(QtWidgets.QLabel, "trend.label.cvp")
    assert name.text() == "CVP\nmmHg"
    with pytest.raises(ValueError):
        trends.set_choice("hr")


def test_the_ventilator_numerics_can_be_trended(make_session):
    """The ventilator's computed numerics (Vt, Ppeak, driving pressure...) are channels
    like any other: the trainee can put the tidal volume in the fifth pane and read the
    same values the ventilator shows, on a fixed 0-800 mL scale."""
    s, trends = opened(make_session, "ecmo_start+1d")
    combo = s.window.findChild(QtWidgets.QComboBox, "trend.choice")
    choices = {combo.itemData(i) for i in range(combo.count())}
    assert {"vt", "ppeak", "pplat", "driving_pressure", "mv"} <= choices
    combo.setCurrentIndex(combo.findData("vt"))
    combo.activated.emit(combo.currentIndex())
    x, y = trends.curves["vt"].getData()
    assert len(x) > 10
    np.testing.assert_allclose(y, s.course.numeric("vt", np.asarray(x) * 3600.0))
    assert 100 < float(np.nanmedian(y)) < 800  # a tidal volume in mL, on the pane's scale
    name = s.window.findChild(QtWidgets.QLabel, "trend.label.vt")
    assert name.text() == "Vt\nmL"


# ------------------------------------------------------------------ cursor


def expected_readout(course, t: float, which: str, fifth: str) -> str:
    v = {c: float(course.numeric(c, [t])[0]) for c in
         ("hr", "spo2", "abp_sys", "abp_dia", "abp_mean", "ecmo_flow", fifth)}
    ch = course.catalogue.numerics[fifth]
    return (f"{which} {case_clock(t, seconds=True)} · HR {fmt(course, 'hr', v['hr'])} /min · "
            f"SpO2 {fmt(course, 'spo2', v['spo2'])} % · "
            f"ABP {fmt(course, 'abp_sys', v['abp_sys'])}/{fmt(course, 'abp_dia', v['abp_dia'])}"
            f" ({fmt(course, 'abp_mean', v['abp_mean'])}) mmHg · "
            f"Blood flow {fmt(course, 'ecmo_flow', v['ecmo_flow'])} L/min · "
            f"{ch.label} {fmt(course, fifth, v[fifth])} {ch.unit}")


def test_cursor_reads_every_pane_at_a_clicked_time_and_steps_with_the_arrows(
        make_session, qtbot):
    s, trends = opened(make_session, "ecmo_start+20m")
    course = s.course
    now = s.clock.case_time()
    readout = s.window.findChild(QtWidgets.QLabel, "trend.cursor.readout")
    assert readout.text() == expected_readout(course, math.floor(now), "Latest", "svo2")
    # Click on the SpO2 pane 40 minutes back: before the pump, SpO2 about 60 %.
    target = now - 2400
    click_at(s.window.findChild(QtWidgets.QWidget, "trend.pane.spo2"), target)
    t = trends.cursor_t
    assert t is not None and abs(t - target) <= 10 and t == round(t)
    assert readout.text() == expected_readout(course, t, "Cursor", "svo2")
    spo2 = s.window.findChild(QtWidgets.QLabel, "trend.value.spo2")
    assert spo2.text() == fmt(course, "spo2", float(course.numeric("spo2", [t])[0]))
    assert float(spo2.text()) < 75
    assert s.window.findChild(QtWidgets.QLabel, "trend.value.ecmo_flow").text() == "---"
    # Every pane's cursor line is at that time.
    for pane in trends.panes.values():
        assert pane.cursor.value() * 3600.0 == pytest.approx(t)
    # Arrow keys step it by a 60th of the window (1 min at 1 h); the clock is untouched.
    qtbot.keyClick(trends, QtCore.Qt.Key.Key_Right)
    assert trends.cursor_t == t + 60
    qtbot.keyClick(trends, QtCore.Qt.Key.Key_Left, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert trends.cursor_t == t + 60 - 600
    assert s.clock.case_time() == now
    assert readout.text() == expected_readout(course, t - 540, "Cursor", "svo2")
    # The case goes on; the pinned cursor stays where it was put.
    s.advance_virtual(30, frames=5)
    assert trends.cursor_t == t - 540
    qtbot.keyClick(trends, QtCore.Qt.Key.Key_End)
    assert trends.cursor_t is None and readout.text().startswith("Latest")
    # On a touch screen: the Latest button. And a cursor left behind by a narrower
    # window sits at its left edge.
    trends.set_cursor(t)
    s.window.findChild(QtWidgets.QPushButton, "trend.cursor.latest").click()
    assert trends.cursor_t is None
    trends.set_cursor(t)
    s.window.findChild(QtWidgets.QPushButton, "control.trend_window.15min").click()
    assert trends.cursor_t == math.ceil(s.clock.case_time() - 900)


def test_drag_moves_the_cursor(make_session):
    s, trends = opened(make_session, "ecmo_start+20m")
    plot = s.window.findChild(QtWidgets.QWidget, "trend.pane.hr")
    vb = plot.getPlotItem().getViewBox()

    class Drag:
        def __init__(self, t: float) -> None:
            self._pos = vb.mapViewToScene(QtCore.QPointF(t / 3600.0, 100.0))
            self.accepted = False

        def button(self):
            return QtCore.Qt.MouseButton.LeftButton

        def scenePos(self):
            return self._pos

        def accept(self) -> None:
            self.accepted = True

    now = s.clock.case_time()
    for back in (1800, 1200, 600):
        ev = Drag(now - back)
        vb.mouseDragEvent(ev)
        assert ev.accepted and abs(trends.cursor_t - (now - back)) <= 10


# ------------------------------------------------------------------ table


def test_tabular_trend_every_15_minutes(make_session):
    s, trends = opened(make_session, "abg_pre_ecmo+50m")
    course = s.course
    tabs = s.window.findChild(QtWidgets.QTabWidget, "trend.tabs")
    tabs.setCurrentIndex(tabs.indexOf(s.window.findChild(QtWidgets.QWidget, "trend.tabular")))
    table = s.window.findChild(QtWidgets.QTableView, "trend.table")
    interval = s.window.findChild(QtWidgets.QComboBox, "trend.table.interval")
    assert table.isVisible() and interval.currentText() == "15 min"
    model = table.model()
    now = s.clock.case_time()
    expected_times = [t for t in range(int(now - 3600), int(now) + 1) if t % 900 == 0][::-1]
    assert model.rowCount() == len(expected_times) == 4
    heads = [model.headerData(r, QtCore.Qt.Orientation.Vertical) for r in range(4)]
    assert heads == [case_clock(t) for t in expected_times]
    cols = [model.headerData(c, QtCore.Qt.Orientation.Horizontal)
            for c in range(model.columnCount())]
    assert cols == ["HR /min", "SpO2 %", "ABP mmHg", "Blood flow L/min", "SvO2 %"]
    cat = course.catalogue
    for r, t in enumerate(expected_times):
        v = {c: float(course.numeric(c, [t])[0]) for c in ("hr", "spo2", "ecmo_flow")}
        spo2 = model.data(model.index(r, 1))
        lo, hi = cat.numerics["spo2"].normal
        flag = " L" if v["spo2"] < lo else " H" if v["spo2"] > hi else ""
        assert spo2 == fmt(course, "spo2", v["spo2"]) + flag
        hr_lo, hr_hi = cat.numerics["hr"].normal
        hr_flag = " L" if v["hr"] < hr_lo else " H" if v["hr"] > hr_hi else ""
        assert model.data(model.index(r, 0)) == fmt(course, "hr", v["hr"]) + hr_flag
        assert model.data(model.index(r, 3)) == "---"  # no circuit before ECMO
    # Before ECMO the saturation is abnormal: flagged low, marked in a warning colour.
    assert model.data(model.index(3, 1)).endswith(" L")
    brush = model.data(model.index(3, 1), QtCore.Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() in ("#ffea00", "#ff5252")
    # A double-click on a row shows that time on the graphical trends, cursor on it.
    table.doubleClicked.emit(model.index(2, 0))
    assert tabs.currentWidget().objectName() == "trend.graphical"
    assert trends.cursor_t == expected_times[2]
    tabs.setCurrentIndex(1)
    interval.setCurrentIndex(interval.findData(300.0))
    assert model.rowCount() == len([t for t in range(int(now - 3600), int(now) + 1)
                                    if t % 300 == 0])


# ------------------------------------------------------------------ marks and alarms


def test_a_pump_stop_shows_as_a_labelled_mark_and_the_flow_pane_drops(make_session):
    s, trends = opened(make_session, "ecmo_start+1d", size=(1366, 768))
    s.inject("pump_stop", duration=120)
    stop = s.perturbations[-1].start
    s.advance_virtual(180, frames=30)
    trends.show_time(s.clock.case_time())
    QtWidgets.QApplication.processEvents()
    label = s.course.scenario.injections["pump_stop"].label
    texts = dict((full, shown) for shown, full in trends.label_texts())
    full = next(f for f in texts if f.startswith(label))
    shown = texts[full]
    assert len(shown) >= 8 and full.startswith(shown.rstrip("…"))
    x, y = trends.curves["ecmo_flow"].getData()
    t = np.asarray(x) * 3600.0
    during = np.asarray(y)[(t > stop + 20) & (t < stop + 100)]
    before = np.asarray(y)[t < stop - 60]
    assert len(during) >= 8
    assert np.nanmax(during) < 1.0 < np.nanmin(before)
    # The mark's line is on the flow pane at the stop.
    mx, _ = trends.panes["ecmo_flow"].marks["injection"].getData()
    assert any(abs(v * 3600.0 - stop) < 1 for v in mx)
    trends.update_alarm_bars_now()
    assert any(iv.alarm_id.startswith("ecmo") or "flow" in iv.alarm_id
               for iv in trends.alarm_intervals)


def test_event_labels_do_not_overlap_in_a_crowded_window(make_session):
    s, trends = opened(make_session, "ecmo_start+1d", size=(1366, 768))
    s.window.findChild(QtWidgets.QPushButton, "control.trend_window.course").click()
    trends.show_time(s.clock.case_time())
    QtWidgets.QApplication.processEvents()
    assert len(trends.shown_marks) >= 10
    rects = []
    for item in trends.label_items:
        if item.isVisible() and item.textItem.toPlainText():
            rects.append(item.mapRectToScene(item.boundingRect()))
    assert len(rects) >= 5
    for a, b in itertools.combinations(rects, 2):
        inter = a.intersected(b)
        assert inter.width() < 1 or inter.height() < 1, (a, b)
    # Every label is inside the lane (none runs off its right edge).
    lane = trends.events_view.mapRectToScene(trends.events_view.boundingRect())
    for r in rects:
        assert r.right() <= lane.right() + 1 and r.left() >= lane.left() - 1


def test_marks_never_show_the_future(make_session):
    s, trends = opened(make_session, "abg_pre_ecmo+10m")
    now = s.clock.case_time()
    assert trends.shown_marks and all(m.t <= now for m in trends.shown_marks)
    assert "ECMO pump on" not in [m.label for m in trends.shown_marks]


def test_window_buttons(make_session):
    s, trends = opened(make_session, "ecmo_start+1d")
    now = s.clock.case_time()
    for name, span in (("15min", 900), ("1h", 3600), ("4h", 14400), ("8h", 28800),
                       ("24h", 86400)):
        s.window.findChild(QtWidgets.QPushButton, f"control.trend_window.{name}").click()
        x, _ = trends.curves["hr"].getData()
        assert x[0] * 3600.0 == pytest.approx(now - span) and x[-1] * 3600 == pytest.approx(now)


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", ["trend.graphical", "trend.tabular"])
def test_review_fits_and_nothing_overlaps(make_session, size, tab):
    s, trends = opened(make_session, "ecmo_start+1d", size=size)
    w = s.window
    tabs = w.findChild(QtWidgets.QTabWidget, "trend.tabs")
    tabs.setCurrentIndex(tabs.indexOf(w.findChild(QtWidgets.QWidget, tab)))
    QtWidgets.QApplication.processEvents()
    win = w.rect()
    rects = []
    for c in w.findChildren(QtWidgets.QWidget):
        name = c.objectName()
        if not c.isVisible() or not (name.startswith("trend.") or name.startswith("control.")
                                     or name.startswith("numeric.")):
            continue
        if name in ("trend.tabs", "trend.graphical", "trend.tabular") \
                or name.startswith("trend.row."):
            continue  # containers
        r = QtCore.QRect(c.mapTo(w, QtCore.QPoint(0, 0)), c.size())
        assert win.contains(r), f"{name} {r} outside the {size} window"
        assert r.width() > 0 and r.height() > 0, name
        rects.append((name, r))
    names = [n for n, _ in rects]
    if tab == "trend.graphical":
        for key in ("hr", "spo2", "abp", "ecmo_flow", "svo2", "events", "alarms"):
            assert f"trend.pane.{key}" in names, key
        assert "trend.cursor.readout" in names
        # Panes tall enough to read a scale: at least 45 px each at 1366x768.
        for key in ("hr", "spo2", "abp", "ecmo_flow", "svo2"):
            assert w.findChild(QtWidgets.QWidget, f"trend.pane.{key}").height() >= 45, key
    else:
        assert "trend.table" in names and "trend.table.interval" in names
    for (n1, r1), (n2, r2) in itertools.combinations(rects, 2):
        assert not r1.intersects(r2), f"{n1} {r1} overlaps {n2} {r2} at {size}"
    # Texts are not cut: the readout's wrapped text fits its height, the buttons' text
    # fits their width.
    for name, _ in rects:
        c = w.findChild(QtWidgets.QWidget, name)
        if isinstance(c, QtWidgets.QPushButton):
            fm = QtGui.QFontMetrics(c.font())
            assert fm.horizontalAdvance(c.text()) <= c.width(), name
        if isinstance(c, QtWidgets.QLabel) and c.text():
            fm = QtGui.QFontMetrics(c.font())
            flags = int(QtCore.Qt.TextFlag.TextWordWrap) if c.wordWrap() else 0
            need = fm.boundingRect(QtCore.QRect(0, 0, c.width(), 10000), flags, c.text())
            assert need.height() <= c.height() + 2, f"{name} text cut at {size}"
            assert need.width() <= c.width() + 2, f"{name} text cut at {size}"


# ------------------------------------------------------------------ pure parts


def test_stagger_keeps_labels_apart_on_each_row():
    rng = np.random.default_rng(1)
    xs = sorted(rng.uniform(0, 600, 40).tolist())
    widths = rng.uniform(40, 200, 40).tolist()
    placed = stagger(xs, widths, 3)
    for r in range(3):
        row = [(x, p.width_px) for x, p in zip(xs, placed, strict=True) if p.row == r]
        for (x1, w1), (x2, _) in itertools.pairwise(row):
            assert x1 + w1 <= x2, (x1, w1, x2)
    # Labels far apart keep their full width on the first row.
    far = stagger([0, 300, 600], [100, 100, 100], 3)
    assert [(p.row, p.width_px) for p in far] == [(0, 100), (0, 100), (0, 100)]


def test_scales_and_table_times(case_course):
    cat = case_course.catalogue
    assert nominal_range(cat.numerics["hr"]) == cat.numerics["hr"].trend
    lo, hi = nominal_range(cat.numerics["cvp"])  # normal 2-8: -4..14
    assert (lo, hi) == (-4, 14)
    assert pane_range((30, 180), np.array([80.0, np.nan])) == (30, 180)
    lo, hi = pane_range((30, 180), np.array([100.0, 200.0]))
    assert lo == 30 and hi > 200
    assert list(table_times(3600 * 17 + 10, 3600 * 18 + 5, 900)) == [
        3600 * 18, 3600 * 17 + 2700, 3600 * 17 + 1800, 3600 * 17 + 900]
    assert table_times(100, 200, 900).size == 0


def test_marks_name_injections_overrides_and_the_teams_settings(case_course):
    from dashboard.ui.trend_marks import course_marks
    from replay_data.controls import control_perturbation
    from replay_data.perturbations import injection, override

    sc = case_course.scenario
    t = sc.resolve("ecmo_start+1d")
    perts = [injection(sc, "pump_stop:drainage_clamped", t + 60, duration=120),
             override("spo2", 85.0, t + 120, 60.0)]
    course = case_course.with_perturbations(perts)
    team = control_perturbation(course, "control.ecmo.rpm", 2500.0, t + 200, "team-1")
    clamp = control_perturbation(course, "control.ecmo.clamp_drainage", 1.0, t + 210,
                                 "team-2")
    course = course.with_perturbations([*perts, team, clamp])
    marks = [m for m in course_marks(course) if m.t > t]
    got = [(m.t - t, m.label, m.kind) for m in marks if m.t - t <= 300]
    spec = sc.injections["pump_stop"]
    assert got == [
        (60, f"{spec.label} ({spec.variants['drainage_clamped'].label})", "injection"),
        (120, "Override SpO2 to 85 %", "override"),
        (200, "Team: Pump speed 2500 rpm", "team"),
        (210, "Team: Drainage clamp on", "team"),
    ]
    times = [m.t for m in course_marks(course)]
    assert times == sorted(times)


def test_closed_review_samples_nothing_and_open_review_not_every_frame(make_session,
                                                                      monkeypatch):
    s = make_session("ecmo_start+1h")
    trends = s.window.trends
    calls: list[float] = []
    original = trends._sample
    monkeypatch.setattr(trends, "_sample", lambda *a: (calls.append(a[2]), original(*a)))
    s.advance_virtual(60, frames=60)
    assert calls == []
    s.window.show_trends(True)
    calls.clear()
    # 120 frames over 12 wall seconds at 1x: recomputed only when the hour's window
    # moves by a 600th (6 s), not every frame.
    for _ in range(120):
        s.advance_virtual(0.1, frames=1)
    assert 1 <= len(calls) <= 3


def test_the_bedside_marks_only_what_a_monitor_would_know(case_course):
    """The trainees' trend review never names the instructor's injections or
    overrides (it would give the diagnosis away); the team's own settings stay."""
    from dashboard.ui.trend_marks import course_marks
    from replay_data.controls import control_perturbation
    from replay_data.perturbations import injection, override

    sc = case_course.scenario
    t = sc.resolve("ecmo_start+1d")
    perts = [injection(sc, "pump_stop:clamped", t + 60, duration=120),
             override("spo2", 85.0, t + 120, 60.0)]
    course = case_course.with_perturbations(perts)
    clamp = control_perturbation(course, "control.ecmo.clamp_drainage", 1.0, t + 210,
                                 "team-2")
    course = course.with_perturbations([*perts, clamp])
    bedside = [(m.t - t, m.label, m.kind) for m in course_marks(course, bedside=True)
               if 0 < m.t - t <= 300]
    assert bedside == [(210, "Team: Drainage clamp on", "team")]
    assert {m.kind for m in course_marks(course, bedside=True)} <= {"event", "team"}
    # The instructor's own copy and the demo keep every mark.
    full = course_marks(course)
    assert [m for m in full if m.kind in ("event", "team")] == \
        course_marks(course, bedside=True)
    assert {"injection", "override"} <= {m.kind for m in full}


def test_the_trainees_trend_review_of_the_drill_names_no_injection(make_session):
    from replay_data.course import Course
    from replay_data.scenario import load_scenario

    course = Course(load_scenario("pump_stop_day2"), 0)
    s = make_session(None, course=course, role="monitor", size=(1366, 768))
    s.advance_virtual(200, frames=20)
    s.window.show_trends(True)
    trends = s.window.trends
    trends.show_time(s.clock.case_time())
    QtWidgets.QApplication.processEvents()
    names = [spec.label for spec in s.course.scenario.injections.values()]
    shown = [full for _shown, full in trends.label_texts()]
    assert all(not any(n in text for n in names) for text in shown), shown
    assert {m.kind for m in trends.shown_marks} <= {"event", "team"}
    # The marks' lines on the panes: none for injections or overrides either.
    for pane in trends.panes.values():
        for kind in ("injection", "override"):
            if kind in pane.marks:
                xs = pane.marks[kind].getData()[0]
                assert xs is None or len(xs) == 0, (pane, kind)
