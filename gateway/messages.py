"""Direct messages (C2, G6): contacts, conversations, messages with attachments, the class teacher's
message to all parents of the class.

Who may write to whom is decided by the notify service (the C2 matrix); a
conversation the caller is not a member of answers 404. Message text is
plain text: clients show it as text, never as HTML.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid

from ezh.notify.v1 import notify_pb2
from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field, field_validator

from gateway.access import allow
from gateway.auth_models import REQUEST_ID_MAX_LENGTH, RequestModel, time_from_proto
from gateway.notify import SCHOOL_ROLES, PageQuery, call_notify
from gateway.openapi import problem_response
from services.common.roles import Role

messages = APIBlueprint(
    "messages", __name__, abp_tags=[Tag(name="messages", description="Conversations between people of a school")],
)

MAX_ATTACHMENTS_BYTES = 3 * 1024 * 1024  # all attachments of a message together (notify's limit)
MAX_ATTACHMENT_BASE64 = MAX_ATTACHMENTS_BYTES * 4 // 3 + 4


class AttachmentIn(RequestModel):
    file_name: str = Field(min_length=1, max_length=200, examples=["справка.pdf"])
    content_type: str = Field(max_length=120, examples=["application/pdf"])
    content_base64: str = Field(max_length=MAX_ATTACHMENT_BASE64, description="The file, base64-encoded")

    @field_validator("content_base64")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("не является корректным base64") from None
        return value

    @property
    def size(self) -> int:
        return len(base64.b64decode(self.content_base64))

    def to_proto(self) -> notify_pb2.Attachment:
        return notify_pb2.Attachment(file_name=self.file_name, content_type=self.content_type,
                                     content=base64.b64decode(self.content_base64))


def _within_limit(attachments: list[AttachmentIn]) -> list[AttachmentIn]:
    if sum(item.size for item in attachments) > MAX_ATTACHMENTS_BYTES:
        raise ValueError("вложения одного сообщения вместе не больше 3 МБ")
    return attachments


class NewConversationIn(RequestModel):
    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=9)
    title: str = Field(default="", max_length=200)
    text: str = Field(default="", max_length=5000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)

    _attachments_limit = field_validator("attachments")(_within_limit)


class NewMessageIn(RequestModel):
    text: str = Field(default="", max_length=5000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)

    _attachments_limit = field_validator("attachments")(_within_limit)


class ClassMessageIn(RequestModel):
    text: str = Field(min_length=1, max_length=5000)
    request_id: str = Field(default="", max_length=REQUEST_ID_MAX_LENGTH)


class ConversationPath(RequestModel):
    conversation_id: uuid.UUID


class AttachmentPath(RequestModel):
    attachment_id: uuid.UUID


class ClassPath(RequestModel):
    class_id: uuid.UUID


class ContactOut(BaseModel):
    person_id: str
    display_name: str
    role: str = Field(examples=["class_teacher"])
    class_name: str


class ContactsOut(BaseModel):
    contacts: list[ContactOut]


class AttachmentOut(BaseModel):
    id: str
    file_name: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    sender_id: str
    text: str = Field(description="Plain text; never render it as HTML")
    create_time: dt.datetime | None
    attachments: list[AttachmentOut]
    read_by_count: int = Field(description="How many other members have read it")

    @classmethod
    def from_proto(cls, item) -> MessageOut:
        return cls(id=item.id, conversation_id=item.conversation_id, sender_id=item.sender_id, text=item.text,
                   create_time=time_from_proto(item.create_time), read_by_count=item.read_by_count,
                   attachments=[AttachmentOut(id=a.id, file_name=a.file_name, content_type=a.content_type,
                                              size=a.size) for a in item.attachments])


class ConversationOut(BaseModel):
    id: str
    title: str
    member_ids: list[str]
    unread_count: int
    last_message_time: dt.datetime | None

    @classmethod
    def from_proto(cls, item) -> ConversationOut:
        return cls(id=item.id, title=item.title, member_ids=list(item.member_ids), unread_count=item.unread_count,
                   last_message_time=time_from_proto(item.last_message_time))


class NewConversationOut(BaseModel):
    conversation: ConversationOut
    message: MessageOut


class ConversationsOut(BaseModel):
    conversations: list[ConversationOut]
    next_page_token: str
    unread_count: int


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    next_page_token: str


class UnreadOut(BaseModel):
    unread_count: int


class ClassMessageOut(BaseModel):
    recipient_count: int
    conversation_ids: list[str]


@messages.get("/messages/contacts", responses={200: ContactsOut})
@allow(*SCHOOL_ROLES)
def list_contacts():
    """The people the caller may write to (C2)."""
    reply = call_notify("ListContacts", notify_pb2.ListContactsRequest())
    return ContactsOut(contacts=[ContactOut(person_id=c.person_id, display_name=c.display_name, role=c.role,
                                            class_name=c.class_name) for c in reply.contacts]).model_dump()


@messages.post("/conversations", responses={
    201: NewConversationOut, 403: problem_response("C2 does not let the caller write to a member"),
    404: problem_response("No such person in the caller's school")})
@allow(*SCHOOL_ROLES)
def create_conversation(body: NewConversationIn):
    """Start a conversation with one or a few people, with its first message."""
    reply = call_notify("CreateConversation", notify_pb2.CreateConversationRequest(
        member_ids=[str(value) for value in body.member_ids], title=body.title, text=body.text,
        attachments=[item.to_proto() for item in body.attachments], request_id=body.request_id))
    return NewConversationOut(conversation=ConversationOut.from_proto(reply.conversation),
                              message=MessageOut.from_proto(reply.message)).model_dump(mode="json"), 201


@messages.get("/conversations", responses={200: ConversationsOut})
@allow(*SCHOOL_ROLES)
def list_conversations(query: PageQuery):
    """The caller's conversations, latest first, with unread counts."""
    reply = call_notify("ListConversations", notify_pb2.ListConversationsRequest(
        page_size=query.page_size, page_token=query.page_token))
    return ConversationsOut(conversations=[ConversationOut.from_proto(item) for item in reply.conversations],
                            next_page_token=reply.next_page_token,
                            unread_count=reply.unread_count).model_dump(mode="json")


@messages.get("/conversations/<conversation_id>/messages",
              responses={200: MessagesOut, 404: problem_response("Not a conversation of the caller")})
@allow(*SCHOOL_ROLES)
def list_messages(path: ConversationPath, query: PageQuery):
    """A conversation's messages, oldest first, with read receipts."""
    reply = call_notify("ListMessages", notify_pb2.ListMessagesRequest(
        conversation_id=str(path.conversation_id), page_size=query.page_size, page_token=query.page_token))
    return MessagesOut(messages=[MessageOut.from_proto(item) for item in reply.messages],
                       next_page_token=reply.next_page_token).model_dump(mode="json")


@messages.post("/conversations/<conversation_id>/messages",
               responses={201: MessageOut, 404: problem_response("Not a conversation of the caller")})
@allow(*SCHOOL_ROLES)
def send_message(path: ConversationPath, body: NewMessageIn):
    """Reply in a conversation."""
    reply = call_notify("SendMessage", notify_pb2.SendMessageRequest(
        conversation_id=str(path.conversation_id), text=body.text,
        attachments=[item.to_proto() for item in body.attachments], request_id=body.request_id))
    return MessageOut.from_proto(reply.message).model_dump(mode="json"), 201


@messages.post("/conversations/<conversation_id>/read",
               responses={200: UnreadOut, 404: problem_response("Not a conversation of the caller")})
@allow(*SCHOOL_ROLES)
def mark_conversation_read(path: ConversationPath):
    """Record that the caller has read the conversation (a read receipt for the others)."""
    reply = call_notify("MarkConversationRead", notify_pb2.MarkConversationReadRequest(
        conversation_id=str(path.conversation_id)))
    return UnreadOut(unread_count=reply.unread_count).model_dump()


@messages.get("/attachments/<attachment_id>",
              responses={200: {"description": "The file", "content": {"application/octet-stream": {}}},
                         404: problem_response("Not an attachment of the caller's conversations")})
@allow(*SCHOOL_ROLES)
def get_attachment(path: AttachmentPath):
    """Download an attachment (always as a download, never shown inline)."""
    item = call_notify("GetAttachment", notify_pb2.GetAttachmentRequest(
        attachment_id=str(path.attachment_id))).attachment
    return Response(item.content, mimetype=item.content_type, headers={
        "Content-Disposition": f'attachment; filename="attachment-{item.id}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
    })


@messages.post("/classes/<class_id>/parent-messages",
               responses={201: ClassMessageOut, 403: problem_response("Not the class teacher of the class")})
@allow(Role.CLASS_TEACHER)
def message_class_parents(path: ClassPath, body: ClassMessageIn):
    """The class teacher writes to all parents of the class; each reply comes back privately."""
    reply = call_notify("MessageClassParents", notify_pb2.MessageClassParentsRequest(
        class_id=str(path.class_id), text=body.text, request_id=body.request_id))
    return ClassMessageOut(recipient_count=reply.recipient_count,
                           conversation_ids=list(reply.conversation_ids)).model_dump(), 201
