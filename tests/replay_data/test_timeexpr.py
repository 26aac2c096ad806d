"""Case-time expressions as clinicians and instructors type them."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_data.errors import ReplayDataError, TimeExpressionError
from replay_data.timeexpr import format_case_time, parse_duration, resolve_time, split_reference

EVENTS = {"admission": 0.0, "abg_pre_ecmo": 1_008_000.0, "ecmo_start": 1_012_200.0}
DETERMINISTIC = settings(derandomize=True, database=None, deadline=None, max_examples=200)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("90", 90.0),
        ("2.5", 2.5),
        ("90s", 90.0),
        ("15m", 900.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("1h30m", 5400.0),
        ("1d6h", 108000.0),
        ("1d6h30m15s", 86400.0 + 6 * 3600 + 30 * 60 + 15),
        ("1.5h", 5400.0),
        (" 15m ", 900.0),
    ],
)
def test_duration_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1x", ["'1x'", "s, m, h, d"]),
        ("", ["empty"]),
        ("   ", ["empty"]),
        ("h", ["'h'", "s, m, h, d"]),
        ("1h1h", ["'1h1h'", "repeats unit 'h'"]),
        ("-5m", ["'-5m'"]),
        ("-5", ["'-5'", "non-negative"]),
        ("1h 30m", ["'1h 30m'"]),
        ("1h30", ["'1h30'"]),
        ("m15", ["'m15'"]),
        ("1e999", ["'1e999'", "finite"]),
        ("9" * 400 + "s", ["finite"]),
    ],
)
def test_bad_durations_say_what_is_wrong(text: str, words: list[str]) -> None:
    with pytest.raises(TimeExpressionError) as info:
        parse_duration(text)
    message = str(info.value)
    for word in words:
        assert word in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600.0),
        (3600, 3600.0),
        (12.5, 12.5),
        ("admission", 0.0),
        ("ecmo_start", 1_012_200.0),
        ("ecmo_start+90s", 1_012_290.0),
        ("ecmo_start+1h30m", 1_012_200.0 + 5400),
        ("ecmo_start-15m", 1_012_200.0 - 900),
        ("abg_pre_ecmo+1d6h", 1_008_000.0 + 108000),
        ("ecmo_start + 2h", 1_012_200.0 + 7200),
        ("ecmo_start+45", 1_012_245.0),
    ],
)
def test_event_references_resolve(text: str | float, seconds: float) -> None:
    assert resolve_time(text, EVENTS) == seconds


def test_unknown_event_is_named_with_the_known_ones() -> None:
    with pytest.raises(TimeExpressionError) as info:
        resolve_time("ecmo_strat+1h", EVENTS)
    message = str(info.value)
    assert "unknown event 'ecmo_strat'" in message
    assert "'ecmo_strat+1h'" in message
    for known in EVENTS:
        assert known in message


@pytest.mark.parametrize(
    "text",
    ["", "ecmo_start+", "ecmo_start+-5m", "ecmo_start*2", "ecmo_start+1x", "+5m", "1x",
     "ecmo start", "ecmo_start+1h1h", "nan", "inf", "-inf"],
)
def test_bad_time_expressions(text: str) -> None:
    with pytest.raises(TimeExpressionError):
        resolve_time(text, EVENTS)


@pytest.mark.parametrize("value", [True, math.nan, math.inf, -math.inf, 10**400])
def test_bad_time_values(value: object) -> None:
    with pytest.raises(TimeExpressionError):
        resolve_time(value, EVENTS)


def test_time_errors_are_replay_data_errors() -> None:
    # Front ends catch ReplayDataError (and ValueError) to print one line.
    assert issubclass(TimeExpressionError, ReplayDataError)
    assert issubclass(TimeExpressionError, ValueError)


def test_split_reference() -> None:
    assert split_reference("ecmo_start-1h") == ("ecmo_start", -3600.0)
    assert split_reference("ecmo_start") == ("ecmo_start", 0.0)
    assert split_reference("-120") == (None, -120.0)


def test_scenario_resolve_refuses_times_outside_the_course(case_scenario) -> None:
    assert case_scenario.resolve("ecmo_start+1h") == case_scenario.event_times["ecmo_start"] + 3600
    assert case_scenario.resolve("extubation+12h") == case_scenario.end
    for text in ("extubation+13h", "-1", "admission-1s"):
        with pytest.raises(TimeExpressionError, match="outside the scenario"):
            case_scenario.resolve(text)


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0, "Day 1 00:00:00"),
        (59.999, "Day 1 00:00:59"),
        (3661, "Day 1 01:01:01"),
        (86399.9, "Day 1 23:59:59"),
        (86400, "Day 2 00:00:00"),
        (9 * 86400 + 10 * 3600, "Day 10 10:00:00"),
        (1_012_200, "Day 12 17:10:00"),
    ],
)
def test_format_case_time(t: float, text: str) -> None:
    assert format_case_time(t) == text


def test_format_case_time_before_admission_is_not_a_day() -> None:
    text = format_case_time(-60)
    assert text.startswith("-")
    assert "Day" not in text


# ------------------------------------------------------------------ properties

units = st.tuples(*(st.integers(0, 99) for _ in range(4)))


@DETERMINISTIC
@given(units)
def test_any_unit_combination_adds_up(parts: tuple[int, int, int, int]) -> None:
    d, h, m, s = parts
    text = "".join(f"{n}{u}" for n, u in zip(parts, "dhms") if n) or "0s"
    assert parse_duration(text) == d * 86400 + h * 3600 + m * 60 + s


@DETERMINISTIC
@given(units, st.sampled_from(sorted(EVENTS)), st.sampled_from("+-"))
def test_offsets_from_events(parts, event: str, sign: str) -> None:
    text = "".join(f"{n}{u}" for n, u in zip(parts, "dhms") if n) or "0s"
    expected = EVENTS[event] + (1 if sign == "+" else -1) * parse_duration(text)
    assert resolve_time(f"{event}{sign}{text}", EVENTS) == expected


@DETERMINISTIC
@given(st.text(max_size=30))
def test_any_text_gives_a_time_or_a_time_error(text: str) -> None:
    try:
        value = resolve_time(text, EVENTS)
    except TimeExpressionError as exc:
        assert "\n" not in str(exc)
    else:
        assert math.isfinite(value)


@DETERMINISTIC
@given(st.floats(0, 400 * 86400))
def test_case_clock_reads_back(t: float) -> None:
    m = re.fullmatch(r"Day (\d+) (\d\d):(\d\d):(\d\d)", format_case_time(t))
    assert m is not None
    day, hh, mm, ss = (int(g) for g in m.groups())
    assert day >= 1 and hh < 24 and mm < 60 and ss < 60
    assert (day - 1) * 86400 + hh * 3600 + mm * 60 + ss == math.floor(t)
