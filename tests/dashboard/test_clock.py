"""ReplayClock: case time = anchor + wall elapsed x speed; pause, speed and seek re-anchor."""

from __future__ import annotations

import pytest

from dashboard.core.clock import SPEEDS, ManualWall, ReplayClock


def make(start=100.0, end=10_000.0, **kw):
    wall = ManualWall()
    return wall, ReplayClock(start, end, wall=wall, **kw)


def test_advances_by_wall_time_times_speed():
    wall, c = make(speed=60)
    wall.advance(1.5)
    assert c.case_time() == 100 + 90


def test_pause_freezes_and_play_resumes_without_jump():
    wall, c = make()
    wall.advance(10)
    c.pause()
    wall.advance(1000)
    assert c.case_time() == 110 and not c.playing
    c.play()
    wall.advance(5)
    assert c.case_time() == 115


def test_speed_change_keeps_case_time_continuous():
    wall, c = make()
    wall.advance(10)
    c.set_speed(600)
    assert c.case_time() == 110
    wall.advance(1)
    assert c.case_time() == 710
    c.faster()
    assert c.speed == 3600
    c.faster()
    assert c.speed == 3600  # already the fastest
    c.slower()
    assert c.speed == 600
    assert SPEEDS == (1, 2, 5, 10, 60, 600, 3600)


def test_seek_clamps_to_course_and_stops_at_end():
    wall, c = make(end=1000)
    c.seek(-50)
    assert c.case_time() == 0
    c.seek(990)
    wall.advance(100)
    assert c.case_time() == 1000 and not c.playing


def test_bad_start_or_speed_rejected():
    with pytest.raises(ValueError):
        make(start=20_000)
    _, c = make()
    with pytest.raises(ValueError):
        c.set_speed(0)
