"""What the patient receives besides the ventilator, on the line under the waveforms: the
oxygen therapy while not intubated ("O2 Venturi mask 50 %") and the drug infusions that
have run (a vasopressor's field appears from its first dose, not before).

The window decides when each is shown (screen_plan, once a case second); these only draw.
"""

from __future__ import annotations

import math
import re

from PySide6 import QtWidgets

from dashboard.ui.ecmo_panel import coloured_label, show_channel_values, value_label
from dashboard.ui.fitted_label import FittedLabel
from dashboard.ui.panel import Frame
from replay_data.catalogue import Catalogue

OXYGEN_CHANNEL = "fio2_ward"  # the inspired O2 without a ventilator (mask, cannula, air)
OXYGEN_DEVICE_MODE = "oxygen_device"  # the scenario's text mode naming the device
ROOM_AIR_PCT = 21.0


# A device text that names its own percentage ("Venturi mask 35 %"): the percentage
# shown is always the fio2_ward channel's, the one the model breathes, never two of them.
_OWN_PERCENT = re.compile(r"\s*\d+(?:\.\d+)?\s*%\s*$")


def oxygen_text(device: str, fio2_pct: float) -> str:
    """'O2 Venturi mask 50 %'; 'O2 50 %' when the scenario names no device; 'Room air'
    at 21 % without one; '' when the scenario gives no value (nothing is shown rather
    than a made-up number). A device's flow stays ('Non-rebreather mask 15 L/min')."""
    if not math.isfinite(fio2_pct):
        return ""
    device = _OWN_PERCENT.sub("", device).strip()
    pct = f"{fio2_pct:.0f} %"
    if device:
        return f"O2 {device} {pct}"
    if fio2_pct <= ROOM_AIR_PCT:
        return f"Room air {pct}"
    return f"O2 {pct}"


class OxygenTherapy(QtWidgets.QFrame):
    """objectName `panel.oxygen`: the oxygen the patient breathes without a ventilator,
    laid out like the ventilator's FiO2 (device in small type, the percentage large);
    `text()` is the whole line, e.g. 'O2 Venturi mask 50 %'."""

    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.oxygen")
        self.setProperty("role", "panel")
        self.setAccessibleName("Oxygen therapy")
        colour = catalogue.numerics[OXYGEN_CHANNEL].colour
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(4)
        # Narrow: "O2 Venturi mask" may shorten at a word; the percentage never does.
        self.device = FittedLabel("O2", self, min_scale=0.85)
        self.device.claim_width()
        self.device.setObjectName("oxygen.device")
        self.device.setProperty("role", "ecmo_label")
        self.device.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.value = coloured_label(self, "", "ecmo_value", colour, "numeric.fio2_ward",
                                    "Inspired oxygen without a ventilator (%)")
        self.value.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                 QtWidgets.QSizePolicy.Policy.Preferred)
        self.unit = coloured_label(self, "%", "ecmo_label", colour)
        self.unit.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                QtWidgets.QSizePolicy.Policy.Preferred)
        for w in (self.device, self.value, self.unit):
            lay.addWidget(w)
        self._text = ""

    def text(self) -> str:
        return self._text

    def refresh(self, frame: Frame) -> None:
        text = oxygen_text(frame.course.mode(OXYGEN_DEVICE_MODE, frame.t),
                           frame.values.get(OXYGEN_CHANNEL, math.nan))
        if text == self._text:
            return
        self._text = text
        self.setAccessibleDescription(text)
        # The line minus its percentage: the device words ("O2 Venturi mask", "Room air").
        head, _, pct = text.rpartition(" ")[0].rpartition(" ")
        self.device.set_texts(head)
        self.value.setText(pct)
        self.unit.setVisible(bool(text))


class DrugFields(QtWidgets.QFrame):
    """objectName `panel.drugs`: one field per drug (`drug.<channel>` holding
    `numeric.<channel>`), each shown once the drug has run (`show_drugs`)."""

    def __init__(self, catalogue: Catalogue, channels: tuple[str, ...],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.drugs")
        self.catalogue = catalogue
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 0, 0)
        lay.setSpacing(14)
        self.values: dict[str, QtWidgets.QLabel] = {}
        self.fields: dict[str, QtWidgets.QWidget] = {}
        for cid in channels:
            ch = catalogue.numerics[cid]
            field = QtWidgets.QWidget(self)
            field.setObjectName(f"drug.{cid}")
            row = QtWidgets.QHBoxLayout(field)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            name = coloured_label(field, ch.label, "ecmo_label", ch.colour)
            val = value_label(field, ch)
            unit = coloured_label(field, ch.unit, "ecmo_label", ch.colour)
            for w in (name, val, unit):
                w.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                QtWidgets.QSizePolicy.Policy.Preferred)
                row.addWidget(w)
            field.setVisible(False)  # until the window says the drug has run
            lay.addWidget(field)
            self.values[cid] = val
            self.fields[cid] = field
        # Never narrower than its text: a dose is not shortened (nor its digits cut).
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self.setVisible(False)  # until a drug has run

    def show_drugs(self, running: frozenset[str]) -> None:
        for cid, field in self.fields.items():
            if field.isHidden() == (cid in running):
                field.setVisible(cid in running)
        # Always set, not only on a change: a move to another line (the window's) hides
        # the frame until it is shown again explicitly.
        self.setVisible(any(cid in running for cid in self.fields))

    def refresh(self, frame: Frame) -> None:
        show_channel_values(self.catalogue, self.values, frame.values)
