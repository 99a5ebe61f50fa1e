"""Fixtures: the five fake services, running for the whole session, and the app."""
from __future__ import annotations

import pytest
from gateway_fakes import SERVING, FakeServices, make_app

from services.common.settings import SERVICES


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
    running_services.auth.seen_request_ids.clear()
    return running_services


@pytest.fixture
def app_for():
    """Build an app for given settings (and clients); its channels close after the test."""
    built = []

    def build(settings, clients=None):
        app = make_app(settings, clients)
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
