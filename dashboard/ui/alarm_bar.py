"""Alarm bar: the alarm messages, highest priority first, physiological and technical
alarms apart (as real monitors show them), the inactivation state with its countdown,
and the operator's alarm keys.

Flashing follows the priority (high about 2 Hz, medium about 0.5 Hz, low steady, 50 %
on) and is computed from the clock's wall time, so it is deterministic under test.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms import AlarmProfile, AlarmSignal, InactivationStatus, Priority

PRIORITY_COLOURS = {Priority.HIGH: "#ff1744", Priority.MEDIUM: "#ffea00", Priority.LOW: "#00e5ff"}


def flash_on(priority: Priority, wall: float, profile: AlarmProfile) -> bool:
    """Whether a flashing indicator of this priority is lit at wall time `wall`
    (rates and duty from the alarm profile)."""
    hz = profile.flash_hz.get(priority, 0.0)
    if hz <= 0:
        return True
    return (wall * hz) % 1.0 < profile.flash_duty


def alarm_text(a: AlarmSignal) -> str:
    """'*** Desat 59 < 80' for a limit alarm while its condition lasts (value against the
    limit it crossed, as monitors print it; '92 (limit 90)' while the value is back inside
    the limit but the hysteresis holds the alarm); '*** ECMO pump stopped' otherwise."""
    text = a.text
    limit_alarm = a.channel is not None and a.alarm_id in (f"{a.channel}.low",
                                                           f"{a.channel}.high")
    if limit_alarm and a.condition_active and a.value is not None and a.limit is not None \
            and math.isfinite(a.value) and math.isfinite(a.limit):
        digits = 0 if abs(a.limit) >= 10 else 1
        low = a.alarm_id.endswith(".low")
        value, limit = f"{a.value:.{digits}f}", f"{a.limit:.{digits}f}"
        beyond = a.value < a.limit if low else a.value > a.limit
        if beyond and value != limit:
            text += f" {value} {'<' if low else '>'} {limit}"
        else:
            # Back inside the limit but not yet past the hysteresis (or equal once
            # rounded): "92 > 90" under "ABP sys low" would read as a contradiction.
            text += f" {value} (limit {limit})"
    if a.state.value == "acknowledged":
        text += "  (ack)"
    elif a.state.value == "latched":
        text += "  (latched)"
    return text


def fit_height(label: QtWidgets.QLabel) -> None:
    """Minimum height = the label's text wrapped at its current width."""
    fm = QtGui.QFontMetrics(label.font())
    m = label.contentsMargins()
    width = label.width() - m.left() - m.right() - 12  # the style's padding
    text = label.text() or " "
    if width < 120:
        # Not laid out yet: one line per message, or a window would grow to fit a
        # column of single words and never shrink back. The resize re-fits it.
        needed = fm.lineSpacing() * (text.count("\n") + 1)
    else:
        needed = fm.boundingRect(QtCore.QRect(0, 0, width, 100000),
                                 int(QtCore.Qt.TextFlag.TextWordWrap), text).height()
    height = needed + m.top() + m.bottom() + 6
    if label.minimumHeight() != height:
        label.setMinimumHeight(height)


class _FitOnResize(QtCore.QObject):
    """Re-fits a label's height when its width changes (a wrap may add a line)."""

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() == QtCore.QEvent.Type.Resize and isinstance(obj, QtWidgets.QLabel):
            fit_height(obj)
        return False


def _mmss(seconds: float) -> str:
    s = max(0, int(math.ceil(seconds)))
    return f"{s // 60}:{s % 60:02d}"


class WrappingLabel(QtWidgets.QLabel):
    """A word-wrapping label that asks for its height by minimumHeight (fit_height), not
    by height-for-width: a window holding height-for-width items grows past the screen."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return False


class AlarmMessages(WrappingLabel):
    """One block of alarm messages (physiological or technical): every active alarm on
    its own line, highest priority first, wrapped at word boundaries when the block is
    narrow -- never elided, so the message that matters is read whole. The block grows
    downwards (the bar takes the height it needs) rather than hiding an alarm."""

    def __init__(self, name: str, parent: QtWidgets.QWidget) -> None:
        super().__init__("", parent)
        self.setObjectName(name)
        self.setProperty("role", "alarm_messages")
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        # Width comes from the bar's stretch (a long message must not widen the window).
        # No height-for-width (QLabel's word wrap would set it): a top-level window then
        # grows to fit, past the screen; the label asks for the height it needs instead.
        self.setSizePolicy(QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                                 QtWidgets.QSizePolicy.Policy.Minimum))
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self._style = ""

    def show_alarms(self, alarms: list[AlarmSignal], wall: float, profile: AlarmProfile) -> None:
        if not alarms:
            self._set("", "")
            self.setAccessibleDescription("")
            return
        full = "\n".join(alarm_text(a) for a in alarms)
        text = full
        self.setToolTip(full)
        top = alarms[0]
        colour = PRIORITY_COLOURS[top.priority]
        lit = flash_on(top.priority, wall, profile) and top.state.value != "acknowledged"
        style = (f"background: {colour}; color: #000000;" if lit
                 else f"background: #000000; color: {colour};")
        self._set(text, style)
        self.setAccessibleDescription(full)

    def _set(self, text: str, style: str) -> None:
        if self.text() != text:
            self.setText(text)
            fit_height(self)
        full = f"QLabel {{ {style} font-weight: bold; padding: 2px 6px; }}"
        if full != self._style:
            self._style = full
            self.setStyleSheet(full)


class AlarmBar(QtWidgets.QFrame):
    acknowledge_clicked = QtCore.Signal()
    audio_pause_clicked = QtCore.Signal()
    alarm_pause_clicked = QtCore.Signal()
    audio_off_toggled = QtCore.Signal(bool)
    limits_clicked = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarm.bar")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(6)
        self.physiological = AlarmMessages("alarm.physiological", self)
        self.physiological.setAccessibleName("Physiological alarms")
        self.technical = AlarmMessages("alarm.technical", self)
        self.technical.setAccessibleName("Technical alarms")
        self.status = WrappingLabel("", self)
        self.status.setObjectName("alarm.status")
        self.status.setAccessibleName("Alarm inactivation state")
        self.status.setProperty("role", "alarm_status")
        self.status.setStyleSheet("color: #ffffff; font-weight: bold;")
        # Status texts wrap (never cut): 'NO AUDIO DEVICE: alarms silent' reads whole.
        self.status.setWordWrap(True)
        self.status.setMinimumWidth(150)
        self.status.setSizePolicy(QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                                        QtWidgets.QSizePolicy.Policy.Minimum))
        self._fit = _FitOnResize(self)
        for lab in (self.physiological, self.technical, self.status):
            lab.installEventFilter(self._fit)

        def button(text: str, name: str, tip: str) -> QtWidgets.QPushButton:
            b = QtWidgets.QPushButton(text, self)
            b.setObjectName(name)
            b.setAccessibleName(tip)
            b.setToolTip(tip)
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            return b

        self.ack = button("Acknowledge", "control.acknowledge", "Acknowledge alarms (A)")
        self.pause = button("Audio pause", "control.audio_pause", "Audio paused 2 min (S)")
        self.alarm_pause = button("Alarm pause", "control.alarm_pause", "Alarm paused (P)")
        self.audio_off = button("Audio off", "control.audio_off", "Audio off (toggle)")
        self.audio_off.setCheckable(True)
        self.limits = button("Limits", "control.limits", "Alarm limits (L)")
        self.ack.clicked.connect(self.acknowledge_clicked.emit)
        self.pause.clicked.connect(self.audio_pause_clicked.emit)
        self.alarm_pause.clicked.connect(self.alarm_pause_clicked.emit)
        self.audio_off.toggled.connect(self.audio_off_toggled.emit)
        self.limits.clicked.connect(self.limits_clicked.emit)
        lay.addWidget(self.physiological, 5)
        lay.addWidget(self.technical, 4)
        lay.addWidget(self.status, 2)
        for b in (self.ack, self.pause, self.alarm_pause, self.audio_off, self.limits):
            lay.addWidget(b, 0)

    def show_state(self, alarms: list[AlarmSignal], status: InactivationStatus, wall: float,
                   audio_note: str, profile: AlarmProfile) -> None:
        self.physiological.show_alarms([a for a in alarms if not a.technical], wall, profile)
        self.technical.show_alarms([a for a in alarms if a.technical], wall, profile)
        parts = []
        if status.audio_off:
            parts.append("AUDIO OFF")
        elif status.audio_paused_remaining_s is not None:
            parts.append(f"AUDIO PAUSED {_mmss(status.audio_paused_remaining_s)}")
        if status.alarm_paused_remaining_s is not None:
            parts.append(f"ALARM PAUSED {_mmss(status.alarm_paused_remaining_s)}")
        if status.alarms_off:
            parts.append(f"ALARM OFF: {', '.join(sorted(status.alarms_off))}")
        if audio_note:
            parts.append(audio_note)
        text = "\n".join(parts)
        if self.status.text() != text:
            self.status.setText(text)
            self.status.setToolTip(text)
            fit_height(self.status)
        if self.audio_off.isChecked() != status.audio_off:
            self.audio_off.blockSignals(True)
            self.audio_off.setChecked(status.audio_off)
            self.audio_off.blockSignals(False)
