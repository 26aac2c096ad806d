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

from .flashing_label import FlashingLabel

PRIORITY_COLOURS = {Priority.HIGH: "#ff1744", Priority.MEDIUM: "#ffea00", Priority.LOW: "#00e5ff"}


def flash_on(priority: Priority, wall: float, profile: AlarmProfile) -> bool:
    """Whether a flashing indicator of this priority is lit at wall time `wall`
    (rates and duty from the alarm profile)."""
    hz = profile.flash_hz.get(priority, 0.0)
    if hz <= 0:
        return True
    return (wall * hz) % 1.0 < profile.flash_duty


def next_flash_edge(priorities: set[Priority], wall: float, profile: AlarmProfile) -> float:
    """The first wall time after `wall` at which an indicator of one of these priorities
    turns on or off (inf: none flashes). Between edges nothing flashing changes."""
    edge = math.inf
    duty = profile.flash_duty
    for p in priorities:
        hz = profile.flash_hz.get(p, 0.0)
        if hz <= 0:
            continue
        cycles = wall * hz
        base = math.floor(cycles)
        phase = cycles - base
        nxt = base + (duty if phase < duty else 1.0)
        if nxt <= cycles:  # rounding at the edge itself
            nxt += duty if nxt - base < duty else 1.0 - duty
        edge = min(edge, nxt / hz)
    return edge


def _against_limit(value: float, limit: float, low: bool) -> str:
    """'59 < 80' while beyond the limit; '92 (limit 90)' while back inside it but held by
    the hysteresis ("92 > 90" under "ABP sys low" would read as a contradiction)."""
    digits = 0 if abs(limit) >= 10 else 1
    v, lim = f"{value:.{digits}f}", f"{limit:.{digits}f}"
    beyond = value < limit if low else value > limit
    if beyond and v != lim:
        return f"{v} {'<' if low else '>'} {lim}"
    return f"{v} (limit {lim})"


def _finite(*xs: float | None) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


def alarm_text(a: AlarmSignal) -> str:
    """'*** Desat 59 < 80' for a limit alarm while its condition lasts (value against the
    limit it crossed, as monitors print it); a folded alarm lists each member crossing
    ('** ABP low sys 72 < 90, mean 50 < 60'); '*** ECMO pump stopped' otherwise."""
    text = a.text
    if a.members and a.condition_active:
        parts = [f"{m.label} {_against_limit(m.value, m.limit, m.direction == 'low')}"
                 for m in a.members
                 if m.direction is not None and _finite(m.value, m.limit)]
        if parts:
            text += " " + ", ".join(parts)
    limit_alarm = a.channel is not None and a.alarm_id in (f"{a.channel}.low",
                                                           f"{a.channel}.high")
    if limit_alarm and a.condition_active and _finite(a.value, a.limit):
        assert a.value is not None and a.limit is not None
        text += " " + _against_limit(a.value, a.limit, a.alarm_id.endswith(".low"))
    if a.state.value == "acknowledged":
        text += "  (ack)"
    elif a.state.value == "latched":
        text += "  (latched)"
    return text


def fit_height(label: QtWidgets.QLabel) -> bool:
    """Minimum height = the label's text wrapped at its current width; whether it
    changed."""
    label.ensurePolished()  # the stylesheet's font, not the default one
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
        return True
    return False


class _FitOnResize(QtCore.QObject):
    """Re-fits a label's height when its width changes (a wrap may add a line)."""

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and isinstance(obj, QtWidgets.QLabel):
            fit_height(obj)
        return False


def _mmss(seconds: float) -> str:
    s = max(0, int(math.ceil(seconds)))
    return f"{s // 60}:{s % 60:02d}"


class WrappingLabel(FlashingLabel):
    """A word-wrapping label that asks for its height by minimumHeight (fit_height), not
    by height-for-width: a window holding height-for-width items grows past the screen."""

    def hasHeightForWidth(self) -> bool:
        return False


class AlarmEntry(WrappingLabel):
    """One active alarm's line (objectName `alarm.entry`, dynamic property "alarm_id"):
    wrapped at word boundaries when narrow, never elided; lit in its own priority's
    colour while it flashes (painted: its stylesheet changes only with the priority)."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__("", parent)
        self.setObjectName("alarm.entry")
        self.setProperty("role", "alarm_messages")
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        # Width comes from the bar's stretch (a long message must not widen the window);
        # the height is what the wrapped text needs (fit_height).
        self.setSizePolicy(QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                                 QtWidgets.QSizePolicy.Policy.Fixed))
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self._style = ""

    def sizeHint(self) -> QtCore.QSize:
        # As tall as its wrapped text (fit_height), no taller: a line per alarm.
        return QtCore.QSize(super().sizeHint().width(), self.minimumHeight())

    def show_alarm(self, a: AlarmSignal, wall: float, profile: AlarmProfile) -> bool:
        """Show a; whether its height changed."""
        self.setProperty("alarm_id", a.alarm_id)
        colour = PRIORITY_COLOURS[a.priority]
        lit = flash_on(a.priority, wall, profile) and a.state.value != "acknowledged"
        text = alarm_text(a)
        grew = False
        full = (f"QLabel {{ background: #000000; color: {colour}; font-weight: bold; "
                "padding: 1px 6px; }")
        if full != self._style:
            self._style = full
            self.setStyleSheet(full)
        if self.text() != text:
            self.setText(text)
            grew = fit_height(self)
        self.set_flash(colour if lit else None)
        return grew


class AlarmMessages(QtWidgets.QWidget):
    """One block of alarm messages (physiological or technical): every active alarm on
    its own line (an AlarmEntry), highest priority first. The block grows downwards (the
    bar takes the height it needs) rather than hiding an alarm; an empty block hides and
    leaves its width to the other."""

    # Narrower than this a line would wrap into a column of single words.
    MIN_WIDTH = 180

    def __init__(self, name: str, parent: QtWidgets.QWidget, fit: QtCore.QObject) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._fit = fit
        self.entries: list[AlarmEntry] = []
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addStretch(1)
        self.setMinimumWidth(self.MIN_WIDTH)
        self.setSizePolicy(QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                                 QtWidgets.QSizePolicy.Policy.Minimum))
        self.setVisible(False)

    def text(self) -> str:
        """The lines shown, one per alarm (as a reader of the block would read it)."""
        return "\n".join(e.text() for e in self.entries)

    def show_alarms(self, alarms: list[AlarmSignal], wall: float, profile: AlarmProfile
                    ) -> bool:
        """List these alarms; whether the block's height may have changed."""
        lay = self.layout()
        changed = len(self.entries) != len(alarms)
        while len(self.entries) < len(alarms):
            entry = AlarmEntry(self)
            entry.installEventFilter(self._fit)
            lay.insertWidget(len(self.entries), entry)
            entry.show()  # now, not at the next pass of the event loop (Qt's default)
            self.entries.append(entry)
        while len(self.entries) > len(alarms):
            entry = self.entries.pop()
            lay.removeWidget(entry)
            entry.hide()
            entry.setParent(None)  # gone from the bar now, not at the next pass
            entry.deleteLater()
        for entry, a in zip(self.entries, alarms, strict=True):
            changed = entry.show_alarm(a, wall, profile) or changed
        full = self.text()
        if self.toolTip() != full:
            self.setToolTip(full)
            self.setAccessibleDescription(full)
        if self.isHidden() == bool(alarms):
            self.setVisible(bool(alarms))
            changed = True
        return changed


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
        self._fit = _FitOnResize(self)
        self.physiological = AlarmMessages("alarm.physiological", self, self._fit)
        self.physiological.setAccessibleName("Physiological alarms")
        self.technical = AlarmMessages("alarm.technical", self, self._fit)
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
        self.status.installEventFilter(self._fit)

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
        # The keys in two rows of three: the messages keep the width (at 1020 px one row
        # of keys left them too narrow to list every alarm).
        self.keys = QtWidgets.QGridLayout()
        self.keys.setSpacing(3)
        for b in (self.ack, self.pause, self.alarm_pause, self.audio_off, self.limits):
            self.add_key(b)
        keys_box = QtWidgets.QVBoxLayout()
        keys_box.addLayout(self.keys)
        keys_box.addStretch(1)
        lay.addLayout(keys_box, 0)

    def add_key(self, button: QtWidgets.QPushButton) -> None:
        """One more key in the grid (the monitor adds its Trends key)."""
        n = self.keys.count()
        self.keys.addWidget(button, n // 3, n % 3, QtCore.Qt.AlignmentFlag.AlignTop)

    def _settle(self) -> None:
        """Lay the window out again now for the bar's new lines. Left to Qt, the new
        height climbs one widget per event-loop pass (entry, block, bar, window): a frame
        drawn in between showed an alarm below the bar, over the waveforms. Entries get
        their widths, then their heights for those widths, then the window once more."""
        chain: list[QtWidgets.QWidget] = [self]
        while not chain[-1].isWindow() and chain[-1].parentWidget() is not None:
            chain.append(chain[-1].parentWidget())
        for _ in range(2):
            for e in self.entries():
                fit_height(e)
            # Bottom up: each layout forgets its sizes and each widget's size hint cache
            # in its parent's layout is dropped (updateGeometry); top down: laid out.
            for w in [self.physiological, self.technical, *chain]:
                if w.layout() is not None:
                    w.layout().invalidate()
                w.updateGeometry()
            for w in reversed([self.physiological, self.technical, *chain]):
                if w.layout() is not None:
                    w.layout().activate()

    def entries(self) -> list[AlarmEntry]:
        """Every alarm line shown, physiological first."""
        return [*self.physiological.entries, *self.technical.entries]

    def show_state(self, alarms: list[AlarmSignal], status: InactivationStatus, wall: float,
                   audio_note: str, profile: AlarmProfile) -> None:
        changed = self.physiological.show_alarms([a for a in alarms if not a.technical], wall,
                                                 profile)
        changed = self.technical.show_alarms([a for a in alarms if a.technical], wall,
                                             profile) or changed
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
        if changed:
            self._settle()
        if self.audio_off.isChecked() != status.audio_off:
            self.audio_off.blockSignals(True)
            self.audio_off.setChecked(status.audio_off)
            self.audio_off.blockSignals(False)
