"""`icu-dashboard`: the entry point. Sends the subcommands that are not monitor roles
(broker, room-access, debrief) to their packages, runs a role, and turns bad input into one
line on stderr and exit code 2, Ctrl-C into EXIT_INTERRUPTED, TERM into 0."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from replay_data.errors import ReplayDataError, one_line
from replay_data.interrupts import EXIT_INTERRUPTED, Terminated, terminate_raises

from .options import EXIT_BAD_INPUT
from .roles import ROLES, run_role


def _network_command(args: list[str]) -> int | None:
    """`broker` and `room-access` (dashboard.net); None when args are not one of them."""
    if args[:1] == ["broker"]:
        from dashboard.net.cli import broker_main

        return broker_main(args[1:])
    if args[:1] == ["room-access"]:
        from dashboard.net.cli import room_access_main

        return room_access_main(args[1:])
    return None


# The films of `debrief --video`, imported only when asked for.
def _render_video(*args: object) -> object:
    from dashboard.video.debrief_video import render_debrief_video

    return render_debrief_video(*args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["debrief"]:
        from dashboard.debrief import debrief_main

        return debrief_main(args[1:], video_renderer=_render_video)
    role = "demo"
    if args[:1] and args[0] in ROLES and args[0] != "demo":
        role, args = args[0], args[1:]
    try:
        # broker and room-access too: their usage errors are one line like every role's.
        network = _network_command(args)
        if network is not None:
            return network
        with terminate_raises():
            return run_role(role, args)
    except KeyboardInterrupt:
        # Ctrl-C in a headless run: files were closed on the way out; no traceback.
        return EXIT_INTERRUPTED
    except Terminated:
        return 0  # SIGTERM in a headless run: a requested stop, files closed
    except ReplayDataError as exc:
        print(f"icu-dashboard: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        # Session files and alarm profiles report their own file and line.
        print(f"icu-dashboard: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(one_line(f"icu-dashboard: error:{where} {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
