"""notify end to end (C1, C2, C3, G5, G6, J6, J7): journal and schedule events in, the inbox, e-mail
over a real local SMTP server, messages, school events, alerts and the weekly statement out,
through the gateway and from the attacker's side.

notify's read model comes from events only: each test publishes the journal's
and the schedule's events itself on the bus. Each test runs on PostgreSQL +
RabbitMQ and on SQLite + the embedded bus.
"""
from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import io
import os
import subprocess
import sys
import uuid

import pytest
from aiosmtpd.controller import Controller
from ezh.auth.v1 import events_pb2 as auth_events
from ezh.journal.v1 import events_pb2 as journal_events
from ezh.schedule.v1 import events_pb2 as schedule_events
from kombu import Producer
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from gateway.app import create_app
from services.auth.seed import seed_demo as seed_auth
from services.common import events as envelope
from services.common.database import Database
from services.common.demo import build_district, demo_id
from services.notify import periodic, rules, store
from services.notify.definition import notify_definition
from services.notify.inbox import Channels
from tests.integration.conftest import Clock, free_address, settings_env, wait_for

pytestmark = pytest.mark.integration

PASSWORD = "some-password-123"
DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
CLASS_5A, CLASS_9B = SCHOOL.classes
CHILD = CLASS_5A.students[0]  # the demo student, a child of the demo parent
OTHER_CHILD = CLASS_5A.students[1]
OFFLINE_CHILD = CLASS_5A.students[2]  # their parent declined electronic access (J7)
MATH = demo_id("subject", SCHOOL.id, "Математика")
HISTORY = demo_id("subject", SCHOOL.id, "История")
PERIOD = demo_id("period", SCHOOL.id, 2026, "quarter", 2)
PARENT_EMAIL = "parent@example.ru"


def person(login: str) -> str:
    return DISTRICT.account(login).person.id


def guardian_of(student) -> str:
    return DISTRICT.guardian_of(student.id).id


class Mailbox:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope_):
        self.messages.append(email.message_from_bytes(envelope_.content, policy=email.policy.default))
        return "250 OK"


class Notify:
    def __init__(self, stack, client, runtime, clock, database, token) -> None:
        self.stack, self.client, self.runtime, self.clock, self.database = stack, client, runtime, clock, database
        self.token = token

    def headers(self, login: str) -> dict:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def get(self, login: str, path: str, **query):
        return self.client.get(f"/api/v1{path}", query_string=query, headers=self.headers(login))

    def send(self, method: str, login: str, path: str, body=None):
        return getattr(self.client, method)(f"/api/v1{path}", json=body, headers=self.headers(login))

    def publish(self, *events: envelope.Event) -> None:
        with self.stack.connection() as connection:
            producer = Producer(connection.default_channel, exchange=self.stack.topology().events_exchange)
            for event in events:
                producer.publish(envelope.to_json(event), routing_key=event.routing_key,
                                 content_type=envelope.CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2)

    def handled(self, *events: envelope.Event) -> None:
        ids = {event.id for event in events}
        wait_for(lambda: self.count(store.processed, store.processed.c.event_id.in_(ids)) == len(ids),
                 what="notify to handle the events")

    def count(self, table, *where) -> int:
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(table).where(*where))

    def inbox(self, login: str, **query) -> dict:
        response = self.get(login, "/notifications", **query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def today(self) -> dt.date:
        return self.clock().astimezone(rules.SCHOOL_TIMEZONE).date()


def _event(event_type: str, subject: str, data) -> envelope.Event:
    return envelope.new_event(event_type, event_type.split(".")[1], subject, SCHOOL.id, data)


def student_changed(student, school_class, *, offline: bool = False, with_email: bool = False) -> envelope.Event:
    guardians = [
        journal_events.GuardianData(
            guardian_id=link.guardian.id, full_name=link.guardian.full_name, relation=link.relation,
            email=PARENT_EMAIL if with_email and link.guardian.id == person("parent") else "",
            electronic_access=not offline)
        for link in SCHOOL.guardianships if link.student.id == student.id
    ]
    return _event("ezh.journal.student.changed.v1", f"students/{student.id}", journal_events.StudentChanged(
        student_id=student.id, school_id=SCHOOL.id, class_id=school_class.id, class_name=school_class.name,
        last_name=student.last_name, first_name=student.first_name, middle_name=student.middle_name,
        guardians=guardians, status="enrolled", version=1))


def lesson_changed(school_class, subject_id, subject_name, teacher_login, day, slot, homework="",
                   subgroup_id="") -> envelope.Event:
    lesson_id = demo_id("lesson", school_class.id, day, slot, *([subgroup_id] if subgroup_id else []))
    return _event("ezh.journal.lesson.changed.v1", f"lessons/{lesson_id}", journal_events.LessonChanged(
        lesson_id=lesson_id, school_id=SCHOOL.id, class_id=school_class.id, subject_id=subject_id,
        subject_name=subject_name, teacher_id=person(teacher_login), lesson_date=day.isoformat(), slot=slot,
        period_id=PERIOD, homework=homework, version=2 if homework else 1, subgroup_id=subgroup_id))


def mark_data(student, day: dt.date, value: str, *, subject_id=MATH, subject_name="Математика",
              mark_id: str | None = None, work_type="oral") -> journal_events.MarkData:
    return journal_events.MarkData(
        mark_id=mark_id or str(uuid.uuid4()), school_id=SCHOOL.id, class_id=CLASS_5A.id, subject_id=subject_id,
        lesson_id=demo_id("lesson", CLASS_5A.id, day, 1), lesson_date=day.isoformat(), student_id=student.id,
        value=value, work_type=work_type, weight="1", subject_name=subject_name, teacher_id=person("teacher"),
        period_id=PERIOD)


def mark_created(mark: journal_events.MarkData) -> envelope.Event:
    return _event("ezh.journal.mark.created.v1", f"marks/{mark.mark_id}",
                  journal_events.MarkCreated(mark=mark, actor_id=person("teacher")))


def absence(student, day: dt.date, slot: int, kind: str = "unexcused") -> envelope.Event:
    lesson_id = demo_id("lesson", CLASS_5A.id, day, slot)
    return _event("ezh.journal.absence.recorded.v1", f"lessons/{lesson_id}/absences/{student.id}",
                  journal_events.AbsenceRecorded(
                      school_id=SCHOOL.id, class_id=CLASS_5A.id, subject_id=HISTORY, lesson_id=lesson_id,
                      lesson_date=day.isoformat(), student_id=student.id, kind=kind, subject_name="История",
                      teacher_id=person("teacher"), period_id=PERIOD))


@pytest.fixture
def mailbox():
    box = Mailbox()
    host, port = free_address().split(":")
    controller = Controller(box, hostname=host, port=int(port))
    controller.start()
    yield box, host, int(port)
    controller.stop()


@pytest.fixture
def notify_stack(stack, mailbox):
    """Auth with the demo district, notify with a movable clock and e-mail to the local SMTP server, a gateway."""
    _, smtp_host, smtp_port = mailbox
    stack.with_settings(smtp_host=smtp_host, smtp_port=smtp_port, smtp_timeout_seconds=2)
    stack.migrate("auth", "notify")
    stack.seed("auth", lambda db: seed_auth(db, DISTRICT, PASSWORD))
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = Clock()
    runtime = stack.start("notify", notify_definition(clock, delivery_interval=0.1, jobs_interval=0.5))
    gateway = stack.gateway(PASSWORD, notify_grpc_address=f"127.0.0.1:{runtime.port}")
    notify_db = Database(stack.settings.database_url("notify"))
    system = Notify(stack, gateway.client, runtime, clock, notify_db, gateway.token)
    today = system.today()
    read_model = [
        _event("ezh.auth.school.created.v1", f"schools/{SCHOOL.id}", auth_events.SchoolCreated(
            school_id=SCHOOL.id, name=SCHOOL.name, short_name=SCHOOL.short_name)),
        *(_event("ezh.journal.class.created.v1", f"classes/{c.id}", journal_events.ClassCreated(
            class_id=c.id, school_id=SCHOOL.id, name=c.name, grade=c.grade, class_teacher_id=c.class_teacher.id))
          for c in (CLASS_5A, CLASS_9B)),
        student_changed(CHILD, CLASS_5A, with_email=True),
        student_changed(OTHER_CHILD, CLASS_5A),
        student_changed(OFFLINE_CHILD, CLASS_5A, offline=True),
        student_changed(CLASS_9B.students[0], CLASS_9B),
        lesson_changed(CLASS_5A, MATH, "Математика", "teacher", today, 1),
        lesson_changed(CLASS_9B, HISTORY, "История", "teacher2", today, 2),
    ]
    system.publish(*read_model)
    system.handled(*read_model)
    yield system
    notify_db.dispose()


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(force=True)


# ------------------------------------------------------------------ C1 / G5: the inbox

def test_c1_mark_reaches_student_and_parent_once_and_the_inbox_works(notify_stack):
    n = notify_stack
    today = n.today()
    first = mark_created(mark_data(CHILD, today, "5"))
    n.publish(first)
    n.handled(first)

    inbox = n.inbox("parent")
    assert inbox["unread_count"] == 1
    (item,) = inbox["notifications"]
    assert item["kind"] == "mark" and item["student_id"] == CHILD.id
    assert CHILD.first_name in item["body"] and "«5»" in item["body"] and "«Математика»" in item["body"]
    assert rules.russian_day(today) in item["body"]
    assert item["link"] == f"/students/{CHILD.id}/marks"
    assert n.inbox("student")["unread_count"] == 1
    assert [x for x in n.inbox("classteacher")["notifications"] if x["kind"] == "mark"] == []  # not a recipient

    # Redelivered, then replayed after the processed-event row is gone: nothing new.
    n.publish(first)
    with n.database.transaction() as session:
        session.execute(delete(store.processed).where(store.processed.c.event_id == first.id))
    n.publish(first)
    n.handled(first)
    wait_for(lambda: n.count(store.processed, store.processed.c.event_id == first.id) == 1)
    assert n.count(store.notification, store.notification.c.recipient_id == person("parent")) == 1

    # Paging, unread only, mark read, mark all read.
    more = [mark_created(mark_data(CHILD, today, value)) for value in ("4", "3", "5")]
    n.publish(*more)
    n.handled(*more)
    page = n.inbox("parent", page_size=2)
    assert len(page["notifications"]) == 2 and page["next_page_token"] and page["unread_count"] == 4
    rest = n.inbox("parent", page_size=2, page_token=page["next_page_token"])
    assert len(rest["notifications"]) == 2 and rest["next_page_token"] == ""
    one = page["notifications"][0]["id"]

    # The attacker: another parent marks the demo parent's notification read.
    refused = n.send("post", "admin", "/notifications/read", {"notification_ids": [one]})
    assert refused.status_code == 404 and refused.content_type == "application/problem+json"
    assert n.inbox("parent")["unread_count"] == 4

    assert _ok(n.send("post", "parent", "/notifications/read", {"notification_ids": [one]}))["unread_count"] == 3
    assert [x["id"] for x in n.inbox("parent", unread_only="true")["notifications"]].count(one) == 0
    assert _ok(n.send("post", "parent", "/notifications/read", {"all": True})) == {"marked_count": 3,
                                                                                  "unread_count": 0}
    bad = n.send("post", "parent", "/notifications/read", {"notification_ids": ["не-uuid"]})
    assert bad.status_code == 400

    # An absence and a substitution also reach them; the substitute teacher is told.
    missed = absence(CHILD, today, 3, "ill")
    substituted = _event("ezh.schedule.lesson.substituted.v1", "lessons/x", schedule_events.LessonChanged(
        lesson=schedule_events.DatedLesson(
            lesson_id=demo_id("lesson", CLASS_5A.id, today, 1), school_id=SCHOOL.id, class_id=CLASS_5A.id,
            subject_id=MATH, teacher_id=person("teacher3"), planned_teacher_id=person("teacher"),
            date=today.isoformat(), slot=1, status="substituted", version=2),
        previous=schedule_events.DatedLesson(date=today.isoformat(), slot=1, teacher_id=person("teacher"))))
    n.publish(missed, substituted)
    n.handled(missed, substituted)
    kinds = [x["kind"] for x in n.inbox("parent", unread_only="true")["notifications"]]
    assert sorted(kinds) == ["absence", "schedule"]
    (told,) = n.inbox("teacher3")["notifications"]
    assert told["title"].startswith("Вам назначена замена") and "5А" in told["body"]
    # The offline parent (J7) gets nothing in the web client.
    offline = mark_created(mark_data(OFFLINE_CHILD, today, "4"))
    n.publish(offline)
    n.handled(offline)
    assert n.count(store.notification, store.notification.c.recipient_id == guardian_of(OFFLINE_CHILD)) == 0
    assert n.count(store.notification, store.notification.c.recipient_id == OFFLINE_CHILD.id,
                   store.notification.c.kind == "mark") == 1
    # A changed mark is news; a change of its weight alone is not.
    original = mark_data(CHILD, today, "3", mark_id=str(uuid.uuid4()))
    changed, reweighted = journal_events.MarkData(), journal_events.MarkData()
    changed.CopyFrom(original)
    changed.value = "4"
    reweighted.CopyFrom(changed)
    reweighted.weight = "2"
    updates = [mark_created(original),
               _event("ezh.journal.mark.updated.v1", "marks/x", journal_events.MarkUpdated(
                   mark=changed, previous=original, actor_id=person("teacher"), reason="Ошибка")),
               _event("ezh.journal.mark.updated.v1", "marks/x", journal_events.MarkUpdated(
                   mark=reweighted, previous=changed, actor_id=person("teacher")))]
    before = n.count(store.notification, store.notification.c.recipient_id == person("parent"))
    n.publish(*updates)
    n.handled(*updates)
    latest = n.inbox("parent", page_size=2)["notifications"]
    assert n.count(store.notification, store.notification.c.recipient_id == person("parent")) == before + 2
    assert "изменена с «3» на «4»" in latest[0]["body"] and latest[1]["title"] == "Новая отметка «3»: Математика"


# ------------------------------------------------------------------ C1: e-mail

def test_c1_email_immediate_digest_quiet_hours_and_failures_are_recorded(notify_stack, mailbox):
    n = notify_stack
    box, _, _ = mailbox
    today = n.today()
    # Default: e-mail as a daily digest, due at 18:00 school time.
    first = mark_created(mark_data(CHILD, today, "4"))
    n.publish(first)
    n.handled(first)
    with n.database.session() as session:
        (due,) = session.scalars(select(store.delivery.c.due_time))
    assert due.astimezone(rules.SCHOOL_TIMEZONE).hour == rules.DIGEST_HOUR and box.messages == []

    # The parent asks for marks by e-mail at once; bad input names the field and changes nothing.
    bad = n.send("put", "parent", "/notifications/preferences",
                 {"preferences": [{"kind": "mark", "channel": "in_app", "mode": "digest"}]})
    assert bad.status_code == 400 and "mode" in bad.get_data(as_text=True)
    prefs = _ok(n.send("put", "parent", "/notifications/preferences",
                       {"preferences": [{"kind": "mark", "channel": "email", "mode": "immediate"}]}))
    assert {"kind": "mark", "channel": "email", "mode": "immediate"} in prefs["preferences"]
    assert {"kind": "absence", "channel": "email", "mode": "digest"} in prefs["preferences"]
    assert prefs["email"] == PARENT_EMAIL

    second = mark_created(mark_data(CHILD, today, "5"))
    n.publish(second)
    n.handled(second)
    wait_for(lambda: len(box.messages) == 1, what="the e-mail at the SMTP server")
    (message,) = box.messages
    assert message["To"] == PARENT_EMAIL and message["Subject"] == "Новая отметка «5»: Математика"
    plain = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    assert CHILD.first_name in plain and f"/students/{CHILD.id}/marks" in plain
    assert "<a href=" in html_part and "«Математика»" in html_part

    # The digest leaves at 18:00 with the first mark: one e-mail, every attempt recorded.
    n.clock.advance(days=1)
    wait_for(lambda: n.count(store.delivery, store.delivery.c.status == "sent") == 2, what="the digest")
    assert len(box.messages) == 2 and box.messages[1]["Subject"] == "Новая отметка «4»: Математика"
    assert n.count(store.delivery_attempt, store.delivery_attempt.c.outcome == "sent") == 2

    # An old lesson (the seed's history) reaches the inbox but sends no e-mail.
    old = mark_created(mark_data(CHILD, today - dt.timedelta(days=30), "3"))
    n.publish(old)
    n.handled(old)
    assert n.count(store.delivery) == 2

    # Quiet hours around the clock now: an immediate e-mail waits for their end.
    now_local = n.clock().astimezone(rules.SCHOOL_TIMEZONE)
    start = (now_local - dt.timedelta(hours=1)).strftime("%H:%M")
    end = (now_local + dt.timedelta(hours=2)).strftime("%H:%M")
    _ok(n.send("put", "parent", "/notifications/preferences", {"quiet_start": start, "quiet_end": end}))
    quiet = mark_created(mark_data(CHILD, today, "2"))
    n.publish(quiet)
    n.handled(quiet)
    with n.database.session() as session:
        pending = session.execute(select(store.delivery).where(store.delivery.c.status == "pending")).one()
    assert pending.due_time.astimezone(rules.SCHOOL_TIMEZONE).strftime("%H:%M") == end

    # The SMTP server is gone: the attempt fails with its reason and is retried later.
    n.runtime.delivery.channels["email"].port = int(free_address().split(":")[1])
    n.clock.advance(hours=3)
    wait_for(lambda: n.count(store.delivery_attempt, store.delivery_attempt.c.outcome == "failed") >= 1,
             what="a failed attempt")
    with n.database.session() as session:
        failed = session.execute(select(store.delivery_attempt).where(
            store.delivery_attempt.c.outcome == "failed")).first()
        row = session.execute(select(store.delivery).where(store.delivery.c.id == failed.delivery_id)).one()
    assert "Connection" in failed.reason or "refused" in failed.reason.lower()
    assert row.status == "pending" and row.attempts >= 1


# ------------------------------------------------------------------ J6: alerts

def test_j6_alerts_fire_once_to_class_teacher_and_parents(notify_stack):
    n = notify_stack
    today = n.today()
    monday, _ = rules.week_of(today)
    # Three unexcused absences in one week (the default N) raise one alert; a fourth does not.
    misses = [absence(CHILD, monday, slot) for slot in (1, 2, 3, 4)]
    n.publish(*misses[:3])
    n.handled(*misses[:3])
    alerts = _ok(n.get("classteacher", "/alerts"))["alerts"]
    assert [a["kind"] for a in alerts] == ["unexcused_absences"] and alerts[0]["student_id"] == CHILD.id
    n.publish(misses[3])
    n.handled(misses[3])
    assert len(_ok(n.get("classteacher", "/alerts"))["alerts"]) == 1
    told = [x for x in n.inbox("parent")["notifications"] if x["kind"] == "alert"]
    assert len(told) == 1 and "без уважительной причины" in told[0]["body"]
    assert [x["kind"] for x in n.inbox("classteacher")["notifications"] if x["kind"] != "statement"] == ["alert"]

    # A current average falling to «2» raises a failing alert; more 2s do not repeat it.
    marks = [mark_created(mark_data(CHILD, today, value, subject_id=HISTORY, subject_name="История"))
             for value in ("3", "2", "2", "2")]
    n.publish(*marks)
    n.handled(*marks)
    kinds = sorted(a["kind"] for a in _ok(n.get("classteacher", "/alerts"))["alerts"])
    assert kinds == ["failing_average", "unexcused_absences"]
    # Marks falling sharply (5, 5, 5 then 3, 3, 3) raise one alert, though the average is still «4».
    falling = [mark_created(mark_data(OTHER_CHILD, today - dt.timedelta(days=6 - index), value))
               for index, value in enumerate(("5", "5", "5", "3", "3", "3", "3"))]
    n.publish(*falling)
    n.handled(*falling)
    alerts = [a for a in _ok(n.get("classteacher", "/alerts"))["alerts"] if a["student_id"] == OTHER_CHILD.id]
    assert [a["kind"] for a in alerts] == ["marks_falling"] and "резко снизились" in alerts[0]["details"]

    # The class teacher records what was done; another class's teacher cannot see or touch it.
    alert_id = _ok(n.get("classteacher", "/alerts", open_only="true"))["alerts"][0]["id"]
    done = _ok(n.send("put", "classteacher", f"/alerts/{alert_id}/action",
                      {"action": "Позвонила маме, договорились о встрече"}))
    assert done["action"].startswith("Позвонила") and done["action_time"]
    assert len(_ok(n.get("classteacher", "/alerts", open_only="true"))["alerts"]) == 2
    assert _ok(n.get("teacher2", "/alerts"))["alerts"] == []
    assert n.send("put", "teacher2", f"/alerts/{alert_id}/action", {"action": "x"}).status_code == 404
    assert n.get("parent", "/alerts").status_code == 403

    # The school raises N; a parent cannot change settings.
    assert n.send("put", "parent", "/notify/settings", {"unexcused_absence_threshold": 5}).status_code == 403
    assert n.send("put", "admin", "/notify/settings", {"unexcused_absence_threshold": 0}).status_code == 400
    assert _ok(n.send("put", "admin", "/notify/settings",
                      {"unexcused_absence_threshold": 5}))["unexcused_absence_threshold"] == 5


# ------------------------------------------------------------------ C2 / G6: messages

PDF = b"%PDF-1.4\n" + b"0" * 100


def test_c2_messages_follow_the_matrix_with_attachments_and_receipts(notify_stack):
    n = notify_stack
    classteacher, teacher2 = person("classteacher"), person("teacher2")
    # Whom the parent and the student may write to (C2), as the contact list shows it.
    contacts = {c["person_id"]: c for c in _ok(n.get("parent", "/messages/contacts"))["contacts"]}
    assert contacts[classteacher]["role"] == "class_teacher" and person("teacher") in contacts
    assert teacher2 in contacts  # class teacher of 9Б, where the demo parent's son is
    assert guardian_of(OTHER_CHILD) not in contacts and OTHER_CHILD.id not in contacts
    student_contacts = {c["person_id"] for c in _ok(n.get("student", "/messages/contacts"))["contacts"]}
    assert student_contacts == {classteacher, person("teacher")}
    # The parent writes to their child's class teacher, with a PDF.
    started = _ok(n.send("post", "parent", "/conversations", {
        "member_ids": [classteacher], "text": "<b>Здравствуйте!</b> Справка во вложении.",
        "attachments": [{"file_name": "../справка.pdf", "content_type": "application/pdf",
                         "content_base64": base64.b64encode(PDF).decode()}]}), 201)
    conversation = started["conversation"]["id"]
    assert started["message"]["text"] == "<b>Здравствуйте!</b> Справка во вложении."  # kept as plain text
    (attachment,) = started["message"]["attachments"]
    assert attachment["file_name"] == "справка.pdf" and attachment["size"] == len(PDF)

    # The class teacher sees it unread, downloads the file, reads: a receipt for the parent.
    listed = _ok(n.get("classteacher", "/conversations"))
    assert listed["unread_count"] == 1
    download = n.get("classteacher", f"/attachments/{attachment['id']}")
    assert download.status_code == 200 and download.data == PDF and "attachment" in download.headers[
        "Content-Disposition"]
    assert _ok(n.send("post", "classteacher", f"/conversations/{conversation}/read"))["unread_count"] == 0
    (message,) = _ok(n.get("parent", f"/conversations/{conversation}/messages"))["messages"]
    assert message["read_by_count"] == 1
    _ok(n.send("post", "classteacher", f"/conversations/{conversation}/messages", {"text": "Спасибо, получила."}),
        201)
    assert _ok(n.get("parent", "/conversations"))["unread_count"] == 1

    # The attacker's side: outsiders cannot read the conversation or its file.
    assert n.get("student", f"/conversations/{conversation}/messages").status_code == 404
    assert n.get("teacher2", f"/attachments/{attachment['id']}").status_code == 404
    # A parent may not write to another parent, nor a student to a teacher of another class.
    to_parent = n.send("post", "parent", "/conversations",
                       {"member_ids": [guardian_of(OTHER_CHILD)], "text": "Привет"})
    assert to_parent.status_code == 403 and to_parent.get_json()["reason"] == "C2_NOT_ALLOWED"
    to_stranger = n.send("post", "student", "/conversations", {"member_ids": [teacher2], "text": "Здравствуйте"})
    assert to_stranger.status_code == 403
    assert n.send("post", "student", "/conversations",
                  {"member_ids": [person("teacher")], "text": "Здравствуйте"}).status_code == 201
    # Attachment limits: type, content and size.
    for bad, reason in (
        ({"file_name": "x.exe", "content_type": "application/x-msdownload", "content_base64": "TVqQ"},
         "ATTACHMENT_TYPE"),
        ({"file_name": "x.pdf", "content_type": "application/pdf", "content_base64": "aGVsbG8="},
         "ATTACHMENT_MISMATCH"),
        ({"file_name": "big.pdf", "content_type": "application/pdf",
          "content_base64": base64.b64encode(b"%PDF-" + b"0" * (rules.MAX_ATTACHMENT_BYTES)).decode()},
         "attachments"),
    ):
        refused = n.send("post", "parent", f"/conversations/{conversation}/messages", {"text": "x",
                                                                                     "attachments": [bad]})
        assert refused.status_code == 400 and reason in refused.get_data(as_text=True), refused.get_json()
    assert len(_ok(n.get("parent", f"/conversations/{conversation}/messages"))["messages"]) == 2

    # The school allows parent-to-parent messages: now it goes.
    _ok(n.send("put", "admin", "/notify/settings", {"unexcused_absence_threshold": 3,
                                                     "parents_may_message_parents": True}))
    assert n.send("post", "parent", "/conversations", {"member_ids": [guardian_of(OTHER_CHILD)],
                                                       "text": "Привет"}).status_code == 201

    # The class teacher writes to all parents of 5А; a reply is private.
    sent = _ok(n.send("post", "classteacher", f"/classes/{CLASS_5A.id}/parent-messages",
                      {"text": "Собрание в пятницу в 18:00"}), 201)
    assert sent["recipient_count"] == 2  # the offline parent is informed on paper
    assert n.send("post", "teacher2", f"/classes/{CLASS_5A.id}/parent-messages",
                  {"text": "x"}).status_code == 403
    mine = [c for c in _ok(n.get("parent", "/conversations"))["conversations"] if c["id"] in sent["conversation_ids"]]
    (broadcast,) = mine
    assert sorted(broadcast["member_ids"]) == sorted([classteacher, person("parent")])


# ------------------------------------------------------------------ C3: events, J7: the weekly statement

def test_c3_events_and_j7_weekly_statement(notify_stack):
    n = notify_stack
    today = n.today()
    school_wide = _ok(n.send("post", "admin", "/events", {
        "title": "День открытых дверей", "start_time": "2026-12-12T10:00:00+03:00", "place": "Актовый зал"}), 201)
    meeting = _ok(n.send("post", "classteacher", "/events", {
        "title": "Родительское собрание", "class_id": CLASS_5A.id, "audience": "parents",
        "start_time": "2026-12-04T18:00:00+03:00", "place": "Кабинет 101", "rsvp_enabled": True}), 201)
    assert n.send("post", "teacher2", "/events", {"title": "Чужое", "class_id": CLASS_5A.id}).status_code == 403
    assert n.send("post", "classteacher", "/events", {"title": "Для всей школы"}).status_code == 403
    assert n.send("post", "parent", "/events", {"title": "x"}).status_code == 403

    seen = [e["id"] for e in _ok(n.get("parent", "/events"))["events"]]
    assert seen == [meeting["id"], school_wide["id"]]
    assert [e["id"] for e in _ok(n.get("student", "/events"))["events"]] == [school_wide["id"]]  # parents only
    assert any(x["kind"] == "school_event" for x in n.inbox("parent")["notifications"])
    # The school-wide event reaches every student and parent of the school, in the background (C3).
    wait_for(lambda: {x["title"] for x in n.inbox("student")["notifications"]} >= {
        "Событие школы: День открытых дверей"}, what="the school-wide event in the student's inbox")
    parent_told = [x for x in n.inbox("parent")["notifications"] if x["title"].startswith("Событие школы")]
    assert len(parent_told) == 1  # two children in the school, told once
    assert "12 декабря" in parent_told[0]["body"] and "Актовый зал" in parent_told[0]["body"]
    for title in ("Событие школы: День открытых дверей", "Событие класса 5А: Родительское собрание"):
        assert n.count(store.notification, store.notification.c.recipient_id == guardian_of(OTHER_CHILD),
                       store.notification.c.title == title) == 1
    assert n.count(store.notification, store.notification.c.recipient_id == OTHER_CHILD.id,
                   store.notification.c.title == "Событие класса 5А: Родительское собрание") == 0  # parents only
    answered = _ok(n.send("put", "parent", f"/events/{meeting['id']}/response", {"response": "yes"}))
    assert answered["my_response"] == "yes" and answered["yes_count"] == 1
    assert n.send("put", "parent", f"/events/{school_wide['id']}/response",
                  {"response": "yes"}).status_code == 422
    assert n.send("put", "student", f"/events/{meeting['id']}/response", {"response": "yes"}).status_code == 404

    # J7: the offline child's week: marks, absences and homework, for the class teacher only.
    week = [
        mark_created(mark_data(OFFLINE_CHILD, today, "4", work_type="test")),
        absence(OFFLINE_CHILD, today, 2, "ill"),
        lesson_changed(CLASS_5A, MATH, "Математика", "teacher", today, 1, homework="№ 245, 247 на стр. 58"),
    ]
    n.publish(*week)
    n.handled(*week)
    offline = _ok(n.get("classteacher", f"/classes/{CLASS_5A.id}/offline-students"))["students"]
    assert [s["student_id"] for s in offline] == [OFFLINE_CHILD.id]
    # The scheduled job reminded the class teacher of last week's statements, once.
    week = rules.j7_statement_week(n.clock())
    reminders = wait_for(lambda: [x for x in n.inbox("classteacher")["notifications"] if x["kind"] == "statement"],
                         what="the weekly reminder")
    assert len(reminders) == 1 and OFFLINE_CHILD.last_name in reminders[0]["body"]
    assert reminders[0]["link"] == f"/classes/{CLASS_5A.id}/offline-students?week_start={week.isoformat()}"
    assert periodic.remind_weekly_statements(n.database, n.clock(), Channels()) == 0
    response = n.get("classteacher", f"/students/{OFFLINE_CHILD.id}/weekly-statement",
                     week_start=today.isoformat())
    assert response.status_code == 200 and response.content_type == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert OFFLINE_CHILD.last_name in text and "5А" in text and SCHOOL.name.split("«")[0].strip() in text
    assert "контрольная работа" in text and "№ 245, 247 на стр. 58" in text and "Математика" in text
    assert "Классный руководитель" in text and "Ознакомлен" in text
    assert n.get("teacher2", f"/students/{OFFLINE_CHILD.id}/weekly-statement").status_code == 404
    assert n.get("parent", f"/students/{OFFLINE_CHILD.id}/weekly-statement").status_code == 403
    assert n.get("classteacher", f"/students/{OFFLINE_CHILD.id}/weekly-statement",
                 week_start="не дата").status_code == 400


# ------------------------------------------------------------------ C1 / O1: restarts and replays

def test_c1_exactly_once_when_notify_is_killed_mid_stream_and_events_are_replayed(notify_stack):
    n = notify_stack
    today = n.today()
    # 5s and 4s: no alert.  Long enough a stream for the kill to come in the middle of it.
    marks = [mark_created(mark_data(CHILD, today, str(5 - index % 2))) for index in range(200)]
    n.stack.stop(n.runtime)
    # notify as its own process, killed (SIGKILL) in the middle of the stream, then started again.
    env = {**os.environ, **settings_env(n.stack.settings), "EZH_NOTIFY_GRPC_ADDRESS": free_address(),
           "EZH_LOG_LEVEL": "WARNING"}
    child = subprocess.Popen([sys.executable, "-m", "services.notify"], env=env)
    try:
        n.publish(*marks)
        wait_for(lambda: n.count(store.notification, store.notification.c.recipient_id == CHILD.id) >= 5,
                 what="the stream under way")
    finally:
        child.kill()
        child.wait(timeout=30)
    assert n.count(store.notification, store.notification.c.recipient_id == CHILD.id) < len(marks)
    restarted = n.stack.start("notify", notify_definition(n.clock, delivery_interval=0.1))
    n.handled(*marks)
    # The whole stream once more, and again after notify forgot it had handled the first ten.
    n.publish(*marks)
    with n.database.transaction() as session:
        session.execute(delete(store.processed).where(store.processed.c.event_id.in_([m.id for m in marks[:10]])))
    n.publish(*marks[:10])
    n.handled(*marks)
    wait_for(lambda: n.count(store.processed, store.processed.c.event_id.in_([m.id for m in marks])) == len(marks))
    n.stack.stop(restarted)
    for recipient in (CHILD.id, person("parent")):
        assert n.count(store.notification, store.notification.c.recipient_id == recipient,
                       store.notification.c.kind == "mark") == len(marks)
    assert n.count(store.delivery) == len(marks)  # one digest delivery each for the parent who has an e-mail


# ------------------------------------------------------------------ C1 / G5: from the journal's gateway route

def test_c1_mark_saved_through_the_gateway_reaches_parent_inbox_and_email(stack, mailbox):
    """The journal (the demo district as of 26 November 2026) and notify, both at Friday 27 November 13:00."""
    from ezh.journal.v1 import journal_pb2  # noqa: F401 - the journal's protos are loaded with its service
    from sqlalchemy import update

    from services.journal import snapshots, store as journal_store
    from services.journal.definition import journal_definition
    from services.journal.seed import seed_demo as seed_journal

    box, smtp_host, smtp_port = mailbox
    stack.with_settings(smtp_host=smtp_host, smtp_port=smtp_port, smtp_timeout_seconds=2)
    stack.migrate("auth", "journal", "notify")
    moment = dt.datetime(2026, 11, 27, 13, 0, tzinfo=rules.SCHOOL_TIMEZONE)
    auth_db = Database(stack.settings.database_url("auth"))
    journal_db = Database(stack.settings.database_url("journal"))
    try:
        seed_auth(auth_db, DISTRICT, PASSWORD)
        seed_journal(journal_db, DISTRICT, today=dt.date(2026, 11, 26))
        with journal_db.transaction() as session:
            # The seed's history went out before notify existed; notify learns the roster anew, with an e-mail.
            session.execute(update(journal_store.outbox).values(sent_time=moment))
            session.execute(update(journal_store.guardian).where(journal_store.guardian.c.id == person("parent"))
                            .values(email=PARENT_EMAIL))
            from services.common import outbox

            outbox.record(session, journal_store.outbox, snapshots.student_changed_event(session, CHILD.id))
    finally:
        auth_db.dispose()
    auth = stack.start("auth")
    stack.with_settings(auth_grpc_address=f"127.0.0.1:{auth.port}")
    clock = Clock()
    clock.advance(seconds=(moment - clock()).total_seconds())
    journal = stack.start("journal", journal_definition(lambda: moment))
    notify_runtime = stack.start("notify", notify_definition(clock, delivery_interval=0.1))
    app = create_app(stack.settings.model_copy(update={
        "journal_grpc_address": f"127.0.0.1:{journal.port}", "notify_grpc_address": f"127.0.0.1:{notify_runtime.port}",
    }))
    app.testing = True
    client = app.test_client()

    def headers(login: str) -> dict:
        response = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    notify_db = Database(stack.settings.database_url("notify"))
    try:
        wait_for(lambda: _count(notify_db, store.student) == 1, what="notify to learn the student")
        parent = headers("parent")
        assert client.put("/api/v1/notifications/preferences", headers=parent, json={
            "preferences": [{"kind": "mark", "channel": "email", "mode": "immediate"}]}).status_code == 200
        math_today = demo_id("lesson", CLASS_5A.id, dt.date(2026, 11, 27), 1)
        saved = client.put(f"/api/v1/journal/lessons/{math_today}/entries", headers=headers("teacher"), json={
            "entries": [{"student_id": CHILD.id, "marks": [{"value": 5, "work_type": "test"}]}]})
        assert saved.status_code == 200, saved.get_data(as_text=True)

        def inbox():  # the lesson's homework, new to notify, may come too
            notifications = client.get("/api/v1/notifications", headers=parent).get_json()["notifications"]
            return [item for item in notifications if item["kind"] == "mark"]

        (item,) = wait_for(inbox, what="the mark in the parent's inbox")
        assert item["title"] == "Новая отметка «5»: Математика" and "27 ноября" in item["body"]
        wait_for(lambda: box.messages, what="the e-mail")
        assert box.messages[0]["To"] == PARENT_EMAIL and "27 ноября" in box.messages[0].get_body(
            ("plain",)).get_content()
    finally:
        notify_db.dispose()
        journal_db.dispose()
        app.extensions["ezh"].clients.close()


def _count(database: Database, table) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_c2_staff_are_known_by_name_from_auth_before_they_ever_sign_in(notify_stack):
    """Staff reach notify through ezh.auth.staff.changed.v1: a new deputy director can be written to
    at once, by name; a blocked staff member leaves the contact lists."""
    n = notify_stack

    def parents_contacts() -> dict:
        return {c["person_id"]: c for c in _ok(n.get("parent", "/messages/contacts"))["contacts"]}

    created = _ok(n.send("post", "admin", "/staff", {
        "last_name": "Орлова", "first_name": "Вера", "middle_name": "Павловна",
        "roles": [{"role": "deputy_director"}]}), 201)
    wait_for(lambda: created["id"] in parents_contacts(), what="the new deputy director in the parent's contacts")
    contacts = parents_contacts()
    assert contacts[created["id"]]["display_name"] == "Орлова Вера Павловна (администрация)"
    assert contacts[person("director")]["display_name"] == "Фёдорова Виктория Павловна (администрация)"
    assert contacts[person("classteacher")]["display_name"] == "Новикова Мария Игоревна (классный руководитель 5А)"
    _ok(n.send("post", "parent", "/conversations", {"member_ids": [created["id"]], "text": "Здравствуйте!"}), 201)

    _ok(n.send("post", "admin", f"/people/{person('deputy')}/block", {"reason": "уволена"}))
    wait_for(lambda: person("deputy") not in parents_contacts(), what="the blocked deputy to leave the contacts")


def test_c1_homework_of_a_subgroup_reaches_only_its_students_and_their_parents(notify_stack):
    n = notify_stack
    today = n.today()
    english = demo_id("subject", SCHOOL.id, "Английский язык")
    group_one, group_two = demo_id("subgroup", "5А", "1"), demo_id("subgroup", "5А", "2")
    earlier = (today - dt.timedelta(days=30)).isoformat()
    moved_on = today.isoformat()

    def subgroup(subgroup_id, version, *members) -> envelope.Event:
        return _event("ezh.journal.subgroup.changed.v1", f"subgroups/{subgroup_id}", journal_events.SubgroupChanged(
            subgroup_id=subgroup_id, school_id=SCHOOL.id, class_id=CLASS_5A.id, subject_id=english,
            name="1 группа" if subgroup_id == group_one else "2 группа", version=version,
            members=[journal_events.SubgroupMember(student_id=student.id, start_date=start, end_date=end)
                     for student, start, end in members]))

    # CHILD was in group two until yesterday and is in group one from today; OTHER_CHILD stays in group two.
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    events = [
        subgroup(group_one, 1, (OFFLINE_CHILD, earlier, "")),
        subgroup(group_one, 2, (OFFLINE_CHILD, earlier, ""), (CHILD, moved_on, "")),
        subgroup(group_two, 2, (OTHER_CHILD, earlier, ""), (CHILD, earlier, yesterday)),
        subgroup(group_one, 1, (OFFLINE_CHILD, earlier, "")),  # a stale snapshot arriving late changes nothing
        lesson_changed(CLASS_5A, english, "Английский язык", "teacher", today, 3, homework="Выучить слова, с. 12",
                       subgroup_id=group_one),
    ]
    n.publish(*events)
    n.handled(*events)

    def told(person_id: str) -> int:
        return n.count(store.notification, store.notification.c.recipient_id == person_id,
                       store.notification.c.kind == "homework", store.notification.c.body.contains("с. 12"))

    assert told(CHILD.id) == 1 and told(guardian_of(CHILD)) == 1
    assert told(OTHER_CHILD.id) == 0 and told(guardian_of(OTHER_CHILD)) == 0
    assert told(OFFLINE_CHILD.id) == 1 and told(guardian_of(OFFLINE_CHILD)) == 0  # J7: that parent is on paper
