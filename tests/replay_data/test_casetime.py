"""One time format on every screen: the case's day and clock time, spoken durations."""

import pytest

from replay_data.casetime import case_clock, clock_of_day, ecmo_run, span_text


@pytest.mark.parametrize(("t", "text"), [
    (0, "Day 1 00:00"), (12 * 86400 + 17 * 3600 + 11 * 60 + 59, "Day 13 17:11"),
    (86399.9, "Day 1 23:59")])
def test_case_clock_is_day_and_clock_time(t, text):
    assert case_clock(t) == text


def test_case_clock_with_seconds_and_before_admission():
    assert case_clock(3661, seconds=True) == "Day 1 01:01:01"
    assert case_clock(-60).startswith("-") and "Day" not in case_clock(-60)
    assert clock_of_day(12 * 86400 + 17 * 3600 + 660) == "17:11"


def test_ecmo_run_time():
    assert ecmo_run(100, 200) == ""
    assert ecmo_run(200 + 60, 200) == "ECMO run 00:01"
    assert ecmo_run(200 + 86400 + 2 * 3600 + 180, 200) == "ECMO run 1 d 02:03"
    assert ecmo_run(500, 200, 400) == "ECMO ended"


@pytest.mark.parametrize(("s", "text"), [
    (114.997, "1 min 55 s"), (12.4, "12 s"), (0, "0 s"), (240, "4 min"), (3900, "1 h 05 min"),
    (7200, "2 h"), (2 * 86400 + 3 * 3600, "2 d 3 h"), (None, "until stopped")])
def test_span_text_is_spoken(s, text):
    assert span_text(s) == text
