"""The fixed reference scene the frame benchmarks divide by (a helper of the benchmarks).

A window of four pyqtgraph PlotWidgets with scrolling curves and eight numeric labels,
all updated at 60 Hz: about what a bedside monitor costs, written the plain way. Its
CPU per painted frame, measured in the same run as the dashboard, turns the dashboard's
figure into a ratio that does not depend on the machine (docs/benchmarks.md has the
scene's cost relative to AnaSim's monitor window, measured once).

FIXED FOREVER: changing anything here (sizes, point counts, fonts, the update) changes
every stored ratio (benchmarks/frame_budget.toml) and the calibration in the docs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

SIZE = (1280, 800)
POINTS = 600  # points per curve (10 s at 60 Hz)
PLOTS = 4
LABELS = 8


class ReferenceScene(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("reference_scene")
        self.setWindowTitle("reference scene")
        self.setStyleSheet("background: black; color: #3f3;")
        grid = QtWidgets.QHBoxLayout(self)
        plots = QtWidgets.QVBoxLayout()
        numbers = QtWidgets.QVBoxLayout()
        grid.addLayout(plots, 4)
        grid.addLayout(numbers, 1)
        self.curves = []
        for i in range(PLOTS):
            pw = pg.PlotWidget()
            pw.setObjectName(f"reference_plot_{i}")
            pw.setYRange(-1.5, 1.5)
            pw.setXRange(0, POINTS)
            pw.hideAxis("bottom")
            self.curves.append(pw.plot(pen=pg.mkPen((80, 255, 80), width=2)))
            plots.addWidget(pw)
        self.labels = []
        for i in range(LABELS):
            lab = QtWidgets.QLabel("--")
            lab.setObjectName(f"reference_label_{i}")
            lab.setStyleSheet("font-size: 28px;")
            numbers.addWidget(lab)
            self.labels.append(lab)
        self.x = np.arange(POINTS, dtype=float)
        self.n = 0
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(16)
        self.timer.timeout.connect(self.step)
        self.resize(*SIZE)

    def step(self) -> None:
        """One 60 Hz update: every curve scrolls, every label gets a new number."""
        self.n += 1
        t = (self.x + self.n) / 60.0
        for i, c in enumerate(self.curves):
            c.setData(self.x, np.sin(t * (1.3 + i) * np.pi) * np.cos(t * 0.7))
        for i, lab in enumerate(self.labels):
            lab.setText(f"{(self.n * (i + 1)) % 200:3d}")

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
