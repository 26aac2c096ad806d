"""The alarm bar's text: value against the limit it crossed, never a contradiction."""

from __future__ import annotations

from dashboard.alarms.engine import AlarmSignal
from dashboard.alarms.kinds import AlarmKind, AlarmState, Category, Priority
from dashboard.ui.alarm_bar import alarm_text


def _signal(alarm_id: str, message: str, value: float, limit: float) -> AlarmSignal:
    return AlarmSignal(alarm_id=alarm_id, channel=alarm_id.split(".")[0],
                       kind=AlarmKind.PHYSIOLOGICAL, category=Category.CARDIOVASCULAR,
                       priority=Priority.MEDIUM, state=AlarmState.ACTIVE, message=message,
                       value=value, limit=limit, raised_at=0.0, condition_active=True)


def test_beyond_the_limit_reads_value_against_limit():
    assert alarm_text(_signal("abp_sys.low", "ABP sys low", 84.4, 90)) == "** ABP sys low 84 < 90"
    assert alarm_text(_signal("hr.high", "HR high", 151, 140)) == "** HR high 151 > 140"


def test_inside_the_hysteresis_band_names_the_limit_instead_of_a_wrong_sign():
    # 92 mmHg is back above the low limit of 90 but not past 90 + 3 hysteresis: the alarm
    # holds; "92 > 90" under "ABP sys low" would contradict itself.
    assert alarm_text(_signal("abp_sys.low", "ABP sys low", 92, 90)) == \
        "** ABP sys low 92 (limit 90)"
    # Beyond the limit, but equal to it once rounded as displayed: no "90 < 90".
    assert alarm_text(_signal("abp_sys.low", "ABP sys low", 89.7, 90)) == \
        "** ABP sys low 90 (limit 90)"
