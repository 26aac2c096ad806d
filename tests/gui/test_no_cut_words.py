"""Nothing on the bedside screen shows a word cut in half: every one-line label's text fits
its width (a narrow label shows a shorter form or whole words and "…"), at the sizes a lab
has -- 1366x768, half of 1920 -- and in the instructor's smaller copy."""

from __future__ import annotations

import pytest
from PySide6 import QtGui, QtWidgets

from dashboard.ui.fitted_label import FittedLabel, without_unit, word_elided


def clipped_labels(root: QtWidgets.QWidget) -> list[str]:
    out = []
    for lab in root.findChildren(QtWidgets.QLabel):
        if not lab.isVisible() or lab.wordWrap() or not lab.text() or "<" in lab.text():
            continue
        if lab.width() < 8:  # a spacer or an empty slot
            continue
        metrics = lab.fontMetrics()
        if getattr(lab, "scale", 1.0) < 1.0:  # a FittedLabel drawing in smaller type
            metrics = QtGui.QFontMetrics(lab._scaled_font(lab.scale))
        need = max(metrics.horizontalAdvance(line) for line in lab.text().split("\n"))
        if need > lab.contentsRect().width() + 1:
            out.append(f"{lab.objectName() or type(lab.parent()).__name__}: "
                       f"{lab.text()!r} needs {need} px, has {lab.contentsRect().width()}")
    return out


@pytest.mark.parametrize("size", [(1366, 768), (960, 1040), (1920, 1080)])
def test_no_bedside_label_is_cut(make_session, qtbot, size):
    s = make_session("ecmo_start+20h", role="monitor", size=size)
    s.advance_virtual(5, 5)
    QtWidgets.QApplication.processEvents()
    assert clipped_labels(s.window) == []


def test_no_label_of_the_instructors_copy_is_cut(make_session, qtbot, tmp_path):
    s = make_session("ecmo_start+20h", instructor=True, size=(960, 1040))
    s.console.resize(940, 1040)
    s.console.show()
    s.advance_virtual(5, 5)
    QtWidgets.QApplication.processEvents()
    assert clipped_labels(s.console.mirror) == []
    # Every tile's value is there to read (its unit and limits step aside if need be).
    for tile in s.console.mirror.findChildren(QtWidgets.QFrame):
        if tile.objectName().startswith("tile."):
            for lab in tile.values.values():
                assert lab.isVisible() and lab.text(), tile.objectName()
    s.console.grab().save(str(tmp_path / "console.png"))


def test_a_fitted_label_shortens_at_a_word_and_keeps_the_whole_text(qtbot):
    lab = FittedLabel(("Blood flow (L/min)", without_unit("Blood flow (L/min)")))
    qtbot.addWidget(lab)
    lab.show()
    full = lab.fontMetrics().horizontalAdvance("Blood flow (L/min)")
    lab.resize(full + 10, 20)
    assert lab.text() == "Blood flow (L/min)"
    lab.resize(lab.fontMetrics().horizontalAdvance("Blood flow") + 4, 20)
    assert lab.text() == "Blood flow"
    assert lab.toolTip() == "Blood flow (L/min)"
    lab.resize(lab.fontMetrics().horizontalAdvance("Blood") + 2, 20)
    assert lab.text() in ("", "Blood…") and "flo" not in lab.text()


def test_word_elided_never_cuts_a_word():
    text = "43-year-old woman · SLE with diffuse alveolar hemorrhage"
    for width in range(0, 60):
        got = word_elided(text, lambda t, w=width: len(t) <= w)
        assert got == text or got == "" or (
            got.endswith("…") and text.startswith(got[:-1])
            and text[len(got) - 1] in " ·"), (width, got)
