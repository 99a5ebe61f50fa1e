"""SQLAlchemy engines and sessions for a service's own database."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def insert_on_conflict(session: Session, table: Table):
    """The INSERT of the session's database that takes ON CONFLICT (PostgreSQL and SQLite, the two ezh runs on)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect}")


def make_engine(url: str, **options) -> Engine:
    """An engine; SQLite files get WAL, a busy timeout and foreign keys.

    Several processes share the SQLite files of the embedded mode, so without
    WAL and a busy timeout "database is locked" appears under load.
    """
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """A service's engine and its session factory."""

    def __init__(self, url: str, **options) -> None:
        self.url = url
        self.engine = make_engine(url, **options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False

    def dispose(self) -> None:
        self.engine.dispose()
