"""Latest blood gas, labs and coagulation, each with the case time it was drawn.

A result appears only once drawn; values outside the normal range are marked, as a
lab system flags them (H / L).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from dashboard.ui.fitted_label import FittedLabel
from dashboard.ui.panel import Frame
from replay_data.catalogue import Catalogue
from replay_data.course import Result
from replay_data.timeexpr import format_case_time

PANELS = ("ABG", "Labs", "Coagulation")


class ResultsPanel(QtWidgets.QFrame):
    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.results")
        self.setProperty("role", "panel")
        self.catalogue = catalogue
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        title = QtWidgets.QLabel("Results", self)
        title.setProperty("role", "panel_title")
        grid.addWidget(title, 0, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        self.labels: dict[str, FittedLabel] = {}
        self.times: dict[str, QtWidgets.QLabel] = {}
        row = 1
        for panel in PANELS:
            tests = [r for r in catalogue.results.values() if r.panel == panel]
            head = QtWidgets.QLabel(panel, self)
            head.setProperty("role", "results")
            head.setStyleSheet("color: #90a4ae; font-weight: bold;")
            drawn = QtWidgets.QLabel("", self)
            drawn.setObjectName(f"result_time.{panel.lower()}")
            drawn.setProperty("role", "results")
            drawn.setStyleSheet("color: #90a4ae;")
            drawn.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            grid.addWidget(head, row, 0)
            grid.addWidget(drawn, row, 2)
            self.times[panel] = drawn
            row += 1
            for i, test in enumerate(tests):
                # Smaller type before anything goes; then the unit (in the tooltip).
                lab = FittedLabel("", self, min_scale=0.75)
                lab.setObjectName(f"result.{test.id}")
                lab.setAccessibleName(f"{test.label} ({test.unit})")
                lab.setProperty("role", "results")
                grid.addWidget(lab, row + i // 2, (i % 2) * 2, 1, 2 if i % 2 == 0 else 1)
                self.labels[test.id] = lab
            row += (len(tests) + 1) // 2
        grid.setRowStretch(row, 1)

    def refresh(self, frame: Frame) -> None:
        self.show_results(frame.latest_results)

    def show_results(self, latest: dict[str, Result]) -> None:
        for panel in PANELS:
            drawn = [latest[t].t for t, r in self.catalogue.results.items()
                     if r.panel == panel and t in latest]
            text = f"drawn {format_case_time(max(drawn))}" if drawn else "not drawn"
            if self.times[panel].text() != text:
                self.times[panel].setText(text)
        for tid, lab in self.labels.items():
            test = self.catalogue.results[tid]
            r = latest.get(tid)
            if r is None:  # not drawn yet (also after a seek back to before it was)
                text, colour, unit = "", "#e0e0e0", ""
            else:
                # Flag as the course reports it: against the current target band when
                # one applies (ACT on heparin), else the normal range.
                flag = f" {r.flag}" if r.flag else ""
                unit = f" {test.unit}" if test.unit else ""
                text = f"{test.label} {test.format(r.value)}{unit}{flag}"
                colour = "#ffcc80" if flag else "#e0e0e0"
                lab.setToolTip(f"{text}: drawn {format_case_time(r.t)} [{r.basis}]")
            if lab.full_text != text:
                short = text.replace(unit, "", 1) if unit else text
                lab.set_texts((text, short) if short != text else text)
                lab.setStyleSheet(f"color: {colour};")
