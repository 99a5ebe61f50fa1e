"""`python -m services.common.migrate [service ...]`: upgrade to head."""
from __future__ import annotations

import sys

from services.common.migrations import upgrade
from services.common.settings import SERVICES, get_settings


def main(argv: list[str]) -> int:
    settings = get_settings()
    services = argv or list(SERVICES)
    unknown = [name for name in services if name not in SERVICES]
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}; expected {', '.join(SERVICES)}", file=sys.stderr)
        return 2
    if settings.embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    for service in services:
        upgrade(service, settings.database_url(service))
        print(f"{service}: database at head")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
