"""The ECMO console panel: pump, flows, gas, circuit pressures, SvO2, anticoagulation.

Laid out like a console's main screen: the numbers an ECMO specialist checks first
(rpm, flow) largest, pressures in drainage-to-return order.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtWidgets

from dashboard.ui.fitted_label import FittedLabel, without_unit
from dashboard.ui.flashing_label import FlashingLabel
from dashboard.ui.mini_trace import MiniTrace
from dashboard.ui.panel import Frame
from replay_data.catalogue import Catalogue, NumericChannel
from replay_data.controls import settings_at
from replay_data.course import PUMP_CLAMPED, PUMP_NO_FLOW, PUMP_STOPPED, Course, Result
from replay_data.ventilator import CHANNELS as VENT_CHANNELS
from replay_data.ventilator import mode_text
from replay_data.waveforms import ventilator_window

# The pump states the mode line shows in the alarm colour, as a console does.
HALTED_STATES = (PUMP_STOPPED, PUMP_CLAMPED, PUMP_NO_FLOW)

ACT_COLOUR_CHANNEL = "heparin_rate"  # anticoagulation values share the heparin colour
ECMO_ROWS: tuple[tuple[str, ...], ...] = (
    ("ecmo_rpm", "ecmo_flow"),
    ("sweep_flow", "fdo2"),
    ("p_venous", "p_int"),
    ("p_art", "delta_p"),
    ("svo2", "po2_post"),
    ("heparin_rate",),
)


def coloured_label(parent: QtWidgets.QWidget, text: str, role: str, colour: str,
                   name: str = "", accessible: str = "") -> FlashingLabel:
    """A label in a channel's colour whose text changes never resize the layout (and
    that flashes while its alarm is on)."""
    lab = FlashingLabel(text, parent)
    lab.setProperty("role", role)
    lab.setStyleSheet(f"color: {colour};")
    if name:
        lab.setObjectName(name)
    if accessible:
        lab.setAccessibleName(accessible)
    lab.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                      QtWidgets.QSizePolicy.Policy.Preferred)
    return lab


def fitted_name(parent: QtWidgets.QWidget, text: str, colour: str) -> FittedLabel:
    """A numeric's name that drops its unit, then shortens at a word, when the panel is
    narrow, rather than showing half a word ("Blood flow (L/mi")."""
    lab = FittedLabel((text, without_unit(text)), parent)
    lab.setProperty("role", "ecmo_label")
    lab.setStyleSheet(f"color: {colour};")
    return lab


def value_label(parent: QtWidgets.QWidget, ch: NumericChannel) -> QtWidgets.QLabel:
    return coloured_label(parent, "---", "ecmo_value", ch.colour, f"numeric.{ch.id}",
                          f"{ch.label} ({ch.unit})")


def show_channel_values(catalogue: Catalogue, labels: dict[str, QtWidgets.QLabel],
                        values: dict[str, float]) -> None:
    for cid, lab in labels.items():
        text = catalogue.numerics[cid].format(values.get(cid, math.nan))
        if lab.text() != text:
            lab.setText(text)


class EcmoPanel(QtWidgets.QFrame):
    """objectName `panel.ecmo`; `title` names the circuit's mode ("VV-ECMO")."""

    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None,
                 *, title: str = "VV-ECMO") -> None:
        super().__init__(parent)
        self.setObjectName("panel.ecmo")
        self.setProperty("role", "panel")
        self.catalogue = catalogue
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(1)
        self.title = QtWidgets.QLabel(title, self)
        self.title.setProperty("role", "panel_title")
        self.mode = QtWidgets.QLabel("", self)
        self.mode.setObjectName("ecmo.mode")
        self.mode.setProperty("role", "ecmo_label")
        self.mode.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.mode, 0, 1)
        self.values: dict[str, FlashingLabel] = {}
        row = 1
        for pair in ECMO_ROWS:
            for col, cid in enumerate(pair):
                ch = catalogue.numerics[cid]
                cell = QtWidgets.QVBoxLayout()
                cell.setSpacing(0)
                name = fitted_name(self, f"{ch.label} ({ch.unit})", ch.colour)
                val = value_label(self, ch)
                cell.addWidget(name)
                cell.addWidget(val)
                grid.addLayout(cell, row, col)
                self.values[cid] = val
            row += 1
        # Latest ACT against the current target band (case: 140-160 s, then 180-200 s).
        act_colour = catalogue.numerics[ACT_COLOUR_CHANNEL].colour
        act_cell = QtWidgets.QVBoxLayout()
        act_cell.setSpacing(0)
        self.act_name = act_name = fitted_name(self, "ACT (s)", act_colour)
        act_name.setObjectName("ecmo.act_target")
        self.act = coloured_label(self, "---", "ecmo_value", act_colour, "numeric.act",
                                  "Latest ACT against target band")
        act_cell.addWidget(act_name)
        act_cell.addWidget(self.act)
        grid.addLayout(act_cell, row - 1, 1)
        grid.setRowStretch(row, 1)

    def set_alarms(self, colours: dict[str, str | None]) -> None:
        """Flash the circuit values whose alarms are on (channel -> colour, None = off)."""
        for cid, lab in [*self.values.items(), ("act", self.act)]:
            colour = colours.get(cid)
            if lab.property("alarm") == (colour or ""):
                continue
            lab.setProperty("alarm", colour or "")
            lab.set_flash(colour)

    def refresh(self, frame: Frame) -> None:
        self.show_values(frame.values, frame.latest_results.get("act"),
                         frame.course.mode("ecmo_mode", frame.t))

    def show_values(self, values: dict[str, float], act: Result | None, mode: str) -> None:
        show_channel_values(self.catalogue, self.values, values)
        lo, hi = values.get("act_target_low", math.nan), values.get("act_target_high", math.nan)
        band = f"ACT (s) · target {lo:.0f}–{hi:.0f}" if math.isfinite(lo) and math.isfinite(hi) \
            else "ACT (s)"
        if self.act_name.full_text != band:
            # Narrow: the target band stays, the unit goes first.
            short = band.replace("ACT (s) · target", "ACT target")
            self.act_name.set_texts((band, short))
        text = f"{act.value:.0f}" if act is not None else "---"
        if self.act.text() != text:
            self.act.setText(text)
            self.act.setAccessibleDescription(f"{text} s, {band}")
        if self.mode.text() != mode:
            self.mode.setText(mode)
            halted = any(s in mode for s in HALTED_STATES)
            self.mode.setStyleSheet("color: #ff5252; font-weight: bold;" if halted else "")


class VentilatorStrip(QtWidgets.QFrame):
    """The ventilator's settings, numerics and airway pressure, under the waveforms (shown
    while the patient is intubated; the drugs and the oxygen therapy are therapy_strip's)."""

    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.ventilator")
        self.setProperty("role", "panel")
        self.catalogue = catalogue
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(8, 2, 8, 2)
        outer.setSpacing(0)
        # Narrow gaps inside a group, wider between groups: the strip fits a monitor
        # half as wide as a 1920 screen.
        lay = QtWidgets.QHBoxLayout()
        lay.setSpacing(4)
        outer.addLayout(lay)
        self._settings_row = lay
        row2 = QtWidgets.QHBoxLayout()  # the ventilator's own numerics and Paw
        row2.setSpacing(12)
        outer.addLayout(row2)
        # Narrow (the instructor's copy): "PC-AC (rest)" then "PC-AC", never half a word.
        self.mode = FittedLabel("", self, min_scale=0.85)
        self.mode.claim_width()
        self.mode.setObjectName("vent.mode")
        self.mode.setAccessibleName("Ventilator mode")
        self.mode.setProperty("role", "ecmo_label")
        self.mode.setStyleSheet("color: #e0e0e0; font-weight: bold;")
        lay.addWidget(self.mode)
        self.values: dict[str, QtWidgets.QLabel] = {}
        for cid in ("fio2", "peep"):
            ch = catalogue.numerics[cid]
            name = coloured_label(self, ch.label, "ecmo_label", ch.colour)
            val = value_label(self, ch)
            unit = coloured_label(self, ch.unit, "ecmo_label", ch.colour)
            for w in (name, val, unit):
                w.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                QtWidgets.QSizePolicy.Policy.Preferred)
                lay.addWidget(w)
            lay.addSpacing(14)
            self.values[cid] = val
        # The ventilator's own numerics (replay_data.ventilator) and its airway pressure.
        self.vent_numbers: dict[str, FittedLabel] = {}
        for cid, cap in (("vt", "Vt"), ("ppeak", "Ppeak"), ("pplat", "Pplat"),
                         ("driving_pressure", "ΔP"), ("mv", "MV"), ("ie", "I:E")):
            # Caption and value in one small label (the strip is one line on a laptop).
            val = FittedLabel(f"{cap} ---", self, min_scale=0.85)
            val.claim_width()
            val.setProperty("role", "ecmo_label")
            val.setStyleSheet("color: #fff59d;")
            val.setObjectName("vent.ie" if cid == "ie" else f"numeric.{cid}")
            val.setAccessibleName(cap)
            row2.addWidget(val)
            self.vent_numbers[cid] = val
        # The last 8 s of airway pressure, 0-45 cmH2O, in the ventilator numbers' colour.
        self.paw = MiniTrace((-8.0, 0.0), (0.0, 45.0), "#fff59d", self)
        self.paw.setObjectName("vent.paw")
        self.paw.setAccessibleName("Airway pressure, last 8 s")
        self.paw.setFixedSize(120, 30)
        row2.addWidget(self.paw)
        row2.addStretch(1)
        lay.addStretch(1)

    def hold(self, widget: QtWidgets.QWidget) -> QtWidgets.QBoxLayout:
        """Place `widget` at the end of the settings line (the drugs ride on it while the
        ventilator is shown: the strip's second line is the wider, so they cost no
        width); returns the layout now holding it."""
        row = self._settings_row
        row.insertWidget(row.count() - 1, widget)  # before the closing stretch
        return row

    def refresh(self, frame: Frame) -> None:
        # The mode the ventilator's settings run, as its console names it (one source).
        self.show_values(frame.values, mode_text(frame.course, frame.t))
        self.show_vent(frame.course, frame.t)

    def show_vent(self, course: Course, t: float) -> None:
        """The ventilator's numerics (the catalogue's channels, as `replay-data trends`
        gives them) and the last 8 s of its airway pressure (the `paw` waveform)."""
        got = course.numerics(VENT_CHANNELS, np.array([float(t)]))
        if not np.isfinite(got["vt"][0]):
            for lab in self.vent_numbers.values():
                lab.set_texts(f"{lab.accessibleName()} ---")
            self.paw.set_data(np.empty(0), np.empty(0))
            return
        fmt = {c: course.catalogue.numerics[c].format(float(got[c][0])) for c in VENT_CHANNELS}
        ie = settings_at(course, t)["control.vent.ie"]
        texts = {"vt": f"Vt {fmt['vt']} mL ({fmt['vt_per_kg']}/kg)",
                 "ppeak": f"Ppeak {fmt['ppeak']}", "pplat": f"Pplat {fmt['pplat']}",
                 "driving_pressure": f"ΔP {fmt['driving_pressure']}", "mv": f"MV {fmt['mv']}",
                 "ie": f"I:E 1:{ie:g}"}
        for cid, text in texts.items():
            if self.vent_numbers[cid].full_text != text:
                # Narrow: Vt without its per-kg value before anything is cut.
                self.vent_numbers[cid].set_texts(
                    (text, without_unit(text)) if cid == "vt" else text)
        tt, paw, _ = ventilator_window(course, t - 8.0, 8.0)
        self.paw.set_data(tt - t, paw)

    def show_values(self, values: dict[str, float], vent_mode: str) -> None:
        show_channel_values(self.catalogue, self.values, values)
        text = f"Vent: {vent_mode}"
        if self.mode.full_text != text:
            self.mode.set_texts((text, vent_mode, without_unit(vent_mode)))
