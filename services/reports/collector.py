"""The cyclic garbage collector held off while a report is built.

Building a school's report makes some 10^5 short-lived containers (rows, pairs, each student's marks). With the
collector's default thresholds they set off about one full collection per report, and a full collection walks
every object of the process: on the issue's district (1,000 students a school) that was a quarter of a school
report's time. The report's objects are freed by reference counting as they go; what the collector is for
(reference cycles) can wait until the report is built, when it runs as usual again.

The switch is the whole process's: with reports built at once in several threads, the first to start turns
the collector off and turns it on again when it ends, if it was on; a report started meanwhile leaves it as it
finds it, so the collector is never left off.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
