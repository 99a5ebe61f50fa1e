"""Unit tests of the shared plumbing (settings, envelope, paging, topology, demo)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ezh.journal.v1 import events_pb2 as journal_events

from services.common import events as envelope
from services.common import paging
from services.common.bus import SUBSCRIPTIONS, Topology
from services.common.demo import build_district, demo_password
from services.common.errors import InvalidArgument
from services.common.roles import Role
from services.common.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_default_to_sqlite_files_and_embedded_bus(tmp_path):
    settings = Settings(data_dir=tmp_path)

    assert settings.database_url("journal") == f"sqlite:///{tmp_path.resolve() / 'journal.sqlite'}"
    assert settings.bus_url == f"sqla+sqlite:///{tmp_path.resolve() / 'bus.sqlite'}"
    assert len({settings.grpc_address(service) for service in SERVICES}) == len(SERVICES)


def test_settings_fail_fast_naming_the_variable():
    env = {**os.environ, "EZH_CONSUMER_MAX_ATTEMPTS": "many", "EZH_JOURNAL_GRPC_ADDRESS": "nowhere"}
    result = subprocess.run(
        [sys.executable, "-m", "services.common.migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 2
    assert "EZH_CONSUMER_MAX_ATTEMPTS" in result.stderr
    assert "EZH_JOURNAL_GRPC_ADDRESS" in result.stderr
    assert "Traceback" not in result.stderr


def test_event_envelope_is_cloudevents_json_and_round_trips():
    event = envelope.new_event(
        "ezh.journal.class.created.v1", "journal", "classes/1", "school-1",
        journal_events.ClassCreated(class_id="1", school_id="school-1", name="5А", grade=5),
    )

    body = envelope.to_json(event)
    parsed = envelope.from_json(body)

    assert b'"specversion": "1.0"' in body
    assert parsed == event
    assert parsed.routing_key == "journal.class.created.v1"
    assert parsed.data_as(journal_events.ClassCreated).name == "5А"


@pytest.mark.parametrize("body", [b"{}", b"not json", b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "other"}'])
def test_malformed_events_are_refused(body):
    with pytest.raises(envelope.MalformedEvent):
        envelope.from_json(body)


def test_event_types_are_past_tense_and_versioned():
    with pytest.raises(ValueError):
        envelope.new_event("journal.mark.created", "journal", "marks/1", "s", {})


def test_paging_tokens_walk_the_pages_and_refuse_garbage():
    size = paging.page_size(2)
    first = paging.next_token(0, size, fetched=3)

    assert paging.decode_token(first) == 2
    assert paging.next_token(2, size, fetched=2) == ""
    assert paging.page_size(0) == paging.DEFAULT_PAGE_SIZE
    assert paging.page_size(10_000) == paging.MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument) as bad:
        paging.decode_token("%%%")
    assert bad.value.metadata["field"] == "page_token"


def test_topology_has_a_queue_and_dead_letter_queue_per_consumer():
    topology = Topology(namespace="ezh", queue_type="quorum", max_attempts=4)

    queues = topology.queues("reports")

    assert {queue.name for queue in queues} == {"ezh.reports.events"}
    assert {queue.routing_key for queue in queues} == {*SUBSCRIPTIONS["reports"], "ezh.reports.events"}
    assert queues[0].queue_arguments["x-queue-type"] == "quorum"
    assert queues[0].queue_arguments["x-dead-letter-exchange"] == "ezh.dead"
    assert topology.dead_queue("reports").routing_key == "ezh.reports.events"


def test_demo_district_has_every_demo_login_and_a_parent_of_two_classes():
    district = build_district()
    logins = {account.login: account for account in district.accounts}
    school = district.schools[0]
    parent = logins["parent"].person
    children = {link.student.id for link in school.guardianships if link.guardian.id == parent.id}
    class_of = {student.id: cls.name for cls in school.classes for student in cls.students}

    assert {"admin", "director", "deputy", "teacher", "classteacher", "parent", "student", "district"} <= set(logins)
    assert [len(cls.students) for cls in school.classes] == [25, 24]
    assert sorted(class_of[child] for child in children) == ["5А", "9Б"]
    assert (Role.CLASS_TEACHER, school.classes[0].id) in logins["classteacher"].roles
    assert sum(1 for account in district.accounts if Role.SUBJECT_TEACHER in dict(account.roles)
               and account.school_id == school.id) == 6
    assert build_district() == district  # deterministic: every service sees the same people


def test_demo_password_from_environment_or_generated_once(tmp_path):
    assert demo_password(Settings(data_dir=tmp_path, demo_password="секрет-123")) == "секрет-123"
    generated = demo_password(Settings(data_dir=tmp_path))
    assert generated == demo_password(Settings(data_dir=tmp_path))
    assert (tmp_path / "demo-password.txt").stat().st_mode & 0o077 == 0
