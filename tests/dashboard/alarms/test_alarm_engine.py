"""AlarmEngine: delays, hysteresis, escalation, latching, acknowledge, inactivation."""

from __future__ import annotations

import math

import pytest
from alarm_support import CALM, ECMO, events, feed
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.alarms import (
    AlarmEngine,
    AlarmKind,
    AlarmOffRefused,
    AlarmState,
    LimitError,
    Priority,
)
from dashboard.alarms.profile import profile_from_toml


def engine() -> AlarmEngine:
    return AlarmEngine(ECMO)


def ids(e: AlarmEngine) -> list[str]:
    return [a.alarm_id for a in e.active_alarms()]


# ------------------------------------------------------------------ limits and delays


def _inside(lo: float | None, hi: float | None) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo if lo is not None else -1e3,
                     max_value=hi if hi is not None else 1e3)  # fmt: skip


def _calm_strategy() -> st.SearchStrategy[dict[str, float]]:
    """Every limited parameter anywhere inside its limits (limits included, comparisons
    are strict), any of them possibly not measured (NaN)."""
    fields = {}
    for name, value in CALM.items():
        lo, hi = (None, None)
        if name in ECMO.parameters:
            lo, hi = AlarmEngine(ECMO).limits(name)
        if name in ("ecmo_rpm",):
            lo, hi = 1.0, 5000.0
        elif name == "sweep_flow":
            lo, hi = 0.5, 10.0
        elif name == "po2_post":
            lo, hi = 150.0, 700.0
        elif name in ("act", "act_target_low", "act_target_high"):
            fields[name] = st.just(value)
            continue
        elif lo is None and hi is None:
            fields[name] = st.just(value)
            continue
        fields[name] = st.one_of(_inside(lo, hi), st.just(math.nan))
    return st.fixed_dictionaries(fields)


@settings(max_examples=60, deadline=None)
@given(st.lists(_calm_strategy(), min_size=1, max_size=40), st.sampled_from([0.5, 1.0, 5.0]))
def test_no_alarm_while_every_value_is_inside_its_limits(samples, dt):
    e = engine()
    for i, values in enumerate(samples):
        assert e.update(i * dt, values, frozenset({"weaning"})) == []
    assert e.active_alarms() == []
    assert e.audible_priority() is None


LIMIT_RULES = [r for r in ECMO.rules if r.parameter is not None]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(LIMIT_RULES),
    st.integers(min_value=0, max_value=30),  # samples out of limits
    st.sampled_from([0.5, 1.0, 2.0]),
)
def test_alarm_raised_exactly_when_out_of_limits_for_the_delay(rule, n_out, dt):
    level = rule.levels[0]
    limit = level.primary.value
    # Beyond the normal limit but not as far as an extreme one.
    inner = rule.levels[1].primary.value if len(rule.levels) > 1 else None
    sign = -1 if rule.direction == "low" else 1
    out_value = limit + sign * 0.5 * (abs(inner - limit) if inner is not None else 1.0)
    e = engine()
    changes = feed(e, 0, 10 * dt, dt=dt)
    changes += feed(e, 10 * dt, (10 + n_out) * dt, {rule.channel: out_value}, dt=dt)
    raises = [c for c in changes if c.event == "raise"]
    group = e.profile.group_of(rule.id)  # ABP sys/dia/mean: their one folded alarm
    held = n_out * dt - dt  # time from the first to the last out-of-limit sample
    if n_out and held >= level.delay_s:
        assert [c.alarm_id for c in raises] == [rule.id if group is None else group.id]
        if group is not None:
            (member,) = [c for c in changes if c.event == "member_raise"]
            assert (member.alarm_id, member.case_time) == (rule.id, raises[0].case_time)
        first_out = 10 * dt
        expected = first_out + math.ceil(level.delay_s / dt) * dt
        assert raises[0].case_time == pytest.approx(expected)
        assert raises[0].priority == level.priority
        assert raises[0].limit == limit
    else:
        assert raises == []


def test_condition_shorter_than_delay_never_raises():
    e = engine()
    feed(e, 0, 10)
    assert feed(e, 10, 15, {"hr": 145}) == []  # 5 s < 6 s delay
    assert feed(e, 15, 20) == []
    assert feed(e, 20, 26, {"hr": 145}) == []  # samples 20..25: 5 s held
    ch = feed(e, 26, 28, {"hr": 145})
    assert events(ch) == [(26.0, "raise", "hr.high")]


def test_desat_has_no_delay_and_is_high_priority():
    e = engine()
    feed(e, 0, 5)
    ch = feed(e, 5, 6, {"spo2": 75})
    assert events(ch) == [(5.0, "raise", "spo2.low")]
    assert ch[0].priority is Priority.HIGH and ch[0].message == "Desat"
    assert e.audible_priority() is Priority.HIGH


def test_hysteresis_value_hovering_at_the_limit_does_not_chatter():
    e = engine()
    feed(e, 0, 10, {"hr": 145})  # raised at t=6
    assert ids(e) == ["hr.high"]
    # Hovering between 138.5 and 141.5 around the 140 limit: stays (margin 2).
    hover = []
    for i in range(40):
        hover += e.update(10 + i, {**CALM, "hr": 141.5 if i % 2 else 138.5})
    assert events(hover, "raise", "clear") == []
    ch = e.update(50, {**CALM, "hr": 117.9})  # back inside by more than the margin
    assert events(ch) == [(50.0, "clear", "hr.high")]


def test_nan_channel_is_not_an_alarm_and_ends_one():
    e = engine()
    ch = feed(e, 0, 60, {"ecmo_flow": math.nan, "ecmo_rpm": math.nan, "p_venous": math.nan})
    assert ch == []
    feed(e, 60, 70, {"hr": 145})
    assert ids(e) == ["hr.high"]
    ch = e.update(70, {**CALM, "hr": math.nan})
    assert events(ch) == [(70.0, "clear", "hr.high")]


# ------------------------------------------------------------------ escalation


def test_escalation_from_normal_into_extreme_limit():
    e = engine()
    ch = feed(e, 0, 10, {"hr": 145})  # raise medium at 6
    ch += feed(e, 10, 20, {"hr": 160})  # extreme > 150 for 6 s: escalate at 16
    assert events(ch) == [(6.0, "raise", "hr.high"), (16.0, "escalate", "hr.high")]
    esc = ch[-1]
    assert esc.priority is Priority.HIGH and esc.message == "Extreme tachy" and esc.limit == 150
    # Back to merely high: stays high (one-way until it clears), no new log lines.
    assert feed(e, 20, 30, {"hr": 145}) == []
    assert e.active_alarms()[0].priority is Priority.HIGH


def test_escalation_resounds_an_acknowledged_alarm():
    e = engine()
    feed(e, 0, 10, {"ecmo_flow": 1.5})
    e.acknowledge(10)
    assert e.audible_priority() is None
    feed(e, 10, 13, {"ecmo_flow": 0.5})  # extreme delay 2 s
    [a] = e.active_alarms()
    assert a.state is AlarmState.ACTIVE and a.priority is Priority.HIGH
    assert e.audible_priority() is Priority.HIGH


# ------------------------------------------------------------------ latching, acknowledge


def test_high_priority_latches_until_acknowledged():
    e = engine()
    feed(e, 0, 3, {"spo2": 70})
    ch = feed(e, 3, 4)
    assert events(ch) == [(3.0, "clear", "spo2.low")]
    [a] = e.active_alarms()
    assert a.state is AlarmState.LATCHED and not a.condition_active
    assert e.audible_priority() is Priority.HIGH  # latched_audible = true in the profile
    ch = e.acknowledge(4)
    assert events(ch) == [(4.0, "acknowledge", "spo2.low")]
    assert e.active_alarms() == []


def test_medium_priority_does_not_latch():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    feed(e, 10, 11)
    assert e.active_alarms() == []


def test_acknowledge_silences_but_visual_stays_while_condition_lasts():
    e = engine()
    feed(e, 0, 12, {"hr": 145, "etco2": 60})
    ch = e.acknowledge(12, "hr.high")
    assert events(ch) == [(12.0, "acknowledge", "hr.high")]
    states = {a.alarm_id: a.state for a in e.active_alarms()}
    assert states == {"hr.high": AlarmState.ACKNOWLEDGED, "etco2.high": AlarmState.ACTIVE}
    assert e.acknowledge(12, "hr.high") == []  # already acknowledged: nothing to log
    e.acknowledge(12)
    assert e.audible_priority() is None
    assert len(e.active_alarms()) == 2
    feed(e, 12, 13)  # conditions end: acknowledged alarms go (no latch)
    assert e.active_alarms() == []


def test_acknowledge_unknown_id_is_an_error():
    with pytest.raises(ValueError, match="unknown alarm id"):
        engine().acknowledge(0, "hr.hgih")


def test_active_alarms_sorted_by_priority_then_newest():
    e = engine()
    feed(e, 0, 7, {"hr": 145})  # medium at 6
    feed(e, 7, 20, {"hr": 145, "etco2": 60})  # medium at 16
    feed(e, 20, 21, {"hr": 145, "etco2": 60, "spo2": 70})  # high at 20
    assert ids(e) == ["spo2.low", "etco2.high", "hr.high"]
    assert e.active_alarms()[0].text == "*** Desat"
    assert e.active_alarms()[1].text == "** EtCO2 high"


def test_technical_and_physiological_are_told_apart():
    e = engine()
    feed(e, 0, 1, {"ecmo_rpm": 0, "spo2": 70})
    kinds = {a.alarm_id: a.kind for a in e.active_alarms()}
    assert kinds["pump_stopped"] is AlarmKind.TECHNICAL
    assert kinds["spo2.low"] is AlarmKind.PHYSIOLOGICAL
    assert next(a for a in e.active_alarms() if a.alarm_id == "pump_stopped").technical


# ------------------------------------------------------------------ audio pause / off


def test_audio_pause_silences_then_countdown_expiry_restores_audio():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    assert e.audible_priority() is Priority.MEDIUM
    e.audio_pause(10)
    assert e.audible_priority() is None
    assert e.status().audio_paused_remaining_s == pytest.approx(120)
    feed(e, 10, 100, {"hr": 145})
    assert e.status().audio_paused_remaining_s == pytest.approx(31)
    assert e.audible_priority() is None
    ch = feed(e, 100, 135, {"hr": 145})
    assert events(ch) == [(130.0, "audio_resumed", None)]
    assert e.status().audio_paused_remaining_s is None
    assert e.audible_priority() is Priority.MEDIUM


def test_higher_priority_alarm_breaks_through_audio_pause():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    e.audio_pause(10)
    # Another medium alarm does not break through.
    feed(e, 10, 25, {"hr": 145, "etco2": 60})
    assert e.audible_priority() is None and e.status().audio_paused_remaining_s is not None
    ch = feed(e, 25, 26, {"hr": 145, "etco2": 60, "spo2": 70})
    assert events(ch) == [(25.0, "raise", "spo2.low"), (25.0, "audio_resumed", "spo2.low")]
    assert e.status().audio_paused_remaining_s is None
    assert e.audible_priority() is Priority.HIGH


def test_escalation_above_the_pause_ceiling_breaks_through():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    e.audio_pause(10)
    feed(e, 10, 20, {"hr": 160})
    assert e.status().audio_paused_remaining_s is None
    assert e.audible_priority() is Priority.HIGH


def test_audio_paused_with_a_high_alarm_present_holds_against_other_highs():
    e = engine()
    feed(e, 0, 2, {"spo2": 70})
    e.audio_pause(2)
    feed(e, 2, 3, {"spo2": 70, "ecmo_rpm": 0})
    assert e.audible_priority() is None


def test_audio_off_and_on():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    assert events(e.audio_off(10, True)) == [(10.0, "audio_off", None)]
    feed(e, 10, 500, {"hr": 145, "spo2": 70})  # no countdown, no break-through
    assert e.audible_priority() is None and e.status().audio_off
    assert events(e.audio_off(500, False)) == [(500.0, "audio_on", None)]
    assert e.audible_priority() is Priority.HIGH  # restored for alarms still active


# ------------------------------------------------------------------ alarm pause / off


def test_alarm_pause_holds_new_signals_and_restores_them_when_it_ends():
    e = engine()
    e.alarm_pause(0)
    ch = feed(e, 0, 20, {"hr": 145})
    assert events(ch, "raise") == [(6.0, "raise", "hr.high")]  # the condition is logged
    assert e.active_alarms() == [] and e.audible_priority() is None
    assert e.status().alarm_paused_remaining_s == pytest.approx(101)
    ch = feed(e, 20, 30)  # the condition ends during the pause: nothing to restore
    assert events(ch) == [(20.0, "clear", "hr.high")]
    ch = feed(e, 30, 120, {"etco2": 60})
    assert events(ch) == [(40.0, "raise", "etco2.high")] and e.active_alarms() == []
    ch = feed(e, 120, 125, {"etco2": 60})
    assert events(ch) == [(120.0, "alarm_resumed", None)]
    [a] = e.active_alarms()
    assert (a.alarm_id, a.raised_at, a.state) == ("etco2.high", 120.0, AlarmState.ACTIVE)
    assert e.audible_priority() is Priority.MEDIUM


def test_alarm_pause_ends_by_operator_and_restores_signal():
    e = engine()
    e.alarm_pause(0)
    feed(e, 0, 10, {"spo2": 70})
    assert e.active_alarms() == []
    ch = e.alarm_pause(10, on=False)
    assert events(ch) == [(10.0, "alarm_resumed", None)]
    assert ids(e) == ["spo2.low"] and e.audible_priority() is Priority.HIGH


def test_alarm_off_refused_for_non_switchable():
    e = engine()
    with pytest.raises(AlarmOffRefused, match="cannot be switched off"):
        e.alarm_off(0, "pump_stopped")
    with pytest.raises(AlarmOffRefused):
        e.alarm_off(0, "air_in_circuit")
    with pytest.raises(ValueError, match="unknown alarm or parameter"):
        e.alarm_off(0, "nonsense")


def test_alarm_off_spo2_keeps_desat():
    e = engine()
    ch = e.alarm_off(0, "spo2")
    assert events(ch) == [(0.0, "alarm_off", "spo2.low")]
    assert "Desat stays on" in ch[0].message
    assert e.status().alarms_off == frozenset({"spo2.low"})
    assert feed(e, 0, 30, {"spo2": 85}) == []  # SpO2 low is off
    ch = feed(e, 30, 31, {"spo2": 70})
    assert events(ch) == [(30.0, "raise", "spo2.low")] and ch[0].message == "Desat"


def test_alarm_off_removes_signal_and_alarm_on_restores_it():
    e = engine()
    feed(e, 0, 10, {"hr": 145})
    ch = e.alarm_off(10, "hr.high")
    assert events(ch) == [(10.0, "alarm_off", "hr.high"), (10.0, "clear", "hr.high")]
    assert e.active_alarms() == []
    assert feed(e, 10, 20, {"hr": 145}) == []
    ch = e.alarm_off(20, "hr.high", on=False)
    assert events(ch) == [(20.0, "alarm_on", "hr.high"), (20.0, "raise", "hr.high")]
    assert ids(e) == ["hr.high"]


# ------------------------------------------------------------------ limits at runtime


def test_set_limits_changes_evaluation_and_is_logged():
    e = engine()
    ch = e.set_limits(0, "hr", low=45, high=130)
    assert [(c.event, c.alarm_id, c.limit) for c in ch] == [
        ("limits_changed", "hr.low", 45),
        ("limits_changed", "hr.high", 130),
    ]
    assert "50 -> 45" in ch[0].message
    assert e.limits("hr") == (45, 130)
    assert feed(e, 0, 20, {"hr": 125}) == []
    ch = feed(e, 20, 30, {"hr": 135})
    assert events(ch) == [(26.0, "raise", "hr.high")] and ch[0].limit == 130


def test_set_limits_validation():
    e = engine()
    with pytest.raises(LimitError, match="extreme"):
        e.set_limits(0, "hr", low=35)
    with pytest.raises(LimitError, match="below high"):
        e.set_limits(0, "hr", low=145)
    with pytest.raises(LimitError, match="no alarm limits"):
        e.set_limits(0, "cvp", low=2)
    with pytest.raises(LimitError, match="no low"):
        e.set_limits(0, "etco2", low=10)
    with pytest.raises(LimitError, match="finite"):
        e.set_limits(0, "hr", high=math.inf)
    assert e.limits("hr") == (50, 140)


# ------------------------------------------------------------------ technical alarms


def test_probe_off_suppresses_spo2_physiological_alarms_and_raises_technical():
    e = engine()
    ch = feed(e, 0, 30, {"spo2": 60}, flags={"spo2_probe_off"})
    assert events(ch) == [(0.0, "raise", "spo2_probe_off")]
    assert ch[0].kind is AlarmKind.TECHNICAL


def test_ecg_leads_off_is_active_even_when_hr_is_not_measured():
    e = engine()
    ch = feed(e, 0, 5, {"hr": math.nan}, flags={"ecg_leads_off"})
    assert events(ch) == [(0.0, "raise", "ecg_leads_off")]


def test_sweep_gas_low_needs_fdo2_above_21_and_no_weaning():
    e = engine()
    assert feed(e, 0, 60, {"sweep_flow": 0.0}, flags={"weaning"}) == []
    assert feed(e, 60, 120, {"sweep_flow": 0.0, "fdo2": 21.0}) == []
    ch = feed(e, 120, 140, {"sweep_flow": 0.2})
    assert events(ch) == [(130.0, "raise", "sweep_gas_low")]


def test_ecmo_console_alarms():
    e = engine()
    ch = feed(e, 0, 2, {"ecmo_rpm": 0.0, "ecmo_flow": 0.0}, flags={"air_in_circuit"})
    raised = {c.alarm_id: c.priority for c in ch if c.event == "raise"}
    assert raised["pump_stopped"] is Priority.HIGH
    assert raised["air_in_circuit"] is Priority.HIGH
    e = engine()
    ch = feed(e, 0, 12, {"p_venous": -90.0, "delta_p": 60.0, "po2_post": 120.0})
    raised = {c.alarm_id: c.priority for c in ch if c.event == "raise"}
    assert raised == {
        "p_venous.low": Priority.MEDIUM,
        "delta_p.high": Priority.MEDIUM,
        "post_oxygenator_po2_low": Priority.MEDIUM,
    }
    ch = feed(e, 12, 20, {"p_venous": -120.0, "delta_p": 60.0, "po2_post": 120.0})
    assert events(ch, "escalate") == [(13.0, "escalate", "p_venous.low")]


# The shipped profile has no ACT alarm (the issue "ECMO emergencies a team can train on":
# a point-of-care ACT is a result flagged on the results panel, not a monitor alarm); the
# moving-band mechanics (a threshold read from another channel) stay, in a profile that
# asks for them.
ACT_PROFILE = profile_from_toml("""
inherits = "sle_dah_ecmo"
[conditions.act_low]
kind = "technical"
category = "artificial_perfusion"
priority = "low"
delay_s = 0
message = "ACT below target"
when = [{ channel = "act", op = "<", ref = "act_target_low" }]
[conditions.act_high]
kind = "technical"
category = "artificial_perfusion"
priority = "low"
delay_s = 0
message = "ACT above target"
when = [{ channel = "act", op = ">", ref = "act_target_high" }]
""")


def test_the_shipped_ecmo_profile_does_not_alarm_on_the_act():
    e = engine()
    assert feed(e, 0, 5, {"act": 130.0}) == [] and feed(e, 5, 10, {"act": 210.0}) == []


def test_act_outside_current_target_band_is_low_priority():
    e = AlarmEngine(ACT_PROFILE)
    assert feed(e, 0, 5, {"act": math.nan}) == []
    ch = feed(e, 5, 6, {"act": 130.0})
    assert [(c.alarm_id, c.priority, c.limit) for c in ch] == [("act_low", Priority.LOW, 140)]
    # The band moves to 180-200 after 24 h: the same ACT is now low against the new band.
    ch = feed(e, 6, 7, {"act": 170.0, "act_target_low": 180.0, "act_target_high": 200.0})
    assert ch == []
    ch = feed(e, 7, 8, {"act": 210.0, "act_target_low": 180.0, "act_target_high": 200.0})
    assert events(ch) == [(7.0, "clear", "act_low"), (7.0, "raise", "act_high")]
    ch = feed(e, 8, 9, {"act": 210.0, "act_target_low": math.nan, "act_target_high": math.nan})
    assert events(ch) == [(8.0, "clear", "act_high")]


def test_a_held_alarm_stays_through_short_gaps_and_clears_after_the_hold():
    e = engine()  # p_venous.low: delay 3 s, hold 10 s (sle_dah_ecmo)
    ch = feed(e, 0, 5, {"p_venous": -90.0})
    ch += feed(e, 5, 9, {"p_venous": -60.0})  # a 4 s gap: held
    ch += feed(e, 9, 12, {"p_venous": -90.0})
    ch += feed(e, 12, 40, {"p_venous": -60.0})
    assert events(ch, "raise", "clear") == [(3.0, "raise", "p_venous.low"),
                                            (21.0, "clear", "p_venous.low")]


# ------------------------------------------------------------------ time and seeking


def test_time_going_back_needs_reset():
    e = engine()
    feed(e, 0, 10)
    with pytest.raises(ValueError, match="reset"):
        e.update(5, CALM)
    e.reset()
    assert e.update(5, CALM) == []


def test_reset_keeps_settings_and_rebuild_restores_state_silently():
    class Sink:
        def __init__(self):
            self.lines = []

        def write(self, c):
            self.lines.append(c)

    sink = Sink()
    e = AlarmEngine(ECMO, sink=sink)
    e.set_limits(0, "hr", high=125)
    e.audio_off(0, True)
    feed(e, 0, 10, {"hr": 145})
    n = len(sink.lines)
    samples = [(float(t), {**CALM, "hr": 130.0}, frozenset()) for t in range(100, 110)]
    e.rebuild(samples)
    assert len(sink.lines) == n  # the rebuild does not log again
    assert ids(e) == ["hr.high"] and e.limits("hr") == (50, 125)
    assert e.status().audio_off
    ch = e.update(110, CALM)
    assert events(ch) == [(110.0, "clear", "hr.high")] and len(sink.lines) == n + 1


def test_engine_never_reads_the_wall_clock(monkeypatch):
    import time

    def boom():
        raise AssertionError("wall clock read")

    monkeypatch.setattr(time, "time", boom)
    monkeypatch.setattr(time, "monotonic", boom)
    e = engine()
    feed(e, 0, 10, {"hr": 145, "spo2": 70})
    e.audio_pause(10)
    e.acknowledge(11)
    e.alarm_pause(12)
    feed(e, 12, 300, {"hr": 145})


def test_reset_quiet_until_does_not_log_the_rebuild_window_again():
    class Sink:
        def __init__(self):
            self.lines = []

        def write(self, c):
            self.lines.append(c)

    sink = Sink()
    e = AlarmEngine(ECMO, sink=sink)
    feed(e, 0, 300, {"hr": 145})
    assert events(sink.lines) == [(6.0, "raise", "hr.high")]
    # Seek back to t=200: rebuild from 200 - 120 without logging what is before 200.
    e.reset(quiet_until=200)
    ch = feed(e, 80, 210, {"hr": 145})
    assert events(ch) == [(86.0, "raise", "hr.high")]  # returned, for the screen
    assert len(sink.lines) == 1  # but not logged twice
    feed(e, 210, 211)
    assert events(sink.lines)[-1] == (210.0, "clear", "hr.high")
