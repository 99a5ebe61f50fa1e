"""python -m services.auth: serve the auth service.

    python -m services.auth                          serve
    python -m services.auth rotate-keys [--publish-delay-seconds N]
                                                     add a signing key (see keys.py)
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from services.auth.definition import DEFINITION
from services.auth.keys import DEFAULT_PUBLISH_DELAY, KeyRing, passphrase_of
from services.common.database import Database
from services.common.grpc_server import run_service
from services.common.settings import get_settings


def rotate_keys(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.auth rotate-keys")
    parser.add_argument(
        "--publish-delay-seconds", type=float, default=DEFAULT_PUBLISH_DELAY.total_seconds(),
        help="how long the new key is published before it signs (default: %(default)s)",
    )
    options = parser.parse_args(arguments)
    if options.publish_delay_seconds < 0:
        parser.error("--publish-delay-seconds must not be negative")
    settings = get_settings()
    database = Database(settings.database_url("auth"))
    try:
        key = KeyRing(database, passphrase=passphrase_of(settings)).rotate(publish_delay=dt.timedelta(seconds=options.publish_delay_seconds))
    finally:
        database.dispose()
    print(f"new signing key {key.kid}: signs in {options.publish_delay_seconds:g} s, older keys retire after")
    return 0


def main(arguments: list[str]) -> int:
    if not arguments:
        run_service(DEFINITION)
        return 0
    if arguments[0] == "rotate-keys":
        return rotate_keys(arguments[1:])
    print(f"unknown command {arguments[0]!r}; expected no argument (serve) or rotate-keys", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
