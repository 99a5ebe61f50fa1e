"""Reports are built with the cyclic garbage collector held off, and it is never left off after."""
from __future__ import annotations

import gc

import pytest

from services.reports.collector import collection_paused


@pytest.fixture(autouse=True)
def collector_on():
    yield
    gc.enable()


def test_the_collector_is_off_while_a_report_is_built_and_on_again_after():
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_report_that_failed():
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("a report that failed")
    assert gc.isenabled()


def test_a_report_started_meanwhile_leaves_the_collector_to_the_first():
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()  # the first is still being built
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()
