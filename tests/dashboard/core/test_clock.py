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


def test_a_follower_holds_instead_of_stepping_back_and_jumps_when_told():
    wall, c = make()
    wall.advance(10)
    assert c.case_time() == 110
    c.follow(109.6, hold_back_s=2.0)      # the authority is a little behind: hold
    assert c.case_time() == 110
    wall.advance(0.3)
    assert c.case_time() == 110           # still behind (109.9)
    wall.advance(0.2)
    assert c.case_time() == pytest.approx(110.1)  # caught up: runs on from the anchor
    c.pause()
    c.follow(109.0, hold_back_s=2.0)      # a pause that reached us late: holds
    assert c.case_time() == pytest.approx(110.1)
    c.play()
    wall.advance(1.5)
    assert c.case_time() == 110.5         # ran on from the authority's 109.0
    c.follow(50.0, hold_back_s=2.0)       # far behind: a jump, shown as one
    assert c.case_time() == 50.0
    c.follow(40.0, hold_back_s=2.0)
    c.seek(45.0)                          # a seek ends any hold
    assert c.case_time() == 45.0
