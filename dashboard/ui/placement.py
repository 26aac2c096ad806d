"""Where each window of a role goes, so that none covers another or leaves its screen.

The arithmetic is a pure function of the screens' available areas and the windows'
minimum sizes (`arrange`), so it can be tested for any screen; `place_instructor` and
`place_bedside` measure the real widgets, ask `arrange` and apply its answer.

- Instructor, two screens or more: the console on the first (the educator's), the bedside
  (monitor and the team's consoles) on the second (the screen turned to the trainees).
- Instructor, one screen wide enough: monitor left, the console right (and the team's
  consoles between them when they fit; else tabbed with the monitor). Too narrow (e.g.
  1366x768): one window with tabs.
- Bedside: the monitor, and the team's consoles in a column at its right (stacked when
  their heights fit, else tabbed in that column) when the monitor keeps its minimum width
  beside them; else one window with tabs. The consoles never cover the monitor's numerics.

`size` (the user's --size) bounds the area a role uses on each screen: its windows share
a WxH rectangle at the top left of the screen's available area (never larger than it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

# The console's width beside the monitor when there is room for more than its minimum
# (its forms read better a little wider); the monitor gets the rest.
CONSOLE_W = 900
# Key names of the windows in a plan.
MONITOR, CONSOLE = "monitor", "console"


def team_key(i: int) -> str:
    return f"team.{i}"


@dataclass(frozen=True)
class Slot:
    """One top-level window: its frame rectangle and what it holds (more than one key =
    a tab window, the first key's tab in front unless `current` says otherwise)."""
    rect: QtCore.QRect
    members: tuple[str, ...]
    current: str | None = None


@dataclass(frozen=True)
class Layout:
    how: str  # "screens" | "side_by_side" | "tabbed" (the instructor's console vs monitor)
    slots: tuple[Slot, ...]

    def slot_of(self, key: str) -> Slot:
        return next(s for s in self.slots if key in s.members)

    def rect_of(self, key: str) -> QtCore.QRect:
        return self.slot_of(key).rect


def _bounded(area: QtCore.QRect, size: tuple[int, int] | None) -> QtCore.QRect:
    if size is None:
        return QtCore.QRect(area)
    return QtCore.QRect(area.left(), area.top(), min(size[0], area.width()),
                        min(size[1], area.height()))


def _bedside(area: QtCore.QRect, monitor: QtCore.QSize,
             team: Sequence[QtCore.QSize]) -> list[Slot]:
    """The monitor and the team's consoles inside one area, never overlapping."""
    if not team:
        return [Slot(QtCore.QRect(area), (MONITOR,))]
    keys = tuple(team_key(i) for i in range(len(team)))
    column_w = max(t.width() for t in team)
    if area.width() - column_w >= monitor.width():
        mon = QtCore.QRect(area.left(), area.top(), area.width() - column_w, area.height())
        x = mon.right() + 1
        if sum(t.height() for t in team) <= area.height():
            # Stacked, each given its share of the height in proportion to its minimum.
            slots, y, total = [Slot(mon, (MONITOR,))], area.top(), sum(t.height() for t in team)
            for i, t in enumerate(team):
                last = i == len(team) - 1
                h = area.bottom() + 1 - y if last else t.height() * area.height() // total
                slots.append(Slot(QtCore.QRect(x, y, column_w, h), (keys[i],)))
                y += h
            return slots
        if max(t.height() for t in team) <= area.height():
            return [Slot(mon, (MONITOR,)),
                    Slot(QtCore.QRect(x, area.top(), column_w, area.height()), keys)]
    return [Slot(QtCore.QRect(area), (MONITOR, *keys), MONITOR)]


def arrange(areas: Sequence[QtCore.QRect], monitor: QtCore.QSize,
            console: QtCore.QSize | None = None, team: Sequence[QtCore.QSize] = (), *,
            size: tuple[int, int] | None = None) -> Layout:
    """Frame rectangles for the windows of a role. areas: the screens' available
    geometries, the primary first; monitor/console/team: the windows' minimum sizes
    (console None for the bedside role)."""
    areas = [_bounded(a, size) for a in areas] or [QtCore.QRect(0, 0, 1366, 768)]
    if console is None:
        return Layout("bedside", tuple(_bedside(areas[0], monitor, team)))
    if len(areas) > 1:
        return Layout("screens", (Slot(QtCore.QRect(areas[0]), (CONSOLE,)),
                                  *_bedside(areas[1], monitor, team)))
    a = areas[0]
    fits_tall = a.height() >= max(monitor.height(), console.height())
    if fits_tall and a.width() >= monitor.width() + console.width():
        spare = a.width() - monitor.width()
        con_w = max(console.width(), min(CONSOLE_W, spare))
        left = QtCore.QRect(a.left(), a.top(), a.width() - con_w, a.height())
        con = QtCore.QRect(left.right() + 1, a.top(), con_w, a.height())
        return Layout("side_by_side", (*_bedside(left, monitor, team), Slot(con, (CONSOLE,))))
    keys = (MONITOR, *(team_key(i) for i in range(len(team))), CONSOLE)
    return Layout("tabbed", (Slot(QtCore.QRect(a), keys, CONSOLE),))


# ------------------------------------------------------------------ the old interface


@dataclass(frozen=True)
class Placement:
    how: str  # "screens" | "side_by_side" | "tabbed"
    monitor: QtCore.QRect  # geometry of the monitor (or of the tabbed window)
    console: QtCore.QRect | None  # None when tabbed


# What a console and a monitor need at least when the widgets cannot be measured.
MONITOR_MIN = QtCore.QSize(940, 640)
CONSOLE_MIN = QtCore.QSize(900, 640)


def plan(screens: list[QtCore.QRect]) -> Placement:
    """The instructor's placement for these screens' available areas (first = primary)."""
    lay = arrange(screens, MONITOR_MIN, CONSOLE_MIN)
    if lay.how == "tabbed":
        return Placement("tabbed", lay.slots[0].rect, None)
    return Placement(lay.how, lay.rect_of(MONITOR), lay.rect_of(CONSOLE))


# ------------------------------------------------------------------ applying it

TAB_STYLE = ("QTabWidget { background: #101820; }"
             "QTabWidget::pane { border: 0; background: #000000; }"
             "QTabBar::tab { background: #1e2a36; color: #e0e0e0;"
             " padding: 4px 14px; border: 1px solid #3d5266; }"
             "QTabBar::tab:selected { background: #3d5266; }")


def _min_size(widget: QtWidgets.QWidget) -> QtCore.QSize:
    return widget.minimumSizeHint().expandedTo(widget.minimumSize())


def _frame_into(widget: QtWidgets.QWidget, rect: QtCore.QRect) -> None:
    """Outer frame (title bar included) inside rect, as far as the platform tells."""
    widget.move(rect.topLeft())
    widget.resize(rect.size())
    widget.show()
    extra_w = widget.frameGeometry().width() - widget.width()
    extra_h = widget.frameGeometry().height() - widget.height()
    if extra_w > 0 or extra_h > 0:
        widget.resize(max(100, rect.width() - extra_w), max(100, rect.height() - extra_h))


def _tab_title(key: str, widget: QtWidgets.QWidget) -> str:
    if key == MONITOR:
        return "Bedside monitor"
    if key == CONSOLE:
        return "Instructor console"
    return {"console.ecmo": "ECMO console", "console.vent": "Ventilator"}.get(
        widget.objectName(), widget.windowTitle() or "Console")


def _alone(layout: Layout, slot: Slot, areas: Sequence[QtCore.QRect]) -> bool:
    """Whether slot is the only window on its screen (full screen then covers nothing)."""
    screen = next((a for a in areas if a.intersects(slot.rect)), None)
    return screen is not None and not any(
        o is not slot and o.rect.intersects(screen) for o in layout.slots)


def _apply(layout: Layout, widgets: dict[str, QtWidgets.QWidget], tabs_name: str,
           title: str, fullscreen_key: str, areas: Sequence[QtCore.QRect]
           ) -> list[QtWidgets.QWidget]:
    """Show every window where the layout says; returns the tab windows it made. Full
    screen only for a window alone on its screen: it would cover the others."""
    made: list[QtWidgets.QWidget] = []
    for slot in layout.slots:
        if len(slot.members) == 1:
            w = widgets[slot.members[0]]
        else:
            w = QtWidgets.QTabWidget()
            w.setObjectName(tabs_name if not made else f"{tabs_name}.{len(made)}")
            w.setStyleSheet(TAB_STYLE)
            w.setWindowTitle(title)
            for key in slot.members:
                w.addTab(widgets[key], _tab_title(key, widgets[key]))
            if slot.current is not None:
                w.setCurrentIndex(slot.members.index(slot.current))
            made.append(w)
        _frame_into(w, slot.rect)
        if fullscreen_key in slot.members and _alone(layout, slot, areas):
            w.showFullScreen()
    return made


def _areas(app: QtWidgets.QApplication) -> list[QtCore.QRect]:
    primary = app.primaryScreen()
    screens = [primary, *[s for s in app.screens() if s is not primary]] if primary else []
    return [s.availableGeometry() for s in screens]


def place_instructor(app: QtWidgets.QApplication, monitor: QtWidgets.QWidget,
                     console: QtWidgets.QWidget, *, consoles: Sequence[QtWidgets.QWidget] = (),
                     size: tuple[int, int] | None = None, fullscreen: bool = False
                     ) -> QtWidgets.QWidget | None:
    """Show the console, the bedside monitor and the team's consoles (if any); returns
    the tab window holding the instructor's console when it had to make one (else the
    first tab window made, or None)."""
    areas = _areas(app)
    lay = arrange(areas, _min_size(monitor), _min_size(console),
                  [_min_size(c) for c in consoles], size=size)
    widgets = {MONITOR: monitor, CONSOLE: console,
               **{team_key(i): c for i, c in enumerate(consoles)}}
    made = _apply(lay, widgets, "instructor.tabs",
                  "ICU ECMO replay — instructor and bedside monitor (training simulator)",
                  MONITOR if fullscreen else "", areas)
    return made[0] if made else None


def place_bedside(app: QtWidgets.QApplication, monitor: QtWidgets.QWidget,
                  consoles: Sequence[QtWidgets.QWidget] = (), *,
                  size: tuple[int, int] | None = None, fullscreen: bool = False
                  ) -> QtWidgets.QWidget | None:
    """Show the trainees' monitor and their consoles; returns the tab window when it had
    to make one."""
    areas = _areas(app)
    lay = arrange(areas, _min_size(monitor), None, [_min_size(c) for c in consoles],
                  size=size)
    widgets = {MONITOR: monitor, **{team_key(i): c for i, c in enumerate(consoles)}}
    made = _apply(lay, widgets, "bedside.tabs",
                  "ICU monitor and the team's consoles — TRAINING SIMULATOR",
                  MONITOR if fullscreen else "", areas)
    return made[0] if made else None
