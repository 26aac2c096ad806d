"""Command lines of the network pieces: ``icu-dashboard broker`` and
``icu-dashboard room-access`` (the instructor and monitor commands live with the roles)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_BAD_INPUT = 2


def _fail(prog: str, message: str) -> int:
    print(f"icu-dashboard {prog}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    from replay_data.cli import OneLineParser  # usage errors: one line, exit 2

    return OneLineParser(prog=f"icu-dashboard {prog}", description=description)


def _run_parser(p: argparse.ArgumentParser, prog: str, argv: Sequence[str]
                ) -> argparse.Namespace | int:
    from replay_data.errors import ReplayDataError, one_line

    try:
        return p.parse_args(list(argv))
    except ReplayDataError as exc:
        return _fail(prog, one_line(str(exc)).removeprefix(f"{prog}: "))


def broker_main(argv: Sequence[str]) -> int:
    from dashboard.net.broker import (
        BrokerConfigError,
        BrokerSettings,
        private_folder,
        serve,
        user_store,
    )

    p = _parser("broker",
                "Run the embedded MQTT broker (amqtt) for instructor and bedside monitors on "
                "separate machines. By default accounts are required: the broker prints "
                "pairing codes at its start and each machine pairs once (--pair CODE); "
                "--config uses the accounts `icu-dashboard room-access` wrote; "
                "--allow-anonymous opens it to anyone who reaches the port.")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 1883, or the "
                                                          "config's)")
    p.add_argument("--bind", default=None, help="address to listen on (default 0.0.0.0; "
                                                "127.0.0.1 with --allow-anonymous)")
    p.add_argument("--config", type=Path, default=None, metavar="FILE",
                   help="broker.toml: accounts, topic rights, TLS")
    p.add_argument("--allow-anonymous", action="store_true",
                   help="no accounts: anyone who reaches the port may connect and publish "
                        "(only on 127.0.0.1 unless --bind says otherwise)")
    args = _run_parser(p, "broker", argv)
    if isinstance(args, int):
        return args
    if args.config and args.allow_anonymous:
        return _fail("broker", "give --config FILE or --allow-anonymous, not both")
    if args.port is not None and not 0 < args.port <= 65535:
        return _fail("broker", f"--port {args.port}: use 1..65535")
    try:
        if args.config:
            settings = BrokerSettings.load(args.config)
        elif args.allow_anonymous:
            settings = BrokerSettings()
        else:
            store = user_store()
            private_folder(store.parent)   # cleaned of any other reader before the first pairing
            settings = BrokerSettings.paired(store)
    except BrokerConfigError as exc:
        return _fail("broker", str(exc))
    except OSError as exc:
        return _fail("broker", f"{exc.filename or ''} {exc.strerror or exc}".strip())
    if args.port is not None:
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
    from dashboard.net.access import AccessError, write_room_access

    p = _parser("room-access",
                "Write broker accounts and topic rights for rooms: a credentials file for "
                "each room's instructor and for each display (one account per display), "
                "mosquitto.passwd/.acl/.conf and broker.toml for the embedded broker.")
    p.add_argument("--room", action="append", required=True, help="room name (repeatable)")
    p.add_argument("--display", action="append", required=True, metavar="NAME",
                   help="a display of the rooms, e.g. bed-1 (repeatable): its own account")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="a new or empty folder")
    args = _run_parser(p, "room-access", argv)
    if isinstance(args, int):
        return args
    try:
        written = write_room_access(args.room, args.out, args.display)
    except AccessError as exc:
        return _fail("room-access", str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail("room-access", f"{where}{exc.strerror or exc} (nothing written)")
    for path in written:
        print(path)
    return 0
