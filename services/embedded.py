"""python -m services.embedded: the whole system on one machine (`make up`).

Migrates every service's SQLite database under the data folder, seeds the
demo district on the first run, then runs the five services and the gateway
as processes and stops them all on Ctrl-C.  Running it again keeps the data.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time

import requests
from honcho.manager import Manager
from honcho.printer import Printer

from services.auth import seed as auth_seed
from services.common.database import Database
from services.common.demo import build_district, demo_password
from services.common.logging_setup import configure_logging
from services.common.migrations import upgrade
from services.common.settings import SERVICES, Settings, get_settings
from services.journal import seed as journal_seed
from services.notify import seed as notify_seed
from services.schedule import seed as schedule_seed

DEMO_LOGINS = (
    ("district", "оператор района"),
    ("admin", "администратор журнала СОШ № 1"),
    ("director", "директор"),
    ("deputy", "заместитель директора"),
    ("teacher", "учитель-предметник"),
    ("classteacher", "учитель и классный руководитель 5А"),
    ("parent", "родитель (дети в 5А и 9Б)"),
    ("student", "ученица 5А"),
)


def prepare(settings: Settings) -> str:
    """Migrate every database and seed the demo district; returns the demo password."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        upgrade(service, settings.database_url(service))
    password = demo_password(settings)
    district = build_district()
    seeders = {
        "auth": lambda db: auth_seed.seed_demo(db, district, password),
        "journal": lambda db: journal_seed.seed_demo(db, district),
        "schedule": lambda db: schedule_seed.seed_demo(db, district),
        "notify": lambda db: notify_seed.seed_demo(db, district),
    }
    for service, seed in seeders.items():
        database = Database(settings.database_url(service))
        try:
            seed(database)
        finally:
            database.dispose()
    return password


def banner(settings: Settings, password: str) -> str:
    url = f"http://{settings.gateway_bind}"
    lines = [
        "",
        "ezh — электронный классный журнал (встроенный режим)",
        f"  Адрес:            {url}",
        f"  Готовность:       {url}/readyz",
        f"  Данные:           {settings.data_dir.resolve()}",
        f"  Пароль для всех демо-входов: {password}",
        "  Демо-входы:",
        *(f"    {login:<13} {who}" for login, who in DEMO_LOGINS),
        "  Остановить: Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def _announce_when_ready(settings: Settings, manager: Manager) -> None:
    url = f"http://{settings.gateway_bind}/readyz"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not manager._terminating:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                print(f"\nВсе сервисы готовы: http://{settings.gateway_bind}\n", flush=True)
                return
        except requests.RequestException:
            pass
        time.sleep(1)


def main() -> int:
    settings = get_settings()
    # People read `make up`'s terminal: plain lines unless JSON is asked for.
    os.environ.setdefault("EZH_LOG_FORMAT", "text")
    configure_logging("embedded", settings.log_level, os.environ["EZH_LOG_FORMAT"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not settings.embedded:
        print("services.embedded runs only with EZH_ENVIRONMENT=embedded", file=sys.stderr)
        return 2
    password = prepare(settings)
    print(banner(settings, password), flush=True)
    manager = Manager(Printer(sys.stdout))
    python = sys.executable
    for service in SERVICES:
        manager.add_process(service, f"{python} -m services.{service}")
    manager.add_process(
        "gateway", f"{python} -m gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'"
    )
    threading.Thread(target=_announce_when_ready, args=(settings, manager), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
