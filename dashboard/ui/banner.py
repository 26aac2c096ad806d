"""Patient banner: who the patient is, the case clock, the circuit and time on ECMO (only
while a circuit is connected), and the notice that this is a training simulator."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from dashboard.ui.fitted_label import FittedLabel
from dashboard.ui.panel import Frame
from replay_data.casetime import ecmo_run
from replay_data.scenario import Scenario
from replay_data.timeexpr import format_case_time


def ecmo_clock_text(t: float, ecmo_start: float | None, ecmo_end: float | None) -> str:
    """'ECMO run 1 d 02:03' while on ECMO; 'ECMO ended' after; '' before."""
    return ecmo_run(t, ecmo_start, ecmo_end)


class PatientBanner(QtWidgets.QFrame):
    def __init__(self, scenario: Scenario, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("role", "banner")
        self._ecmo = (scenario.role_time("ecmo_start"), scenario.role_time("ecmo_end"))
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 3, 8, 3)
        lay.setSpacing(14)
        p = scenario.patient
        # Shortened at a word when the banner is narrow (1366 px, the instructor's copy);
        # the whole line is in the tooltip.
        summary = p.summary or scenario.title
        self.patient = FittedLabel(summary, self)
        self.patient.setObjectName("banner.patient")
        self.patient.setProperty("role", "banner")
        history = p.history
        self.patient.setToolTip(f"{summary}\n{history}" if history else summary)
        # The circuit's line and the ECMO run clock exist only for a patient with a circuit,
        # and show only while it is connected (set_ecmo_connected): a monitor has no line
        # for a device the patient does not have.
        circuit = scenario.circuit
        self.ecmo_info: FittedLabel | None = None
        self.ecmo_clock: QtWidgets.QLabel | None = None
        if circuit is not None:
            self.ecmo_info = FittedLabel(circuit.summary, self)
            self.ecmo_info.setObjectName("banner.ecmo")
            self.ecmo_info.setProperty("role", "banner")
            self.ecmo_info.setStyleSheet("color: #ffb74d;")
            self.ecmo_info.setVisible(False)
            self.ecmo_clock = QtWidgets.QLabel("", self)
            self.ecmo_clock.setObjectName("clock.ecmo_time")
            self.ecmo_clock.setAccessibleName("Time on ECMO")
            self.ecmo_clock.setProperty("role", "banner_clock")
            self.ecmo_clock.setStyleSheet("color: #ffb74d;")
            self.ecmo_clock.setVisible(False)
        self.clock = QtWidgets.QLabel("Day 1 00:00:00", self)
        self.clock.setObjectName("clock.case_time")
        self.clock.setAccessibleName("Case time since admission")
        self.clock.setProperty("role", "banner_clock")
        self.notice = QtWidgets.QLabel("TRAINING SIMULATOR — NOT A MEDICAL DEVICE", self)
        self.notice.setObjectName("banner.notice")
        self.notice.setProperty("role", "sim_notice")
        self.notice.setToolTip(f"Replays a published case: {scenario.source}\n"
                               "Values between the reported facts are assumptions.")
        text_col = QtWidgets.QVBoxLayout()
        text_col.setSpacing(0)
        text_col.addWidget(self.patient)
        if self.ecmo_info is not None:
            text_col.addWidget(self.ecmo_info)
        lay.addLayout(text_col, 1)
        clocks = QtWidgets.QVBoxLayout()
        clocks.setSpacing(0)
        clocks.addWidget(self.clock, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        if self.ecmo_clock is not None:
            clocks.addWidget(self.ecmo_clock, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        lay.addLayout(clocks, 0)
        lay.addWidget(self.notice, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)

    def refresh(self, frame: Frame) -> None:
        self.show_time(frame.t)

    def show_time(self, t: float) -> None:
        text = format_case_time(t)
        if self.clock.text() != text:
            self.clock.setText(text)
        if self.ecmo_clock is None:
            return
        e = ecmo_clock_text(t, *self._ecmo)
        if self.ecmo_clock.text() != e:
            self.ecmo_clock.setText(e)

    def set_ecmo_connected(self, on: bool) -> None:
        """The circuit's line and run clock while the circuit is connected, else nothing."""
        for w in (self.ecmo_info, self.ecmo_clock):
            if w is not None and w.isHidden() == on:
                w.setVisible(on)
