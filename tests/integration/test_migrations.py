"""Each service's Alembic migrations build exactly the tables its code declares (O2), on both databases."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.common.database import Database
from services.common.migrations import upgrade
from services.common.settings import SERVICES

from .conftest import DEFINITIONS

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_o2_migrations_match_the_declared_tables(service, kind, postgres_database, tmp_path):
    url = postgres_database(service) if kind == "postgresql" else f"sqlite:///{tmp_path / f'{service}.sqlite'}"
    upgrade(service, url)
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            difference = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                          DEFINITIONS[service].metadata)
    finally:
        database.dispose()
    assert difference == []
