"""Everyone's own week, and the same lessons as a per-person ICS calendar feed.

A teacher sees the lessons they give or were to give (a substituted lesson
shows the substitute); a student sees their class's whole-class lessons and
those of their own subgroups; a parent sees their own child's. The feed is
reached by a secret URL token: only its SHA-256 is kept, a new link revokes
the old one, and a revoked link answers like one that never existed.

The feed holds the lessons from two weeks back to eight weeks ahead. Homework
due dates are not in it: the journal does not share homework with the
schedule service.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.roles import Role
from services.common.tokens import Identity
from services.schedule import access, lessons, store

SCHOOL_TIMEZONE = ZoneInfo("Europe/Moscow")
FEED_DAYS_BACK = 14
FEED_DAYS_AHEAD = 56


def _student_not_found() -> NotFound:
    return NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND", field="student_id")


def _student_lessons(session: Session, student_ids: list[str], first: dt.date, last: dt.date):
    rows, school_id = [], ""
    for student_id in student_ids:
        placed = session.execute(select(store.student_class).where(
            store.student_class.c.student_id == student_id)).first()
        if placed is None:
            continue
        school_id = placed.school_id
        subgroups = session.scalars(select(store.subgroup_member.c.subgroup_id).where(
            store.subgroup_member.c.student_id == student_id)).all()
        rows.extend(lessons.lessons_between(session, placed.school_id, first, last, class_ids=[placed.class_id],
                                            subgroup_ids=subgroups))
    rows.sort(key=lambda row: (row.date, row.slot, row.class_id))
    return school_id, rows


def _children(session: Session, guardian_id: str) -> list[str]:
    return list(session.scalars(select(store.guardianship.c.student_id).where(
        store.guardianship.c.guardian_id == guardian_id).order_by(store.guardianship.c.student_id)))


def _teacher_lessons(session: Session, school_id: str, teacher_id: str, first: dt.date, last: dt.date):
    return school_id, lessons.lessons_between(session, school_id, first, last, teacher_id=teacher_id)


def own_lessons(session: Session, identity: Identity, student_id: str, first: dt.date, last: dt.date):
    """(school id, dated lessons) of the caller's own week, or of their child's (`student_id`)."""
    if student_id:
        own = identity.has_role(Role.STUDENT) and identity.person_id == student_id
        if not own and not (identity.has_role(Role.PARENT) and student_id in _children(session, identity.person_id)):
            raise _student_not_found()
        return _student_lessons(session, [student_id], first, last)
    teacher_schools = sorted(access.schools_where(identity, access.TEACHERS))
    if teacher_schools:
        return _teacher_lessons(session, teacher_schools[0], identity.person_id, first, last)
    if identity.has_role(Role.STUDENT):
        return _student_lessons(session, [identity.person_id], first, last)
    if identity.has_role(Role.PARENT):
        raise InvalidArgument("student_id", "Укажите, чьё расписание показать (ребёнка)")
    raise PermissionDenied("Своё расписание есть у учителей, учеников и родителей", reason="ROLE_REQUIRED")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, identity: Identity, now: dt.datetime) -> str:
    """A new secret feed token for the caller; their earlier links stop working."""
    teacher_schools = sorted(access.schools_where(identity, access.TEACHERS))
    if teacher_schools:
        role, school_id = "teacher", teacher_schools[0]
    elif identity.has_role(Role.STUDENT):
        role, school_id = "student", next((g.school_id for g in identity.roles if g.role is Role.STUDENT), "")
    elif identity.has_role(Role.PARENT):
        role, school_id = "parent", next((g.school_id for g in identity.roles if g.role is Role.PARENT), "")
    else:
        raise PermissionDenied("Календарь расписания есть у учителей, учеников и родителей", reason="ROLE_REQUIRED")
    revoke(session, identity.person_id, now)
    token = secrets.token_urlsafe(32)
    session.execute(store.calendar_feed.insert().values(
        id=str(uuid.uuid4()), person_id=identity.person_id, school_id=school_id or "", token_hash=_hash(token),
        role=role, create_time=now))
    return token


def revoke(session: Session, person_id: str, now: dt.datetime) -> bool:
    result = session.execute(update(store.calendar_feed).where(
        store.calendar_feed.c.person_id == person_id, store.calendar_feed.c.revoke_time.is_(None)).values(
        revoke_time=now))
    return bool(result.rowcount)


def ics(session: Session, token: str, now: dt.datetime) -> str:
    """The feed's calendar (RFC 5545) for a live token."""
    feed = session.execute(select(store.calendar_feed).where(
        store.calendar_feed.c.token_hash == _hash(token), store.calendar_feed.c.revoke_time.is_(None))).first()
    if feed is None:
        raise NotFound("Ссылка на календарь недействительна", reason="FEED_NOT_FOUND")
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    first, last = today - dt.timedelta(days=FEED_DAYS_BACK), today + dt.timedelta(days=FEED_DAYS_AHEAD)
    if feed.role == "teacher":
        school_id, rows = _teacher_lessons(session, feed.school_id, feed.person_id, first, last)
    elif feed.role == "student":
        school_id, rows = _student_lessons(session, [feed.person_id], first, last)
    else:
        school_id, rows = _student_lessons(session, _children(session, feed.person_id), first, last)
    known = lessons.names(session, school_id) if school_id else None
    calendar = Calendar()
    calendar.add("prodid", "-//ezh//Расписание//RU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Расписание уроков")
    calendar.add("x-wr-timezone", "Europe/Moscow")
    for row in rows:
        calendar.add_component(_event(row, known, now))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def _event(row, known, now: dt.datetime) -> Event:
    subject = known.subjects.get(row.subject_id, "Урок") if known else "Урок"
    group = known.classes.get(row.class_id, "") if known else ""
    if row.subgroup_id and known:
        group += f" ({known.subgroups.get(row.subgroup_id, '')})"
    summary = f"{subject}, {group}".strip(", ")
    if row.status == "cancelled":
        summary = f"Отменён: {summary}"
    elif row.teacher_id != row.planned_teacher_id:
        summary = f"Замена: {summary}"
    start = dt.datetime.combine(row.date, dt.time.fromisoformat(row.start_time), SCHOOL_TIMEZONE)
    end = dt.datetime.combine(row.date, dt.time.fromisoformat(row.end_time), SCHOOL_TIMEZONE)
    event = Event()
    event.add("uid", f"{row.id}@ezh")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("sequence", row.version)
    event.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
    if known:
        event.add("location", f"Кабинет {known.rooms.get(row.room_id, '')}")
        description = f"Учитель: {known.teachers.get(row.teacher_id, '')}"
        if row.reason:
            description += f". {row.reason}"
        event.add("description", description)
    return event
