"""The alarm system's vocabulary: priorities, kinds, sound categories, signal states.

Names follow IEC 60601-1-8 wording (the app is modelled on it, not compliant with it).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Priority(IntEnum):
    """Alarm priority; ordered so that max() gives the most urgent."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def prefix(self) -> str:
        """Message prefix shown before the alarm text: '***' high, '**' medium, '*' low."""
        return "*" * int(self)

    @classmethod
    def from_label(cls, text: str) -> Priority:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown priority {text!r} (use high, medium or low)") from None


class AlarmKind(StrEnum):
    """Physiological (the patient) or technical (a sensor or the ECMO circuit)."""

    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"


class Category(StrEnum):
    """Sound category: picks the Annex F melody of the burst."""

    GENERAL = "general"
    CARDIOVASCULAR = "cardiovascular"
    OXYGEN = "oxygen"
    VENTILATION = "ventilation"
    TEMPERATURE = "temperature"
    ARTIFICIAL_PERFUSION = "artificial_perfusion"


class AlarmState(StrEnum):
    """State of an alarm signal as the operator sees it.

    ACTIVE        condition present, signal on (sounds unless audio is paused or off)
    ACKNOWLEDGED  condition present, audio silenced for it, visual stays
    LATCHED       condition ended, but a latching alarm was not yet acknowledged
    CLEARED       gone; only seen in change records, never in active_alarms()
    """

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    LATCHED = "latched"
    CLEARED = "cleared"
