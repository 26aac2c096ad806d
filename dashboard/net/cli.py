"""Command lines of the network pieces: ``icu-dashboard broker`` and
``icu-dashboard room-access`` (the instructor and monitor commands live with the roles)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from replay_data.cli import OneLineParser

EXIT_BAD_INPUT = 2


def _fail(prog: str, message: str) -> int:
    print(f"icu-dashboard {prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def broker_main(argv: Sequence[str]) -> int:
    from dashboard.net.broker import BrokerConfigError, BrokerSettings, serve

    p = OneLineParser(
        prog="icu-dashboard broker",
        description="Run the embedded MQTT broker (amqtt) for instructor and bedside monitors "
                    "on separate machines. Without --config anyone on the network may "
                    "connect; `icu-dashboard room-access` writes a config with accounts.")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 1883, or the "
                                                          "config's)")
    p.add_argument("--bind", default=None, help="address to listen on (default 0.0.0.0)")
    p.add_argument("--config", type=Path, default=None, metavar="FILE",
                   help="broker.toml: accounts, topic rights, TLS")
    args = p.parse_args(list(argv))
    try:
        settings = BrokerSettings.load(args.config) if args.config else BrokerSettings()
    except BrokerConfigError as exc:
        return _fail("broker", str(exc))
    if args.port is not None:
        if not 0 < args.port <= 65535:
            return _fail("broker", f"--port {args.port}: use 1..65535")
        settings.port = args.port
    if args.bind is not None:
        settings.bind = args.bind
    try:
        return serve(settings)
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # amqtt wraps socket errors (port in use) in BrokerError
        cause = exc.__cause__ or exc
        why = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        return _fail("broker", f"cannot listen on {settings.bind}:{settings.port}: "
                               f"{(why.splitlines() or [type(cause).__name__])[0]}")


def room_access_main(argv: Sequence[str]) -> int:
    from dashboard.net.access import write_room_access

    p = OneLineParser(
        prog="icu-dashboard room-access",
        description="Write broker accounts and topic rights for rooms: credentials files "
                    "for the instructor and the displays, mosquitto.passwd/.acl/.conf and "
                    "broker.toml for the embedded broker.")
    p.add_argument("--room", action="append", required=True, help="room name (repeatable)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    args = p.parse_args(list(argv))
    if args.out.exists() and not args.out.is_dir():
        return _fail("room-access", f"--out {args.out}: not a folder (nothing written)")
    if args.out.exists() and any(args.out.iterdir()):
        return _fail("room-access", f"{args.out}: folder is not empty (nothing written)")
    try:
        written = write_room_access(args.room, args.out)
    except ValueError as exc:
        return _fail("room-access", str(exc))
    except OSError as exc:
        return _fail("room-access", f"{exc.filename}: {exc.strerror}")
    for path in written:
        print(path)
    return 0
