"""The demo district's conversations and school events (embedded mode only).

Notifications need no seed: the journal's demo history reaches notify as
events (in the inbox only, no e-mail, its lessons being old). Ids of people
and classes are the demo district's, so everything fits without calls.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from services.common.database import Database
from services.common.demo import District, demo_id
from services.notify import rules, store


def _at(today: dt.date, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    local = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, minute), rules.SCHOOL_TIMEZONE)
    return local.astimezone(dt.UTC)


def seed_demo(database: Database, district: District, today: dt.date | None = None) -> bool:
    """Write the demo conversations and events once; False if they are there already."""
    today = today or dt.datetime.now(rules.SCHOOL_TIMEZONE).date()
    school = district.schools[0]
    class_5a, class_9b = school.classes
    parent = district.account("parent").person
    student = district.account("student").person
    teacher = district.account("teacher").person
    class_teacher = class_5a.class_teacher
    admin = district.account("admin").person
    director = district.account("director").person
    other_parent = district.guardian_of(class_5a.students[1].id)
    with database.transaction() as session:
        if session.scalar(select(func.count()).select_from(store.conversation)):
            return False
        conversations = [
            ("Пропуск в среду", [
                (parent, 2, 19, f"Здравствуйте, {class_teacher.first_name} {class_teacher.middle_name}! "
                                f"{student.first_name} в среду пропустит первые два урока — запись к врачу. "
                                "Справку принесём в четверг."),
                (class_teacher, 2, 20, "Здравствуйте! Спасибо, что предупредили. Отмечу пропуск как уважительный, "
                                       "справку передайте мне на классном часе."),
                (parent, 1, 8, "Хорошо, спасибо!"),
            ], [parent, class_teacher]),
            ("Контрольная по математике", [
                (teacher, 1, 15, f"Добрый день! {student.first_name} написала контрольную на «4». "
                                 "Ошибки в задачах на дроби — посмотрите, пожалуйста, вместе № 245–247."),
                (parent, 0, 9, "Спасибо, позанимаемся на выходных."),
            ], [teacher, parent]),
            ("Классный руководитель 5А", [
                (class_teacher, 3, 17, "Уважаемые родители! В пятницу в 18:00 родительское собрание в кабинете 101. "
                                       "Подтвердите, пожалуйста, участие в разделе «События»."),
            ], [class_teacher, parent]),
            ("Домашнее задание", [
                (student, 1, 18, "Здравствуйте! Задача № 247 — нужно решать обоими способами?"),
                (teacher, 1, 19, "Здравствуй! Достаточно одного, второй — по желанию."),
            ], [student, teacher]),
            ("Субботник", [
                (director, 4, 11, "Коллеги, в субботу общешкольный субботник. Классным руководителям — "
                                  "сообщить родителям до четверга."),
                (class_teacher, 4, 12, "Принято, сообщу."),
            ], [director, class_teacher, teacher]),
        ]
        for title, messages, members in conversations:
            conversation_id = demo_id("conversation", school.id, title)
            first_time = _at(today, messages[0][1], messages[0][2])
            last_time = _at(today, messages[-1][1], messages[-1][2])
            session.execute(store.conversation.insert().values(
                id=conversation_id, school_id=school.id, title=title, creator_id=messages[0][0].id,
                create_time=first_time, last_message_time=last_time))
            for member in members:
                # Everyone has read all but the last message; its sender has read it too.
                last_sender = messages[-1][0].id
                read = last_time if member.id == last_sender else _at(today, messages[-1][1], messages[-1][2] - 1)
                session.execute(store.conversation_member.insert().values(
                    conversation_id=conversation_id, person_id=member.id, last_read_time=read))
            for index, (sender, days_ago, hour, text) in enumerate(messages):
                message_id = demo_id("message", conversation_id, index)
                when = _at(today, days_ago, hour)
                session.execute(store.message.insert().values(
                    id=message_id, conversation_id=conversation_id, sender_id=sender.id, text=text,
                    create_time=when))
                if index == len(messages) - 1:
                    for member in members:
                        if member.id != sender.id:
                            session.execute(store.notification.insert().values(
                                id=demo_id("notification", message_id, member.id), recipient_id=member.id,
                                kind="message", title="Новое сообщение", body=text[:200],
                                link=f"/messages/{conversation_id}", school_id=school.id,
                                source_key=f"message:{message_id}", create_time=when))
        events = [
            ("День открытых дверей", "Экскурсия по школе для будущих пятиклассников и их родителей.", "",
             _at(today, -14, 10), "Актовый зал", "all", False, admin),
            ("Зимние каникулы", "Каникулы с 29 декабря по 11 января. Занятия начинаются 12 января.", "",
             None, "", "all", False, director),
            ("Родительское собрание", "Итоги первого полугодия, подготовка к новогоднему празднику.", class_5a.id,
             _at(today, -5, 18), "Кабинет 101", "parents", True, class_teacher),
            ("Экскурсия в краеведческий музей", "Сбор у школы в 9:00, с собой — сменная обувь.", class_9b.id,
             _at(today, -9, 9), "Краеведческий музей", "all", True, class_9b.class_teacher),
        ]
        for title, description, class_id, start, place, audience, rsvp, author in events:
            event_id = demo_id("school_event", school.id, title)
            session.execute(store.school_event.insert().values(
                id=event_id, school_id=school.id, class_id=class_id, title=title, description=description,
                start_time=start, place=place, audience=audience, rsvp_enabled=rsvp, author_id=author.id,
                create_time=_at(today, 3, 12)))
        meeting = demo_id("school_event", school.id, "Родительское собрание")
        session.execute(store.event_response.insert().values(
            event_id=meeting, person_id=other_parent.id, response="yes", response_time=_at(today, 2, 21)))
        session.execute(store.school_setting.insert().values(
            school_id=school.id, unexcused_absence_threshold=rules.DEFAULT_UNEXCUSED_THRESHOLD,
            parents_may_message_parents=False, students_may_message_anyone=False))
    return True
