"""Where the debrief report was written: the path elided in the middle (the folder's
start and the file's name stay readable; the whole path in the tooltip), and buttons to
open the report and its folder. A path is one long word: in a wrapping label it either
widened the instructor's column past its window or was cut off at the right edge."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets


class ElidedLabel(QtWidgets.QLabel):
    """A one-line label that shows `full_text` elided in the middle to its width."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._elide()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self.full_text, QtCore.Qt.TextElideMode.ElideMiddle,
                                              max(40, self.width()))
        if self.text() != shown:
            self.setText(shown)


class ReportPath(QtWidgets.QFrame):
    """objectName `instructor.report`: label `instructor.report_path` (full path in its
    tooltip and `full_text`), buttons `instructor.report_open` and
    `instructor.report_folder`. Hidden until a report is written."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.report")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.path_label = ElidedLabel(self)
        self.path_label.setObjectName("instructor.report_path")
        self.path_label.setAccessibleName("Debrief report file")
        self.open = QtWidgets.QPushButton("Open", self)
        self.open.setObjectName("instructor.report_open")
        self.open.setAccessibleName("Open the debrief report")
        self.folder = QtWidgets.QPushButton("Folder", self)
        self.folder.setObjectName("instructor.report_folder")
        self.folder.setAccessibleName("Open the folder of the debrief report")
        lay.addWidget(self.path_label, 1)
        lay.addWidget(self.open)
        lay.addWidget(self.folder)
        self.path: Path | None = None
        self.open.clicked.connect(lambda: self._open(self.path))
        self.folder.clicked.connect(lambda: self._open(self.path.parent if self.path else None))
        self.opener = lambda url: QtGui.QDesktopServices.openUrl(url)  # tests replace it
        self.setVisible(False)

    def show_path(self, path: Path) -> None:
        self.path = Path(path)
        self.path_label.set_full_text(str(self.path))
        self.setVisible(True)

    def _open(self, path: Path | None) -> None:
        if path is not None:
            self.opener(QtCore.QUrl.fromLocalFile(str(path)))
