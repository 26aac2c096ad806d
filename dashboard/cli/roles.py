"""The three monitor roles (demo, instructor, monitor), each with its parser and its run
function (`ROLES`), so a role gains options (e.g. network ones) in one place. Each run
function picks the way to run: Qt-free headless, networked, a painted headless frame, or
the windows and the event loop."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .headless import run_core_headless
from .options import DEFAULT_SIZE, LaunchOptions, consoles, launch_options
from .parsers import build_instructor_parser, build_monitor_parser, build_parser
from .prepare import Prepared, alarm_log_path, prepare
from .qt_headless import headless_screenshot, save_frame
from .qt_launch import (
    place_bedside_windows,
    place_instructor_windows,
    qt_app,
    quit_after,
    run_event_loop,
)


def run_demo(opts: LaunchOptions) -> int:
    prep = prepare(opts)
    app = qt_app(opts)
    from dashboard.session import MonitorSession

    common = {"virtual_clock": opts.headless, "alarm_log": alarm_log_path(opts),
              "mute": opts.mute or opts.headless}
    if prep.recording is not None:
        session = MonitorSession.from_recording(prep.recording, prep.course,
                                                speed=opts.speed, **common)
        if opts.start is not None:
            session.window.seek(prep.start)
    else:
        session = MonitorSession.create(prep.course, start=prep.start,
                                        speed=opts.speed or 1.0,
                                        session_log=opts.session_log,
                                        scenario_name=opts.scenario, **common)
    session.schedule_injections(prep.planned)
    if opts.extra.get("trends"):
        session.window.show_trends(True)
    if opts.headless:
        return headless_screenshot(app, session, session.window, opts)
    place_bedside_windows(app, session, opts)  # a window fitted to the screen, or --size
    return run_event_loop(app, session, opts)


def run_instructor(opts: LaunchOptions) -> int:
    from dashboard.recording import default_session_path

    prep = prepare(opts)
    _check_login(opts)
    session_path = opts.session_log or str(default_session_path())
    networked = run_networked(opts, prep, session_path)
    if networked is not None:
        return networked
    from dashboard.net.roles import network_settings

    net = network_settings(opts, "instructor")
    if opts.headless and not opts.screenshot:
        return run_core_headless(opts, prep, session_log=session_path, display="console")
    app = qt_app(opts)
    from dashboard.session import MonitorSession

    # Interactive: the session opens in its pre-brief (the clock waits for Start on the
    # console; the trainees' monitor sweeps the patient meanwhile). Headless runs play.
    # The team's consoles on this machine act as the trainees at the bedside.
    session = MonitorSession.create(prep.course, start=prep.start, speed=opts.speed or 1.0,
                                    virtual_clock=opts.headless, playing=opts.headless,
                                    alarm_log=alarm_log_path(opts), session_log=session_path,
                                    instructor=True, scenario_name=opts.scenario,
                                    mute=opts.mute or opts.headless,
                                    network_wall=time.time if net else None,
                                    consoles=consoles(opts), console_display="bedside")
    session.schedule_injections(prep.planned)
    if net:
        from dashboard.session_net import attach_instructor

        bridge = attach_instructor(session, net)
        try:
            place_instructor_windows(app, session, opts)
            return run_event_loop(app, session, opts)
        finally:
            bridge.stop()
    if opts.headless:
        return headless_screenshot(app, session, session.console, opts)
    place_instructor_windows(app, session, opts)
    return run_event_loop(app, session, opts)


def run_networked(opts: LaunchOptions, prep: Prepared, session_log: str | None) -> int | None:
    """--broker given: the instructor or monitor over MQTT (dashboard.net.roles)."""
    from dashboard.net import roles

    net = roles.network_settings(opts, opts.role)
    if net is None:
        return None
    if opts.role == "instructor" and opts.headless:
        from dashboard.recording import SessionRecording

        recording = SessionRecording(session_log, scenario_name=opts.scenario)
        return roles.run_instructor_headless(opts, prep, net, recording, alarm_log_path(opts))
    if opts.role == "monitor" and opts.headless and not opts.screenshot:
        return roles.run_monitor_headless(opts, prep, net, alarm_log_path(opts))
    if opts.role == "monitor":
        app = qt_app(opts)
        from dashboard.session import MonitorSession
        from dashboard.session_net import attach_monitor

        # The team's consoles act as the trainees at this display: their settings go up
        # to the instructor through the monitor's link, credited to its --display.
        session = MonitorSession.create(prep.course, start=prep.start, role="monitor",
                                        alarm_log=alarm_log_path(opts),
                                        mute=opts.mute or opts.headless,
                                        scenario_name=opts.scenario, display=net["display"],
                                        network_wall=time.time, authority=False,
                                        consoles=consoles(opts))
        if opts.extra.get("trends"):
            session.window.show_trends(True)
        bridge = attach_monitor(session, net)
        if opts.headless:
            try:
                widget = session.consoles[0] if session.consoles else session.window
                widget.resize(*(opts.size or DEFAULT_SIZE))
                widget.show()
                quit_after(app, opts.duration)
                app.exec()
                # The bedside may have been made again on the instructor's scenario.
                widget = session.consoles[0] if session.consoles else session.window
                widget.resize(*(opts.size or DEFAULT_SIZE))
                widget.show()
                session.settle_for_screenshot()
                app.processEvents()
                save_frame(widget, opts.screenshot)
            finally:
                bridge.stop()
                session.close()
            return roles.monitor_exit(bridge)
        place_bedside_windows(app, session, opts)
        try:
            return run_event_loop(app, session, opts)
        finally:
            bridge.stop()
    return None


def _check_login(opts: LaunchOptions) -> None:
    """Networked: the broker's answer to our login, before the first file is created."""
    from dashboard.net.roles import network_settings

    net = network_settings(opts, opts.role)
    if net is not None:
        from .broker_login import check_broker_login

        check_broker_login(net)


def run_monitor(opts: LaunchOptions) -> int:
    prep = prepare(opts)
    _check_login(opts)
    networked = run_networked(opts, prep, None)
    if networked is not None:
        return networked
    if opts.headless and not opts.screenshot:
        return run_core_headless(opts, prep, session_log=None, display="monitor")
    app = qt_app(opts)
    from dashboard.session import MonitorSession

    session = MonitorSession.create(prep.course, start=prep.start, role="monitor",
                                    virtual_clock=opts.headless,
                                    alarm_log=alarm_log_path(opts),
                                    mute=opts.mute or opts.headless, scenario_name=opts.scenario,
                                    consoles=consoles(opts))
    if opts.extra.get("trends"):
        session.window.show_trends(True)
    if opts.headless:
        return headless_screenshot(app, session, session.consoles[0] if session.consoles
                                    else session.window, opts)
    place_bedside_windows(app, session, opts)
    return run_event_loop(app, session, opts)


@dataclass(frozen=True)
class RoleEntry:
    """One way to run: its parser, how its arguments are checked into options, and its
    run function. A role that is not a monitor (e.g. a broker) brings its own `options`."""
    parser: Callable[[], argparse.ArgumentParser]
    run: Callable[[object], int]
    options: Callable[[argparse.Namespace, str], object] = launch_options


ROLES: dict[str, RoleEntry] = {
    "demo": RoleEntry(build_parser, run_demo),
    "instructor": RoleEntry(build_instructor_parser, run_instructor),
    "monitor": RoleEntry(build_monitor_parser, run_monitor),
}


def run(opts: LaunchOptions) -> int:
    return ROLES[opts.role].run(opts)


def run_role(role: str, args: Sequence[str]) -> int:
    entry = ROLES[role]
    opts = entry.options(entry.parser().parse_args(args), role)
    role = getattr(opts, "role", role)  # the demo parser's --instructor
    return ROLES[role].run(opts)
