"""Fixtures: the five fake services, running for the whole session, and the app."""
from __future__ import annotations

import pytest
from gateway_fakes import SERVING, FakeServices, local_verifier, make_app

from services.common.settings import SERVICES
from services.common.tokens import Revocations, SigningKey


@pytest.fixture(scope="session")
def running_services():
    fakes = FakeServices.start()
    yield fakes
    fakes.stop()


@pytest.fixture
def fake_services(running_services: FakeServices) -> FakeServices:
    """The five servers, every one SERVING at the start of a test."""
    for name in SERVICES:
        running_services.set_status(name, SERVING)
    running_services.auth.reset()
    return running_services


@pytest.fixture
def app_for():
    """Build an app for given settings (and clients); its channels close after the test."""
    built = []

    def build(settings, clients=None, verifier=None):
        app = make_app(settings, clients, verifier)
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["ezh"].clients.close()


@pytest.fixture
def app(app_for, fake_services: FakeServices):
    return app_for(fake_services.settings())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def revocations() -> Revocations:
    """The revocation list of `api`'s verifier: revoke a person in it directly."""
    return Revocations()


@pytest.fixture
def signing_key(fake_services: FakeServices) -> SigningKey:
    """The key the fake auth signs with (so its sign-in tokens verify too)."""
    return fake_services.auth.key


@pytest.fixture
def api(app_for, fake_services: FakeServices, signing_key: SigningKey, revocations: Revocations):
    """A test client of an app whose verifier has a local JWKS source (no call to auth for keys)."""
    app = app_for(fake_services.settings(), verifier=local_verifier(signing_key, revocations))
    return app.test_client()
