"""The `icu-dashboard` command line, one job per module (lowest first):

options      LaunchOptions: a role's parsed arguments checked (bad input: one line, exit 2)
parsers      the demo, instructor and monitor parsers
prepare      course, start, planned injections and a --replay recording, resolved up front
broker_login a networked run's login tried before its first file is created
headless     instructor/monitor headless without a screenshot: the controller alone, no Qt
qt_launch    the QApplication, the event loop, window placement (Qt imported late)
qt_headless  a headless run that paints its last frame to a PNG
roles        ROLES: each role's parser and run function
main         the entry point: subcommands, roles, errors to exit codes

Headless (`--headless --duration D`) runs on a virtual clock: case time advances by D as
fast as the machine can (every case second reaches the numerics and the alarms); with
--screenshot only the last frame is painted and saved.
"""

from .main import main

__all__ = ["main"]
