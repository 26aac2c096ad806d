"""Qt start-up for the roles that open windows: the application (platform checks, the
automation hook, the wheel guard, Ctrl-C/TERM), the event loop, and placing the windows
on this machine's screens. Qt is imported inside the functions, so `--help`, argument
errors and the Qt-free headless runs never load it."""

from __future__ import annotations

import os
import signal
import sys

from dashboard.launch_checks import check_qt_platform

from .options import LaunchOptions


def qt_app(opts: LaunchOptions):
    if opts.headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt is imported only now, so `--help` and argument errors stay fast and Qt-free.
    from PySide6 import QtWidgets

    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        quiet_offscreen_notice()
    else:
        check_qt_platform()  # Qt would abort the process (exit 134) without one
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("icu-dashboard")
    # The GUI automation hook (docs/automation.md): off unless ICU_DASHBOARD_AUTOMATION
    # names a socket path.
    from dashboard.ui.automation import install_from_environment
    from dashboard.ui.wheel_guard import install_wheel_guard

    install_from_environment(app)
    # The wheel scrolls the page, never the value of a control it happens to pass over.
    install_wheel_guard(app)
    if not opts.headless:
        # Ctrl-C (or a TERM) ends the session cleanly: logs closed, exit 0. The frame
        # timer runs Python often enough for the handler to be called promptly; a stop
        # during start-up is remembered, because quit() before exec() would be lost.
        def stop(signum: int, _frame: object) -> None:
            STOP_REQUESTED.append(signum)
            app.quit()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    return app


STOP_REQUESTED: list[int] = []


def run_event_loop(app, session, opts: LaunchOptions) -> int:
    stop_requested = STOP_REQUESTED
    if session.recorder is not None:
        print(f"icu-dashboard: recording the session to {session.recorder.path}",
              file=sys.stderr)
    if stop_requested:
        session.close()
        return 0
    try:
        code = app.exec()
    finally:
        session.close()
    return int(code)


def place_instructor_windows(app, session, opts: LaunchOptions) -> None:
    """Console, bedside monitor and the team's consoles placed on this machine's screens
    within --size (dashboard.ui.placement); a tab window it made stays with the session."""
    from dashboard.ui.placement import place_instructor

    made = place_instructor(app, session.window, session.console,
                            consoles=tuple(session.consoles), size=opts.size,
                            fullscreen=opts.fullscreen)
    if made is not None:
        session.extra_windows.append(made)


def place_bedside_windows(app, session, opts: LaunchOptions) -> None:
    """The monitor (and the team's consoles) placed on this machine's screens within
    --size; a tab window it made stays with the session (a rebuilt bedside takes its
    tabs)."""
    from dashboard.ui.placement import place_bedside

    made = place_bedside(app, session.window, tuple(session.consoles), size=opts.size,
                         fullscreen=opts.fullscreen)
    if made is not None:
        session.extra_windows.append(made)


def quit_after(app, seconds: float) -> None:
    from PySide6 import QtCore

    QtCore.QTimer.singleShot(int(seconds * 1000), app.quit)


def quiet_offscreen_notice() -> None:
    """The offscreen platform says 'does not support propagateSizeHints()' whenever a
    window's size hint changes; it means nothing for a screenshot run. Everything else
    Qt says still reaches stderr."""
    from dashboard.qt_messages import install_filter

    install_filter()
