"""Circuit alarms as a clinician expects them, counted as alarm episodes over scripted
runs of the case fed second by second to the engine, as the monitor does (the issue "ECMO
emergencies a team can train on")."""

from __future__ import annotations

from case_support import case_course

from dashboard.alarms import AlarmEngine, load_profile
from dashboard.core.monitor import BedsideMonitor
from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0  # 3,200 rpm, 3.7 L/min


def run(course: Course, t0: float, t1: float) -> list:
    """Every alarm change from t0 to t1 (after a quiet minute before t0)."""
    engine = AlarmEngine(load_profile(course.scenario.alarm_profile))
    monitor = BedsideMonitor(course, engine)
    monitor.seek(t0 - 60)
    monitor.take_changes()
    monitor.advance_to(t1)
    return monitor.take_changes()


def episodes(changes: list, alarm_id: str) -> list[tuple[float, float | None]]:
    """(raised, cleared) of each episode of one alarm (cleared None: still on)."""
    out: list[tuple[float, float | None]] = []
    for c in changes:
        if c.alarm_id != alarm_id:
            continue
        if c.event == "raise":
            out.append((c.case_time, None))
        elif c.event in ("clear", "silence") and out and out[-1][1] is None:
            out[-1] = (out[-1][0], c.case_time)
    return out


def with_controls(course: Course, *settings: tuple[str, float, float]) -> Course:
    for n, (control, value, t) in enumerate(settings):
        p = control_perturbation(course, control, value, t, f"team-{n}")
        course = course.with_perturbations((*course.perturbations, p))
    return course


def test_a_clamped_return_line_raises_p_int_high_once_and_unclamping_clears_it():
    c = with_controls(COURSE, ("control.ecmo.clamp_return", 1, T0),
                      ("control.ecmo.clamp_return", 0, T0 + 60))
    got = episodes(run(c, T0, T0 + 120), "p_int.high")
    assert len(got) == 1
    raised, cleared = got[0]
    assert T0 <= raised <= T0 + 3 and cleared is not None and T0 + 60 <= cleared <= T0 + 62


def test_no_p_int_alarm_on_the_running_circuit_or_a_clamped_drainage_line():
    assert episodes(run(COURSE, T0, T0 + 300), "p_int.high") == []
    c = with_controls(COURSE, ("control.ecmo.clamp_drainage", 1, T0))
    changes = run(c, T0, T0 + 60)
    assert episodes(changes, "p_int.high") == []
    assert len(episodes(changes, "p_venous.low")) == 1  # the suction is what shows


def test_a_pump_stop_is_one_episode_until_the_team_restarts():
    c = COURSE.with_perturbations((injection(COURSE.scenario, "pump_stop", T0, pid="ps"),))
    got = episodes(run(c, T0, T0 + 600), "pump_stopped")
    assert len(got) == 1 and got[0][0] <= T0 + 3 and got[0][1] is None  # still on at 10 min
    c = with_controls(c, ("control.ecmo.pump", 1, T0 + 40))
    got = episodes(run(c, T0, T0 + 600), "pump_stopped")
    assert len(got) == 1 and got[0][1] is not None and got[0][1] <= T0 + 42


def test_drainage_chatter_is_one_held_alarm_while_the_suction_lasts():
    chatter = injection(COURSE.scenario, "drainage_chatter", T0)  # 4 min, 20 s onset
    c = COURSE.with_perturbations((chatter,))
    changes = run(c, T0, T0 + 420)
    got = episodes(changes, "p_venous.low")
    assert len(got) == 1, got  # not one per flow dip
    raised, cleared = got[0]
    assert raised <= T0 + 30
    # Held while the suction persists, cleared within a minute of its end (4 min + 30 s).
    assert cleared is not None and T0 + 240 <= cleared <= T0 + 300
    # The console cannot know the cause: it names what it measures.
    msgs = {ch.message for ch in changes if ch.alarm_id == "p_venous.low"}
    assert msgs and all(m.startswith("P venous") and "chatter" not in m for m in msgs)
    assert all(m.endswith("/ flow unstable") for m in msgs)
    assert load_profile(c.scenario.alarm_profile).rule("p_venous.low").levels[0].message == (
        "P venous low / flow unstable")
    # The timeline (trend marks) agrees with the engine.
    from dashboard.alarms.timeline import course_timeline
    tl = [iv for iv in course_timeline(c, load_profile(c.scenario.alarm_profile),
                                       T0 - 60, T0 + 420).intervals()
          if iv.alarm_id == "p_venous.low"]
    assert [(iv.start, iv.end) for iv in tl] == got


def test_a_point_of_care_act_is_a_flagged_result_not_an_alarm():
    from dashboard.alarms.timeline import course_timeline
    profile = load_profile(COURSE.scenario.alarm_profile)
    # No alarm rule reads the ACT: a lab result is flagged on the results panel.
    assert not [r.id for r in profile.rules if r.channel == "act"]
    act = [iv for iv in course_timeline(COURSE, profile).intervals()
           if iv.alarm_id.startswith("act")]
    assert act == []
    flagged = [r for r in COURSE.lab.results_until(COURSE.scenario.end)
               if r.test == "act" and r.flag]
    assert flagged and {r.flag for r in flagged} <= {"H", "L"}


def test_a_torn_return_line_says_p_art_low_first_and_clamping_ends_it():
    """The console's first sign of a return-side tear is the post-oxygenator pressure at the
    room's 0 while the pump still moves blood; the flow alarms come only as the patient
    empties. Clamping the drainage (no flow) ends it."""
    c = COURSE.with_perturbations((injection(COURSE.scenario, "circuit_rupture", T0),))
    changes = run(c, T0, T0 + 120)
    art = episodes(changes, "p_art_low")
    assert len(art) == 1 and art[0][0] <= T0 + 5 and art[0][1] is None
    first_flow = [r for r, _ in episodes(changes, "ecmo_flow.low")]
    assert first_flow and first_flow[0] > T0 + 20  # the probe reads the pump's flow at first
    clamped = with_controls(c, ("control.ecmo.clamp_drainage", 1, T0 + 15))
    art = episodes(run(clamped, T0, T0 + 60), "p_art_low")
    assert len(art) == 1 and art[0][1] is not None and art[0][1] <= T0 + 20


def test_no_p_art_low_on_a_pump_stop_a_clamp_or_the_running_circuit():
    stopped = COURSE.with_perturbations((injection(COURSE.scenario, "pump_stop", T0),))
    drainage = with_controls(COURSE, ("control.ecmo.clamp_drainage", 1, T0))
    for c in (COURSE, stopped, drainage):
        assert episodes(run(c, T0, T0 + 120), "p_art_low") == []
