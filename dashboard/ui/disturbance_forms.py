"""The instructor's two ways to disturb the case: inject one of the scenario's events
(with its severity or variant and a duration) and override a channel towards a target.
Each button becomes an Action (INJECT, OVERRIDE) through the `request` handed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import INJECT, OVERRIDE
from replay_data.catalogue import Catalogue
from replay_data.scenario import Scenario

Request = Callable[..., object]


def shrinkable(combo: QtWidgets.QComboBox, chars: int = 14) -> QtWidgets.QComboBox:
    """A combo box as wide as its column allows, not as wide as its longest item (a
    drill's title made the tools wider than the window); the list it opens shows the
    whole text."""
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.view().setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
    return combo


def _form(widget: QtWidgets.QWidget) -> QtWidgets.QFormLayout:
    form = QtWidgets.QFormLayout(widget)
    form.setContentsMargins(0, 0, 0, 0)  # laid out as when the form sat in the tools
    return form


class InjectionForm(QtWidgets.QWidget):
    """"Inject an event": objectNames `instructor.injection`, `.variant`, `.severity`,
    `.duration`, `.inject`."""

    def __init__(self, scenario: Scenario, request: Request,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.scenario = scenario
        self._request = request
        form = _form(self)
        self.injection = shrinkable(QtWidgets.QComboBox(self))
        self.injection.setObjectName("instructor.injection")
        self.injection.setAccessibleName("Injection")
        for inj in scenario.injections.values():
            self.injection.addItem(inj.label, inj.id)
            self.injection.setItemData(self.injection.count() - 1,
                                       f"{inj.description} [{inj.provenance.basis}]",
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.severity = QtWidgets.QDoubleSpinBox(self)
        self.severity.setObjectName("instructor.severity")
        self.severity.setAccessibleName("Severity (0-1)")
        self.severity.setRange(0.05, 1.0)
        self.severity.setSingleStep(0.1)
        # All-or-nothing events (pump stop, air) come in named variants instead.
        self.variant = shrinkable(QtWidgets.QComboBox(self))
        self.variant.setObjectName("instructor.variant")
        self.variant.setAccessibleName("Variant")
        self.duration = QtWidgets.QSpinBox(self)
        self.duration.setObjectName("instructor.duration")
        self.duration.setAccessibleName("Duration in seconds")
        self.duration.setRange(0, 24 * 3600)
        self.duration.setSuffix(" s")
        # 0 = until stopped (the instructor ends it with Stop selected / Stop all)
        self.duration.setSpecialValueText("until stopped")
        self.injection.currentIndexChanged.connect(self._injection_defaults)
        self._injection_defaults()
        inject = QtWidgets.QPushButton("Inject", self)
        inject.setObjectName("instructor.inject")
        inject.setAccessibleName("Start the injection now")
        inject.clicked.connect(self._inject)
        form.addRow("Event", self.injection)
        form.addRow("Variant", self.variant)
        form.addRow("Severity", self.severity)
        form.addRow("Duration", self.duration)
        form.addRow(inject)

    def _injection_defaults(self) -> None:
        spec = self.scenario.injections.get(self.injection.currentData())
        if spec is not None:
            self.severity.setValue(spec.default_severity if spec.graded else 1.0)
            self.severity.setEnabled(spec.graded)
            self.severity.setToolTip(f"1.0 = {spec.severity_meaning}" if spec.graded
                                     else "All or nothing: choose a variant")
            self.variant.clear()
            for v in spec.variants.values():
                self.variant.addItem(v.label, v.id)
            if spec.variants:
                self.variant.setCurrentIndex(list(spec.variants).index(spec.default_variant))
            self.variant.setEnabled(bool(spec.variants))
            self.duration.setValue(int(spec.default_duration or 0))  # 0: until stopped

    def _inject(self) -> None:
        iid = self.injection.currentData()
        variant = self.variant.currentData() if self.variant.isEnabled() else None
        name = f"{iid}:{variant}" if variant else iid
        severity = self.severity.value() if self.severity.isEnabled() else 1.0
        self._request(INJECT, injection=name, severity=severity,
                      duration=float(self.duration.value()) or None,
                      until_stopped=self.duration.value() == 0)


class OverrideForm(QtWidgets.QWidget):
    """"Override a channel": objectNames `instructor.override_channel`, `_target`,
    `_transition`, `_duration`, `_apply`. The target starts at the channel's value now."""

    def __init__(self, catalogue: Catalogue, request: Request,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalogue = catalogue
        oform = _form(self)
        self.channel = shrinkable(QtWidgets.QComboBox(self))
        self.channel.setObjectName("instructor.override_channel")
        self.channel.setAccessibleName("Channel")
        for cid in catalogue.displayed_numerics:
            ch = catalogue.numerics[cid]
            if not ch.derived:
                self.channel.addItem(f"{ch.label} ({ch.unit})", cid)
        self.target = QtWidgets.QDoubleSpinBox(self)
        self.target.setObjectName("instructor.override_target")
        self.target.setAccessibleName("Target value")
        self.target.setRange(-500, 5000)  # set per channel from its range (_bound_target)
        self._values: dict[str, float] = {}
        self.channel.currentIndexChanged.connect(self._bound_target)
        self.channel.currentIndexChanged.connect(self._target_from_now)
        self.transition = QtWidgets.QSpinBox(self)
        self.transition.setObjectName("instructor.override_transition")
        self.transition.setAccessibleName("Transition time in seconds")
        self.transition.setRange(0, 3600)
        self.transition.setValue(60)
        self.transition.setSuffix(" s")
        self.hold = QtWidgets.QSpinBox(self)
        self.hold.setObjectName("instructor.override_duration")
        self.hold.setAccessibleName("Hold for seconds (0 = until stopped)")
        self.hold.setRange(0, 24 * 3600)
        self.hold.setSpecialValueText("until stopped")
        self.hold.setSuffix(" s")
        apply_override = QtWidgets.QPushButton("Apply override", self)
        apply_override.setObjectName("instructor.override_apply")
        apply_override.setAccessibleName("Drive the channel towards the target")
        apply_override.clicked.connect(lambda: request(
            OVERRIDE, channel=self.channel.currentData(), target=self.target.value(),
            transition=float(self.transition.value()), duration=float(self.hold.value()) or None))
        oform.addRow("Channel", self.channel)
        oform.addRow("Target", self.target)
        oform.addRow("Over", self.transition)
        oform.addRow("Hold", self.hold)
        oform.addRow(apply_override)

    def set_values(self, values: dict[str, float]) -> None:
        """The latest numerics; the first ones set the target of the channel shown."""
        first = not self._values
        self._values = values
        if first:
            self._target_from_now()

    def _bound_target(self) -> None:
        """The target box takes only what the channel can show (its physical range) at
        the precision the monitor shows it."""
        ch = self.catalogue.numerics.get(self.channel.currentData())
        if ch is None:
            return
        lo, hi = ch.limits
        self.target.setDecimals(ch.precision)
        self.target.setRange(lo if math.isfinite(lo) else -1e4, hi if math.isfinite(hi) else 1e4)
        self.target.setSingleStep(10 ** -ch.precision)
        self.target.setSuffix(f" {ch.unit}")

    def _target_from_now(self) -> None:
        """Start the target at the channel's value now, rounded as the monitor shows it,
        so a small change is a small edit."""
        self._bound_target()
        ch = self.catalogue.numerics.get(self.channel.currentData())
        v = self._values.get(self.channel.currentData())
        if ch is not None and v is not None and math.isfinite(v):
            self.target.setValue(round(v, ch.precision))
