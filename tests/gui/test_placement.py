"""Where the windows of each role go, for screens of every size the labs have: none
stacked at the corner, none off its screen, none over another, --size honoured."""

from __future__ import annotations

import itertools

import pytest
from PySide6 import QtCore, QtWidgets

from dashboard.ui.placement import (
    CONSOLE,
    MONITOR,
    arrange,
    place_bedside,
    place_instructor,
    team_key,
)

R, S = QtCore.QRect, QtCore.QSize
HD = R(0, 0, 1920, 1040)  # 1920x1080 less a 40 px panel
SMALL = R(0, 0, 1366, 738)  # 1366x768 less a 30 px panel
SECOND = R(1920, 0, 1920, 1080)
# Minimum sizes as the windows ask for them (the monitor fits half of 1920).
MON, CON = S(940, 620), S(900, 640)
ECMO, VENT = S(520, 600), S(520, 520)


def assert_sound(layout, areas, mins: dict[str, QtCore.QSize]) -> None:
    """Every window on one screen, inside it, over no other, at least its minimum."""
    for slot in layout.slots:
        assert any(a.contains(slot.rect) for a in areas), slot
        for key in slot.members:
            assert slot.rect.width() >= mins[key].width(), (key, slot.rect)
            assert slot.rect.height() >= mins[key].height(), (key, slot.rect)
    for a, b in itertools.combinations(layout.slots, 2):
        assert not a.rect.intersects(b.rect), (a, b)
    keys = [k for s in layout.slots for k in s.members]
    assert sorted(keys) == sorted(mins)


def test_instructor_on_one_full_hd_screen_sits_beside_the_monitor():
    lay = arrange([HD], MON, CON)
    assert lay.how == "side_by_side"
    assert_sound(lay, [HD], {MONITOR: MON, CONSOLE: CON})
    assert lay.rect_of(MONITOR).left() == 0 and lay.rect_of(CONSOLE).right() == 1919
    assert lay.rect_of(MONITOR).width() + lay.rect_of(CONSOLE).width() == 1920


def test_instructor_on_1366x768_opens_tabs_with_the_console_in_front():
    lay = arrange([SMALL], MON, CON)
    assert lay.how == "tabbed" and len(lay.slots) == 1
    assert lay.slots[0].rect == SMALL and lay.slots[0].current == CONSOLE


def test_instructor_on_two_screens_one_each_and_the_team_beside_the_monitor():
    areas = [HD, SECOND]
    lay = arrange(areas, MON, CON, [ECMO, VENT])
    assert lay.how == "screens"
    assert lay.rect_of(CONSOLE) == HD
    assert_sound(lay, areas, {MONITOR: MON, CONSOLE: CON, team_key(0): ECMO,
                              team_key(1): VENT})
    # The consoles sit right of the monitor, so its numerics stay uncovered.
    assert SECOND.contains(lay.rect_of(team_key(0)))
    assert lay.rect_of(team_key(0)).left() > lay.rect_of(MONITOR).right()


def test_the_team_consoles_are_tabbed_with_the_monitor_when_no_room_beside_it():
    lay = arrange([HD], MON, CON, [ECMO, VENT])
    assert lay.how == "side_by_side"
    assert_sound(lay, [HD], {MONITOR: MON, CONSOLE: CON, team_key(0): ECMO,
                             team_key(1): VENT})
    bedside = lay.slot_of(MONITOR)
    assert bedside.members == (MONITOR, team_key(0), team_key(1))
    assert bedside.current == MONITOR


@pytest.mark.parametrize("area", [HD, SMALL])
def test_bedside_with_its_consoles_on_one_screen(area):
    lay = arrange([area], MON, None, [ECMO, VENT])
    assert_sound(lay, [area], {MONITOR: MON, team_key(0): ECMO, team_key(1): VENT})
    if area == HD:  # room beside the monitor: a column of consoles at its right
        assert lay.slot_of(MONITOR).members == (MONITOR,)
        assert lay.rect_of(team_key(0)).left() > lay.rect_of(MONITOR).right()
    else:  # 1366: 940 + 520 do not fit: tabs
        assert len(lay.slots) == 1


def test_the_users_size_bounds_the_area():
    lay = arrange([HD], MON, CON, size=(1366, 768))
    assert lay.how == "tabbed" and lay.slots[0].rect == R(0, 0, 1366, 768)
    lay = arrange([SMALL], MON, None, size=(1600, 1000))  # never past the screen
    assert lay.slots[0].rect == SMALL


def test_placed_on_the_real_screen_never_stacked_at_the_corner(make_session):
    from dashboard.ui.ecmo_console import EcmoConsole
    from dashboard.ui.vent_console import VentilatorConsole

    app = QtWidgets.QApplication.instance()
    s = make_session("ecmo_start+1d", role="monitor")
    consoles = [EcmoConsole(s.controller), VentilatorConsole(s.controller)]
    s.extra_windows.extend(consoles)
    tabs = place_bedside(app, s.window, consoles, size=(1920, 1040))
    if tabs is not None:
        s.extra_windows.append(tabs)
    tops = [w.window() for w in (s.window, *consoles)]
    area = app.primaryScreen().availableGeometry()
    for w in set(tops):
        assert area.contains(w.frameGeometry()), w.frameGeometry()
    distinct = {id(w): w for w in tops}.values()
    for a, b in itertools.combinations(distinct, 2):
        assert not a.frameGeometry().intersects(b.frameGeometry())


def test_instructor_placed_with_size(make_session):
    app = QtWidgets.QApplication.instance()
    s = make_session("ecmo_start+1d", instructor=True)
    tabs = place_instructor(app, s.window, s.console, size=(700, 600))
    s.extra_windows.append(tabs)
    assert tabs is not None and tabs.objectName() == "instructor.tabs"
    assert tabs.frameGeometry().width() <= 700 and tabs.frameGeometry().height() <= 600
