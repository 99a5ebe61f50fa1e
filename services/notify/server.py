"""NotifyService: proto <-> store, object-level access; the rules live in `rules.py`."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

from ezh.notify.v1 import notify_pb2, notify_pb2_grpc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import outbox, paging, replay
from services.common.clock import as_utc, utc_now
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.identity import require_identity
from services.common.roles import Role
from services.common.tokens import Identity
from services.common.validation import identifier, required_text, timestamp
from services.notify import rules, statement, store
from services.notify.announcements import announce_class_event, school_event_posted
from services.notify.inbox import Channels, Recipient, notify
from services.notify.people import caller_participant, email_of, participant, remember_staff, school_directory

ADMINISTRATION_ROLES = (Role.ADMINISTRATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, runtime, clock: Callable[[], dt.datetime] = utc_now, channels: Channels = Channels()) -> None:
        self.database = runtime.database
        self.clock = clock
        self.channels = channels
        self.attachments_dir = Path(runtime.settings.data_dir) / "notify-attachments"

    # ------------------------------------------------------------- helpers

    def _caller(self, session: Session) -> Identity:
        identity = require_identity()
        remember_staff(session, identity)
        return identity

    # ------------------------------------------------------------- notifications (C1)

    def ListNotifications(self, request, context):
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        table = store.notification
        with self.database.transaction() as session:
            identity = self._caller(session)
            mine = [table.c.recipient_id == identity.person_id, table.c.shown.is_(True)]
            query = select(table).where(*mine)
            if request.unread_only:
                query = query.where(table.c.read_time.is_(None))
            rows = session.execute(
                query.order_by(table.c.create_time.desc(), table.c.id).offset(offset).limit(size + 1)
            ).all()
            unread = self._unread(session, identity.person_id)
        return notify_pb2.ListNotificationsResponse(
            notifications=[_notification(row) for row in rows[:size]],
            next_page_token=paging.next_token(offset, size, len(rows)),
            unread_count=unread,
        )

    @staticmethod
    def _unread(session: Session, person_id: str) -> int:
        table = store.notification
        return session.scalar(select(func.count()).select_from(table).where(
            table.c.recipient_id == person_id, table.c.shown.is_(True), table.c.read_time.is_(None))) or 0

    def MarkNotificationsRead(self, request, context):
        table = store.notification
        ids = [identifier("notification_ids", value) for value in request.notification_ids]
        if not ids and not request.all:
            raise InvalidArgument("notification_ids", "Укажите уведомления или отметьте все", reason="NOTHING_TO_MARK")
        with self.database.transaction() as session:
            identity = self._caller(session)
            mine = table.c.recipient_id == identity.person_id
            if ids:
                found = session.scalar(select(func.count()).select_from(table).where(mine, table.c.id.in_(ids)))
                if found != len(set(ids)):
                    raise NotFound("Уведомление не найдено", reason="NOTIFICATION_NOT_FOUND")
            where = [mine, table.c.read_time.is_(None)]
            if not request.all:
                where.append(table.c.id.in_(ids))
            marked = session.execute(table.update().where(*where).values(read_time=self.clock())).rowcount
            unread = self._unread(session, identity.person_id)
        return notify_pb2.MarkNotificationsReadResponse(marked_count=marked, unread_count=unread)

    def _preferences(self, session: Session, person_id: str) -> notify_pb2.GetPreferencesResponse:
        chosen = {(row.kind, row.channel): row.mode
                  for row in session.execute(select(store.preference)
                                             .where(store.preference.c.person_id == person_id))}
        setting = session.execute(select(store.person_setting)
                                  .where(store.person_setting.c.person_id == person_id)).first()
        email, _ = email_of(session, person_id)
        return notify_pb2.GetPreferencesResponse(
            preferences=[notify_pb2.Preference(kind=kind, channel=channel, mode=rules.c1_mode(kind, channel, chosen))
                         for kind in rules.KINDS for channel in rules.CHANNELS],
            quiet_start=(setting.quiet_start or "") if setting else "",
            quiet_end=(setting.quiet_end or "") if setting else "",
            email=email,
        )

    def GetPreferences(self, request, context):
        with self.database.transaction() as session:
            identity = self._caller(session)
            return self._preferences(session, identity.person_id)

    def UpdatePreferences(self, request, context):
        for item in request.preferences:
            rules.c1_check_preference(item.kind, item.channel, item.mode)
        quiet = None
        if request.quiet_start or request.quiet_end:
            start = rules.c1_clock_time("quiet_start", request.quiet_start)
            end = rules.c1_clock_time("quiet_end", request.quiet_end)
            if start == end:
                raise InvalidArgument("quiet_end", "Начало и конец тихих часов совпадают", reason="EMPTY_QUIET_HOURS")
            quiet = (request.quiet_start, request.quiet_end)
        with self.database.transaction() as session:
            identity = self._caller(session)
            person = identity.person_id
            table = store.preference
            for item in request.preferences:
                session.execute(table.delete().where(table.c.person_id == person, table.c.kind == item.kind,
                                                     table.c.channel == item.channel))
                session.execute(table.insert().values(person_id=person, kind=item.kind, channel=item.channel,
                                                      mode=item.mode))
            if quiet is not None or request.clear_quiet_hours:
                settings = store.person_setting
                session.execute(settings.delete().where(settings.c.person_id == person))
                if quiet is not None:
                    session.execute(settings.insert().values(person_id=person, quiet_start=quiet[0],
                                                             quiet_end=quiet[1]))
            return notify_pb2.UpdatePreferencesResponse(preferences=self._preferences(session, person))

    # ------------------------------------------------------------- messages (C2)

    def _school_messaging(self, session: Session, school_id: str) -> rules.SchoolMessaging:
        row = session.execute(select(store.school_setting)
                              .where(store.school_setting.c.school_id == school_id)).first()
        if row is None:
            return rules.SchoolMessaging()
        return rules.SchoolMessaging(row.parents_may_message_parents, row.students_may_message_anyone)

    def ListContacts(self, request, context):
        with self.database.transaction() as session:
            identity = self._caller(session)
            me = caller_participant(session, identity)
            school = self._school_messaging(session, me.school_id)
            contacts = []
            for named in school_directory(session, me.school_id):
                other = participant(session, named.person_id, me.school_id)
                if other is not None and rules.c2_may_write(me, other, school):
                    contacts.append(notify_pb2.Contact(person_id=named.person_id, display_name=named.display_name,
                                                       role=named.role, class_name=named.class_name))
        return notify_pb2.ListContactsResponse(contacts=contacts)

    def _member_or_not_found(self, session: Session, conversation_id: str, person_id: str):
        row = session.execute(
            select(store.conversation, store.conversation_member.c.last_read_time)
            .join(store.conversation_member, store.conversation_member.c.conversation_id == store.conversation.c.id)
            .where(store.conversation.c.id == conversation_id, store.conversation_member.c.person_id == person_id)
        ).first()
        if row is None:
            raise NotFound("Беседа не найдена", reason="CONVERSATION_NOT_FOUND")
        return row

    def _store_attachments(self, session: Session, message_id: str, attachments) -> None:
        if len(attachments) > rules.MAX_ATTACHMENTS:
            raise InvalidArgument("attachments", f"Не больше {rules.MAX_ATTACHMENTS} вложений в сообщении",
                                  reason="TOO_MANY_ATTACHMENTS")
        checked = [(rules.c2_check_attachment(item.file_name, item.content_type, item.content), item)
                   for item in attachments]
        if sum(len(item.content) for item in attachments) > rules.MAX_ATTACHMENTS_TOTAL_BYTES:
            raise InvalidArgument("attachments", "Вложения одного сообщения вместе больше 3 МБ",
                                  reason="ATTACHMENTS_TOO_LARGE")
        for name, item in checked:
            attachment_id = str(uuid.uuid4())
            self.attachments_dir.mkdir(parents=True, exist_ok=True)
            (self.attachments_dir / attachment_id).write_bytes(item.content)
            session.execute(store.attachment.insert().values(
                id=attachment_id, message_id=message_id, file_name=name, content_type=item.content_type,
                size=len(item.content), storage_path=attachment_id,
            ))

    def _add_message(self, session: Session, conversation_id: str, sender: Identity, text: str, attachments,
                     school_id: str) -> notify_pb2.Message:
        now = self.clock()
        message_id = str(uuid.uuid4())
        session.execute(store.message.insert().values(id=message_id, conversation_id=conversation_id,
                                                      sender_id=sender.person_id, text=text, create_time=now))
        self._store_attachments(session, message_id, attachments)
        session.execute(store.conversation.update().where(store.conversation.c.id == conversation_id)
                        .values(last_message_time=now))
        members = store.conversation_member
        session.execute(members.update().where(members.c.conversation_id == conversation_id,
                                               members.c.person_id == sender.person_id).values(last_read_time=now))
        preview = text if len(text) <= 200 else text[:197] + "…"
        for person_id in session.scalars(select(members.c.person_id).where(
                members.c.conversation_id == conversation_id, members.c.person_id != sender.person_id)):
            email, name = email_of(session, person_id)
            notify(session, source_key=f"message:{message_id}", recipient=Recipient(person_id, name, email),
                   kind="message", text=rules.Text("Новое сообщение", preview or "Вложение",
                                                   f"/messages/{conversation_id}"),
                   now=now, channels=self.channels, school_id=school_id)
        return self._message(session, session.execute(select(store.message)
                                                      .where(store.message.c.id == message_id)).one())

    def _message(self, session: Session, row) -> notify_pb2.Message:
        members = store.conversation_member
        read_by = session.scalar(select(func.count()).select_from(members).where(
            members.c.conversation_id == row.conversation_id, members.c.person_id != row.sender_id,
            members.c.last_read_time >= row.create_time)) or 0
        attachments = [
            notify_pb2.Attachment(id=item.id, file_name=item.file_name, content_type=item.content_type,
                                  size=item.size)
            for item in session.execute(select(store.attachment).where(store.attachment.c.message_id == row.id)
                                        .order_by(store.attachment.c.file_name))
        ]
        return notify_pb2.Message(id=row.id, conversation_id=row.conversation_id, sender_id=row.sender_id,
                                  text=row.text, create_time=timestamp(row.create_time), attachments=attachments,
                                  read_by_count=read_by)

    def _conversation(self, session: Session, row, person_id: str) -> notify_pb2.Conversation:
        members = list(session.scalars(select(store.conversation_member.c.person_id)
                                       .where(store.conversation_member.c.conversation_id == row.id)
                                       .order_by(store.conversation_member.c.person_id)))
        return notify_pb2.Conversation(id=row.id, title=row.title, member_ids=members,
                                       unread_count=self._conversation_unread(session, row.id, person_id),
                                       last_message_time=timestamp(row.last_message_time))

    @staticmethod
    def _conversation_unread(session: Session, conversation_id: str, person_id: str) -> int:
        members = store.conversation_member
        last_read = session.scalar(select(members.c.last_read_time).where(
            members.c.conversation_id == conversation_id, members.c.person_id == person_id))
        query = select(func.count()).select_from(store.message).where(
            store.message.c.conversation_id == conversation_id, store.message.c.sender_id != person_id)
        if last_read is not None:
            query = query.where(store.message.c.create_time > last_read)
        return session.scalar(query) or 0

    def CreateConversation(self, request, context):
        others = list(dict.fromkeys(identifier("member_ids", value) for value in request.member_ids))
        if not others:
            raise InvalidArgument("member_ids", "Укажите, кому написать", reason="NO_MEMBERS")
        if len(others) + 1 > rules.MAX_GROUP_MEMBERS:
            raise InvalidArgument("member_ids", f"В беседе не больше {rules.MAX_GROUP_MEMBERS} участников",
                                  reason="TOO_MANY_MEMBERS")
        text = rules.c2_message_text(request.text, allow_empty=bool(request.attachments))
        title = request.title.strip()
        if len(title) > 200:
            raise InvalidArgument("title", "Название беседы длиннее 200 символов", reason="TITLE_TOO_LONG")
        with self.database.transaction() as session:
            identity = self._caller(session)
            method = f"CreateConversation:{identity.person_id}"
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              notify_pb2.CreateConversationResponse)
            if earlier is not None:
                return earlier
            me = caller_participant(session, identity)
            if identity.person_id in others:
                raise InvalidArgument("member_ids", "Нельзя написать самому себе", reason="SELF_MESSAGE")
            school = self._school_messaging(session, me.school_id)
            for person_id in others:
                other = participant(session, person_id, me.school_id)
                if other is None:
                    raise NotFound("Получатель не найден", reason="RECIPIENT_NOT_FOUND", person_id=person_id)
                if not rules.c2_may_write(me, other, school):
                    raise PermissionDenied("Вы не можете писать этому человеку", reason="C2_NOT_ALLOWED",
                                           person_id=person_id)
            now = self.clock()
            conversation_id = str(uuid.uuid4())
            session.execute(store.conversation.insert().values(
                id=conversation_id, school_id=me.school_id, title=title, creator_id=identity.person_id,
                create_time=now, last_message_time=now))
            for person_id in [identity.person_id, *others]:
                session.execute(store.conversation_member.insert().values(
                    conversation_id=conversation_id, person_id=person_id))
            message = self._add_message(session, conversation_id, identity, text, request.attachments, me.school_id)
            row = session.execute(select(store.conversation).where(store.conversation.c.id == conversation_id)).one()
            response = notify_pb2.CreateConversationResponse(
                conversation=self._conversation(session, row, identity.person_id), message=message)
            replay.remember_response(session, store.replays, request.request_id, method, response)
            return response

    def ListConversations(self, request, context):
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.transaction() as session:
            identity = self._caller(session)
            rows = session.execute(
                select(store.conversation)
                .join(store.conversation_member,
                      store.conversation_member.c.conversation_id == store.conversation.c.id)
                .where(store.conversation_member.c.person_id == identity.person_id)
                .order_by(store.conversation.c.last_message_time.desc(), store.conversation.c.id)
                .offset(offset).limit(size + 1)
            ).all()
            conversations = [self._conversation(session, row, identity.person_id) for row in rows[:size]]
            total_unread = sum(
                self._conversation_unread(session, conversation_id, identity.person_id)
                for conversation_id in session.scalars(select(store.conversation_member.c.conversation_id)
                                                       .where(store.conversation_member.c.person_id
                                                              == identity.person_id))
            )
        return notify_pb2.ListConversationsResponse(conversations=conversations,
                                                    next_page_token=paging.next_token(offset, size, len(rows)),
                                                    unread_count=total_unread)

    def ListMessages(self, request, context):
        conversation_id = identifier("conversation_id", request.conversation_id)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.transaction() as session:
            identity = self._caller(session)
            self._member_or_not_found(session, conversation_id, identity.person_id)
            rows = session.execute(select(store.message).where(store.message.c.conversation_id == conversation_id)
                                   .order_by(store.message.c.create_time, store.message.c.id)
                                   .offset(offset).limit(size + 1)).all()
            messages = [self._message(session, row) for row in rows[:size]]
        return notify_pb2.ListMessagesResponse(messages=messages,
                                               next_page_token=paging.next_token(offset, size, len(rows)))

    def SendMessage(self, request, context):
        conversation_id = identifier("conversation_id", request.conversation_id)
        text = rules.c2_message_text(request.text, allow_empty=bool(request.attachments))
        with self.database.transaction() as session:
            identity = self._caller(session)
            method = f"SendMessage:{identity.person_id}"
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              notify_pb2.SendMessageResponse)
            if earlier is not None:
                return earlier
            row = self._member_or_not_found(session, conversation_id, identity.person_id)
            message = self._add_message(session, conversation_id, identity, text, request.attachments, row.school_id)
            response = notify_pb2.SendMessageResponse(message=message)
            replay.remember_response(session, store.replays, request.request_id, method, response)
            return response

    def MarkConversationRead(self, request, context):
        conversation_id = identifier("conversation_id", request.conversation_id)
        with self.database.transaction() as session:
            identity = self._caller(session)
            self._member_or_not_found(session, conversation_id, identity.person_id)
            members = store.conversation_member
            now = self.clock()
            session.execute(members.update().where(members.c.conversation_id == conversation_id,
                                                   members.c.person_id == identity.person_id)
                            .values(last_read_time=now))
            table = store.notification
            session.execute(table.update().where(
                table.c.recipient_id == identity.person_id, table.c.kind == "message",
                table.c.link == f"/messages/{conversation_id}", table.c.read_time.is_(None)).values(read_time=now))
            return notify_pb2.MarkConversationReadResponse(
                unread_count=self._conversation_unread(session, conversation_id, identity.person_id))

    def GetAttachment(self, request, context):
        attachment_id = identifier("attachment_id", request.attachment_id)
        with self.database.transaction() as session:
            identity = self._caller(session)
            row = session.execute(
                select(store.attachment, store.message.c.conversation_id)
                .join(store.message, store.message.c.id == store.attachment.c.message_id)
                .join(store.conversation_member,
                      store.conversation_member.c.conversation_id == store.message.c.conversation_id)
                .where(store.attachment.c.id == attachment_id,
                       store.conversation_member.c.person_id == identity.person_id)
            ).first()
        if row is None:
            raise NotFound("Вложение не найдено", reason="ATTACHMENT_NOT_FOUND")
        content = (self.attachments_dir / row.storage_path).read_bytes()
        return notify_pb2.GetAttachmentResponse(attachment=notify_pb2.Attachment(
            id=row.id, file_name=row.file_name, content_type=row.content_type, size=row.size, content=content))

    def MessageClassParents(self, request, context):
        class_id = identifier("class_id", request.class_id)
        text = rules.c2_message_text(request.text)
        with self.database.transaction() as session:
            identity = self._caller(session)
            method = f"MessageClassParents:{identity.person_id}"
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              notify_pb2.MessageClassParentsResponse)
            if earlier is not None:
                return earlier
            class_row = self._led_class(session, identity, class_id)
            parents = list(dict.fromkeys(session.scalars(
                select(store.guardian.c.guardian_id)
                .join(store.student, store.student.c.id == store.guardian.c.student_id)
                .where(store.student.c.class_id == class_id, store.student.c.status != "departed",
                       store.guardian.c.electronic_access.is_(True))
                .order_by(store.guardian.c.guardian_id))))
            now = self.clock()
            conversation_ids = []
            for parent_id in parents:
                conversation_id = str(uuid.uuid4())
                session.execute(store.conversation.insert().values(
                    id=conversation_id, school_id=class_row.school_id,
                    title=f"Классный руководитель {class_row.name}", creator_id=identity.person_id,
                    create_time=now, last_message_time=now))
                for person_id in (identity.person_id, parent_id):
                    session.execute(store.conversation_member.insert().values(
                        conversation_id=conversation_id, person_id=person_id))
                self._add_message(session, conversation_id, identity, text, [], class_row.school_id)
                conversation_ids.append(conversation_id)
            response = notify_pb2.MessageClassParentsResponse(recipient_count=len(parents),
                                                              conversation_ids=conversation_ids)
            replay.remember_response(session, store.replays, request.request_id, method, response)
            return response

    def _led_class(self, session: Session, identity: Identity, class_id: str, *, administration: bool = False):
        """The class if the caller is its class teacher (or, when allowed, of its school's administration)."""
        row = session.execute(select(store.school_class).where(store.school_class.c.id == class_id)).first()
        if row is None or row.school_id != identity.school_id:
            raise NotFound("Класс не найден", reason="CLASS_NOT_FOUND")
        leads = class_id in identity.classes_led() or row.class_teacher_id == identity.person_id
        if not leads and not (administration and identity.has_role(*ADMINISTRATION_ROLES)):
            raise PermissionDenied("Это может только классный руководитель этого класса",
                                   reason="NOT_CLASS_TEACHER")
        return row

    # ------------------------------------------------------------- school and class events (C3)

    def _event(self, session: Session, row, person_id: str) -> notify_pb2.SchoolEvent:
        responses = store.event_response
        counts = dict(session.execute(select(responses.c.response, func.count()).where(
            responses.c.event_id == row.id).group_by(responses.c.response)).all())
        mine = session.scalar(select(responses.c.response).where(responses.c.event_id == row.id,
                                                                 responses.c.person_id == person_id)) or ""
        return notify_pb2.SchoolEvent(
            id=row.id, school_id=row.school_id, class_id=row.class_id, title=row.title, description=row.description,
            start_time=timestamp(row.start_time), place=row.place, audience=row.audience,
            rsvp_enabled=row.rsvp_enabled, author_id=row.author_id, my_response=mine,
            yes_count=counts.get("yes", 0), no_count=counts.get("no", 0), create_time=timestamp(row.create_time))

    def CreateSchoolEvent(self, request, context):
        event = request.event
        title = required_text("event.title", event.title, max_length=200)
        description = event.description.strip()
        if len(description) > 5000:
            raise InvalidArgument("event.description", "Описание длиннее 5000 символов", reason="TOO_LONG")
        place = event.place.strip()
        if len(place) > 200:
            raise InvalidArgument("event.place", "Место длиннее 200 символов", reason="TOO_LONG")
        audience = event.audience or "all"
        if audience not in rules.AUDIENCES:
            raise InvalidArgument("event.audience", "Аудитория — all, parents или students", reason="BAD_AUDIENCE")
        start = as_utc(event.start_time.ToDatetime(tzinfo=dt.UTC)) if event.HasField("start_time") else None
        class_id = identifier("event.class_id", event.class_id, required=False)
        with self.database.transaction() as session:
            identity = self._caller(session)
            method = f"CreateSchoolEvent:{identity.person_id}"
            earlier = replay.earlier_response(session, store.replays, request.request_id, method,
                                              notify_pb2.CreateSchoolEventResponse)
            if earlier is not None:
                return earlier
            if class_id:
                class_row = self._led_class(session, identity, class_id, administration=True)
            elif not identity.has_role(*ADMINISTRATION_ROLES):
                raise PermissionDenied("События для всей школы публикует администрация", reason="NOT_ADMINISTRATION")
            if not identity.school_id:
                raise PermissionDenied("Доступно только сотрудникам школы", reason="NO_SCHOOL")
            now = self.clock()
            event_id = str(uuid.uuid4())
            session.execute(store.school_event.insert().values(
                id=event_id, school_id=identity.school_id, class_id=class_id or "", title=title,
                description=description, start_time=start, place=place, audience=audience,
                rsvp_enabled=event.rsvp_enabled, author_id=identity.person_id, create_time=now))
            row = session.execute(select(store.school_event).where(store.school_event.c.id == event_id)).one()
            if class_id:
                announce_class_event(session, row, class_row, self.channels, now)
            else:
                outbox.record(session, store.outbox, school_event_posted(event_id, identity.school_id))
            response = notify_pb2.CreateSchoolEventResponse(event=self._event(session, row, identity.person_id))
            replay.remember_response(session, store.replays, request.request_id, method, response)
            return response

    def ListSchoolEvents(self, request, context):
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.transaction() as session:
            identity = self._caller(session)
            me = caller_participant(session, identity)
            rows = session.execute(select(store.school_event).where(store.school_event.c.school_id == me.school_id)
                                   .order_by(store.school_event.c.create_time.desc(), store.school_event.c.id)).all()
            visible = [row for row in rows if rules.c3_may_see(row.audience, row.class_id, me)]
            page = visible[offset:offset + size + 1]
            events = [self._event(session, row, identity.person_id) for row in page[:size]]
        return notify_pb2.ListSchoolEventsResponse(events=events,
                                                   next_page_token=paging.next_token(offset, size, len(page)))

    def RespondToSchoolEvent(self, request, context):
        event_id = identifier("event_id", request.event_id)
        if request.response not in rules.RSVP_ANSWERS:
            raise InvalidArgument("response", "Ответ — yes, no или maybe", reason="BAD_RESPONSE")
        with self.database.transaction() as session:
            identity = self._caller(session)
            me = caller_participant(session, identity)
            row = session.execute(select(store.school_event).where(store.school_event.c.id == event_id,
                                                                   store.school_event.c.school_id == me.school_id)
                                  ).first()
            if row is None or not rules.c3_may_see(row.audience, row.class_id, me):
                raise NotFound("Событие не найдено", reason="EVENT_NOT_FOUND")
            if not row.rsvp_enabled:
                raise FailedPrecondition("Это событие не собирает ответы", reason="NO_RSVP")
            responses = store.event_response
            session.execute(responses.delete().where(responses.c.event_id == event_id,
                                                     responses.c.person_id == identity.person_id))
            session.execute(responses.insert().values(event_id=event_id, person_id=identity.person_id,
                                                      response=request.response, response_time=self.clock()))
            return notify_pb2.RespondToSchoolEventResponse(event=self._event(session, row, identity.person_id))

    # ------------------------------------------------------------- alerts (J6) and school settings

    def _alert(self, session: Session, row) -> notify_pb2.Alert:
        student = session.execute(select(store.student).where(store.student.c.id == row.student_id)).first()
        name = f"{student.last_name} {student.first_name}" if student else ""
        return notify_pb2.Alert(id=row.id, class_id=row.class_id, student_id=row.student_id, student_name=name,
                                kind=row.kind, subject_name=row.subject_name, details=row.details,
                                create_time=timestamp(row.create_time), action=row.action,
                                action_time=timestamp(row.action_time))

    def _visible_classes(self, session: Session, identity: Identity) -> set[str]:
        if identity.has_role(*ADMINISTRATION_ROLES):
            return set(session.scalars(select(store.school_class.c.id)
                                       .where(store.school_class.c.school_id == identity.school_id)))
        led = set(session.scalars(select(store.school_class.c.id).where(
            store.school_class.c.class_teacher_id == identity.person_id)))
        return led | identity.classes_led()

    def ListAlerts(self, request, context):
        class_id = identifier("class_id", request.class_id, required=False)
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        with self.database.transaction() as session:
            identity = self._caller(session)
            classes = self._visible_classes(session, identity)
            if class_id:
                if class_id not in classes:
                    raise NotFound("Класс не найден", reason="CLASS_NOT_FOUND")
                classes = {class_id}
            table = store.alert
            query = select(table).where(table.c.class_id.in_(classes), table.c.school_id == identity.school_id)
            if request.open_only:
                query = query.where(table.c.action == "")
            rows = session.execute(query.order_by(table.c.create_time.desc(), table.c.id)
                                   .offset(offset).limit(size + 1)).all()
            alerts = [self._alert(session, row) for row in rows[:size]]
        return notify_pb2.ListAlertsResponse(alerts=alerts, next_page_token=paging.next_token(offset, size, len(rows)))

    def RecordAlertAction(self, request, context):
        alert_id = identifier("alert_id", request.alert_id)
        action = required_text("action", request.action, max_length=2000)
        with self.database.transaction() as session:
            identity = self._caller(session)
            table = store.alert
            row = session.execute(select(table).where(table.c.id == alert_id)).first()
            if row is None or row.school_id != identity.school_id:
                raise NotFound("Оповещение не найдено", reason="ALERT_NOT_FOUND")
            class_row = session.execute(select(store.school_class).where(store.school_class.c.id == row.class_id)
                                        ).first()
            leads = row.class_id in identity.classes_led() or (
                class_row is not None and class_row.class_teacher_id == identity.person_id)
            if not leads:
                raise NotFound("Оповещение не найдено", reason="ALERT_NOT_FOUND")
            session.execute(table.update().where(table.c.id == alert_id).values(
                action=action, action_time=self.clock(), action_by=identity.person_id))
            row = session.execute(select(table).where(table.c.id == alert_id)).one()
            return notify_pb2.RecordAlertActionResponse(alert=self._alert(session, row))

    def _settings(self, session: Session, school_id: str) -> notify_pb2.SchoolSettings:
        row = session.execute(select(store.school_setting)
                              .where(store.school_setting.c.school_id == school_id)).first()
        if row is None:
            return notify_pb2.SchoolSettings(unexcused_absence_threshold=rules.DEFAULT_UNEXCUSED_THRESHOLD)
        return notify_pb2.SchoolSettings(unexcused_absence_threshold=row.unexcused_absence_threshold,
                                         parents_may_message_parents=row.parents_may_message_parents,
                                         students_may_message_anyone=row.students_may_message_anyone)

    def GetSchoolSettings(self, request, context):
        with self.database.transaction() as session:
            identity = self._caller(session)
            if not identity.school_id:
                raise PermissionDenied("Доступно только сотрудникам школы", reason="NO_SCHOOL")
            return notify_pb2.GetSchoolSettingsResponse(settings=self._settings(session, identity.school_id))

    def UpdateSchoolSettings(self, request, context):
        values = request.settings
        if not 1 <= values.unexcused_absence_threshold <= 50:
            raise InvalidArgument("settings.unexcused_absence_threshold",
                                  "Порог пропусков — целое число от 1 до 50", reason="BAD_THRESHOLD")
        with self.database.transaction() as session:
            identity = require_identity(Role.ADMINISTRATOR, Role.DIRECTOR)
            remember_staff(session, identity)
            if not identity.school_id:
                raise PermissionDenied("Доступно только администрации школы", reason="NO_SCHOOL")
            table = store.school_setting
            session.execute(table.delete().where(table.c.school_id == identity.school_id))
            session.execute(table.insert().values(
                school_id=identity.school_id, unexcused_absence_threshold=values.unexcused_absence_threshold,
                parents_may_message_parents=values.parents_may_message_parents,
                students_may_message_anyone=values.students_may_message_anyone))
            return notify_pb2.UpdateSchoolSettingsResponse(settings=self._settings(session, identity.school_id))

    # ------------------------------------------------------------- weekly paper statement (J7)

    def ListOfflineStudents(self, request, context):
        class_id = identifier("class_id", request.class_id)
        with self.database.transaction() as session:
            identity = self._caller(session)
            self._led_class(session, identity, class_id, administration=True)
            rows = session.execute(
                select(store.student, store.guardian.c.full_name.label("guardian_name"))
                .join(store.guardian, store.guardian.c.student_id == store.student.c.id)
                .where(store.student.c.class_id == class_id, store.student.c.status != "departed",
                       store.guardian.c.electronic_access.is_(False))
                .order_by(store.student.c.last_name, store.student.c.first_name)
            ).all()
        students: dict[str, notify_pb2.OfflineStudent] = {}
        for row in rows:
            item = students.setdefault(row.id, notify_pb2.OfflineStudent(
                student_id=row.id, student_name=f"{row.last_name} {row.first_name} {row.middle_name}".strip()))
            item.guardian_names.append(row.guardian_name)
        return notify_pb2.ListOfflineStudentsResponse(students=list(students.values()))

    def GetWeeklyStatement(self, request, context):
        student_id = identifier("student_id", request.student_id)
        try:
            day = dt.date.fromisoformat(request.week_start) if request.week_start else None
        except ValueError:
            raise InvalidArgument("week_start", "Дата недели указывается как ГГГГ-ММ-ДД", reason="BAD_DATE") from None
        with self.database.transaction() as session:
            identity = self._caller(session)
            student = session.execute(select(store.student).where(store.student.c.id == student_id)).first()
            if student is None or student.school_id != identity.school_id or not student.class_id:
                raise NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND")
            try:
                self._led_class(session, identity, student.class_id, administration=True)
            except PermissionDenied:
                raise NotFound("Ученик не найден", reason="STUDENT_NOT_FOUND") from None
            monday, _ = rules.week_of(day or self.clock().astimezone(rules.SCHOOL_TIMEZONE).date())
            data = statement.gather(session, student, monday)
        pdf = statement.render(data, today=self.clock().astimezone(rules.SCHOOL_TIMEZONE).date())
        return notify_pb2.GetWeeklyStatementResponse(
            pdf=pdf, file_name=f"statement-{student.id}-{monday.isoformat()}.pdf")


def _notification(row) -> notify_pb2.Notification:
    return notify_pb2.Notification(
        id=row.id, recipient_id=row.recipient_id, kind=row.kind, title=row.title, body=row.body,
        create_time=timestamp(row.create_time), read_time=timestamp(row.read_time), link=row.link,
        student_id=row.student_id,
    )


