"""Folded alarms: one hypotension crosses the ABP systolic, diastolic and mean low limits,
and the clinician gets ONE alarm for the problem ("ABP low" with the values), not three
lines in the bar, the log and the audio queue; each crossing still in the log's detail.
Priority, latching and acknowledgement modelled on IEC 60601-1-8."""

from __future__ import annotations

import pytest
from alarm_support import CALM, ECMO, events, feed

from dashboard.alarms import AlarmEngine, AlarmState, Priority, ProfileError
from dashboard.alarms.log import AlarmLog, read_log
from dashboard.alarms.profile import profile_from_toml
from dashboard.ui.alarm_bar import alarm_text

# Systolic 72 < 90, diastolic 38 < 50, mean 50 < 60 (adult_icu limits).
HYPOTENSION = {"abp_sys": 72.0, "abp_dia": 38.0, "abp_mean": 50.0}


def test_the_shipped_profiles_fold_the_arterial_pressures_low_and_high_apart():
    low, high = (next(g for g in ECMO.groups if g.id == gid) for gid in ("abp_low", "abp_high"))
    assert (low.message, low.members) == ("ABP low", ("abp_sys.low", "abp_dia.low",
                                                      "abp_mean.low"))
    assert low.labels == ("sys", "dia", "mean")
    assert high.members == ("abp_sys.high", "abp_dia.high", "abp_mean.high")
    # Different problems stay apart: SpO2 low / Desat, HR, the ECMO console.
    assert {m for g in ECMO.groups for m in g.members} == {*low.members, *high.members}


def test_one_hypotension_is_one_alarm_with_each_crossing_in_the_detail():
    e = AlarmEngine(ECMO)
    feed(e, 0, 10)
    got = feed(e, 10, 30, HYPOTENSION)
    assert events(got, "raise") == [(16.0, "raise", "abp_low")]  # not three
    assert sorted(a for _, _, a in events(got, "member_raise")) == [
        "abp_dia.low", "abp_mean.low", "abp_sys.low"]
    (alarm,) = e.active_alarms()
    assert (alarm.alarm_id, alarm.message, alarm.priority) == ("abp_low", "ABP low",
                                                                Priority.MEDIUM)
    assert alarm_text(alarm) == "** ABP low sys 72 < 90, dia 38 < 50, mean 50 < 60"
    assert e.audible_alarm() == alarm  # one alarm in the audio queue
    # The mean recovers first: the alarm goes on for the others, then clears once.
    got = feed(e, 30, 40, {"abp_sys": 80.0, "abp_dia": 45.0, "abp_mean": 70.0})
    assert events(got, "member_clear") == [(30.0, "member_clear", "abp_mean.low")]
    assert not events(got, "clear")
    assert alarm_text(e.active_alarms()[0]) == "** ABP low sys 80 < 90, dia 45 < 50"
    got = feed(e, 40, 45)
    assert events(got, "clear") == [(40.0, "clear", "abp_low")]
    assert e.active_alarms() == []


def test_a_member_crossing_later_joins_the_alarm_already_on():
    e = AlarmEngine(ECMO)
    feed(e, 0, 10, {"abp_mean": 55.0})  # the mean alone: raised after 6 s
    (first,) = e.active_alarms()
    assert alarm_text(first) == "** ABP low mean 55 < 60"
    got = feed(e, 10, 30, {"abp_mean": 52.0, "abp_sys": 84.0})
    assert [c.event for c in got if c.alarm_id == "abp_sys.low"] == ["member_raise"]
    assert not events(got, "raise")
    assert [a.alarm_id for a in e.active_alarms()] == ["abp_low"]
    assert alarm_text(e.active_alarms()[0]) == "** ABP low sys 84 < 90, mean 52 < 60"


HIGH_MEAN = ('inherits = "adult_icu"\nname = "t"\n[parameters.abp_mean.low]\n'
             'priority = "high"\n')


def test_the_folded_alarm_has_its_highest_members_priority_and_latches_as_it():
    e = AlarmEngine(profile_from_toml(HIGH_MEAN))
    feed(e, 0, 10, {"abp_sys": 84.0})
    assert e.audible_priority() is Priority.MEDIUM
    e.acknowledge(10, "abp_low")
    assert e.audible_alarm() is None
    # The mean (high priority here) crosses: the same alarm escalates and sounds again.
    got = feed(e, 10, 20, {"abp_sys": 84.0, "abp_mean": 55.0})
    assert events(got, "escalate") == [(16.0, "escalate", "abp_low")]
    (alarm,) = e.active_alarms()
    assert (alarm.priority, alarm.state) == (Priority.HIGH, AlarmState.ACTIVE)
    assert e.audible_priority() is Priority.HIGH
    # High priority latches (adult_icu [latching]): after recovery it waits for an ack.
    feed(e, 20, 30)
    (alarm,) = e.active_alarms()
    assert (alarm.state, alarm.condition_active) == (AlarmState.LATCHED, False)
    e.acknowledge(30, "abp_low")
    assert e.active_alarms() == []


def test_acknowledging_a_member_silences_the_alarm_and_later_members_join_silenced():
    e = AlarmEngine(ECMO)
    feed(e, 0, 10, {"abp_sys": 84.0})
    got = e.acknowledge(10, "abp_sys.low")  # a member's id names its folded alarm
    assert events(got) == [(10.0, "acknowledge", "abp_low")]
    feed(e, 10, 30, HYPOTENSION)  # same problem, same priority: no new alarm, no sound
    (alarm,) = e.active_alarms()
    assert alarm.state is AlarmState.ACKNOWLEDGED and e.audible_alarm() is None
    assert [m.label for m in alarm.members] == ["sys", "dia", "mean"]


def test_alarm_off_and_alarm_paused_act_on_the_folded_alarm():
    e = AlarmEngine(ECMO)
    e.alarm_pause(0)
    feed(e, 0, 20, HYPOTENSION)
    assert e.active_alarms() == []  # ALARM PAUSED: no signal for a new condition
    e.alarm_pause(20, on=False)
    assert [a.alarm_id for a in e.active_alarms()] == ["abp_low"]  # restored, once
    e.alarm_off(21, "abp_low")
    assert e.active_alarms() == []
    assert e.status().alarms_off == {"abp_sys.low", "abp_dia.low", "abp_mean.low"}


def test_the_alarm_log_records_the_alarm_and_its_crossings_line_by_line(tmp_path):
    path = tmp_path / "alarms.jsonl"
    log = AlarmLog(path, wall_clock=lambda: 0.0)
    e = AlarmEngine(ECMO, sink=log)
    feed(e, 0, 10)
    feed(e, 10, 30, HYPOTENSION)
    # Flushed as it happens: readable before the log is closed.
    rows = read_log(path)
    assert [(r["event"], r["alarm_id"]) for r in rows if r["event"] == "raise"] == [
        ("raise", "abp_low")]
    raise_row = next(r for r in rows if r["event"] == "raise")
    assert raise_row["message"] == "ABP low" and raise_row["priority"] == "medium"
    detail = {r["alarm_id"]: r for r in rows if r["event"] == "member_raise"}
    assert detail["abp_sys.low"]["value"] == 72 and detail["abp_sys.low"]["limit"] == 90
    assert detail["abp_mean.low"]["message"] == "ABP mean low (in ABP low)"
    feed(e, 30, 40, CALM)
    log.close()
    rows = read_log(path)
    assert [r["event"] for r in rows if r["alarm_id"] == "abp_low"] == ["raise", "clear"]


@pytest.mark.parametrize(("groups", "key", "problem"), [
    ('[groups.g]\nmessage = "G"\nmembers = ["hr.low", "abp_nope.low"]\n',
     "groups.g.members", "unknown alarm 'abp_nope.low'"),
    ('[groups.g]\nmessage = "G"\nmembers = ["abp_sys.low", "abp_dia.low"]\n',
     "groups.g.members", "'abp_sys.low' is already in group 'abp_low'"),
    ('[groups."hr.low"]\nmessage = "G"\nmembers = ["hr.high", "rr.low"]\n',
     'groups.hr.low', "lower_case_with_underscores"),
    ('[groups.g]\nmessage = "G"\nmembers = ["hr.low"]\n',
     "groups.g.members", "two or more"),
])
def test_a_bad_group_is_refused_in_one_line_naming_file_and_key(groups, key, problem):
    with pytest.raises(ProfileError) as info:
        profile_from_toml('inherits = "adult_icu"\nname = "t"\n' + groups, "mine.toml")
    msg = str(info.value)
    assert msg.startswith("mine.toml:") and key in msg and problem in msg and "\n" not in msg


def test_a_member_switched_off_leaves_the_group_with_the_others():
    p = profile_from_toml('inherits = "adult_icu"\nname = "t"\n'
                          '[parameters.abp_dia.low]\nenabled = false\n')
    assert next(g for g in p.groups if g.id == "abp_low").members == ("abp_sys.low",
                                                                      "abp_mean.low")


def test_the_trend_timeline_marks_one_episode_for_the_folded_alarm():
    import numpy as np

    from dashboard.alarms.timeline import compute_timeline

    t = np.arange(0.0, 60.0)
    values = {k: np.full(60, v) for k, v in CALM.items()}
    for ch, v in HYPOTENSION.items():
        values[ch][10:40] = v
    tl = compute_timeline(t, values, {}, ECMO)
    (episode,) = tl.intervals()
    assert (episode.alarm_id, episode.message, episode.start, episode.end) == (
        "abp_low", "ABP low", 16.0, 40.0)
