"""Auth's private signing keys are encrypted at rest when a passphrase is set (A3, O2)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.auth import store
from services.auth.keys import KeyRing
from services.common.database import Database
from services.common.migrations import upgrade


@pytest.fixture
def auth_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'auth.sqlite'}"
    upgrade("auth", url)
    database = Database(url)
    yield database
    database.dispose()


def _stored_pem(database) -> str:
    with database.session() as session:
        return session.scalar(select(store.signing_key.c.private_key_pem))


def test_a3_signing_keys_are_encrypted_with_the_passphrase(auth_database):
    key = KeyRing(auth_database, passphrase="district-secret").signing_key()

    assert "ENCRYPTED PRIVATE KEY" in _stored_pem(auth_database)
    assert KeyRing(auth_database, passphrase="district-secret").signing_key().kid == key.kid
    with pytest.raises(RuntimeError, match="EZH_AUTH_KEY_PASSPHRASE"):
        KeyRing(auth_database).signing_key()
    with pytest.raises(ValueError):
        KeyRing(auth_database, passphrase="wrong").signing_key()


def test_a3_without_a_passphrase_keys_are_plain_and_still_readable_once_one_is_set(auth_database):
    key = KeyRing(auth_database).signing_key()

    assert "BEGIN PRIVATE KEY" in _stored_pem(auth_database)
    assert KeyRing(auth_database, passphrase="set-later").signing_key().kid == key.kid
