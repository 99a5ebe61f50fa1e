"""Notifications, messages, school events, alerts and statements through the gateway (C1–C3, J6, J7):
roles per route from the attacker's side, bad input named before any call, the service's refusals
as problem+json in Russian, safe download headers.

A stand-in NotifyService (a real in-process gRPC server) answers behind the gateway and records
what it was asked and with which token.
"""
from __future__ import annotations

import base64
import uuid
from concurrent import futures

import grpc
import pytest
from ezh.notify.v1 import notify_pb2, notify_pb2_grpc
from gateway_fakes import assert_problem, bearer, local_verifier, mint
from grpc_status import rpc_status

from services.common.errors import FailedPrecondition, NotFound, PermissionDenied, to_rpc_status

OTHER_PARENT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:OTHER_PARENT"))
CONVERSATION = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:CONVERSATION"))
ATTACHMENT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:ATTACHMENT"))
EVENT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:EVENT"))
PDF = b"%PDF-1.4\n%%EOF\n"


def _abort(context, error) -> None:
    context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "notify")))


class FakeNotify(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict]] = []

    def _record(self, name, request, context) -> None:
        self.calls.append((name, request, dict(context.invocation_metadata())))

    def ListNotifications(self, request, context):
        self._record("ListNotifications", request, context)
        return notify_pb2.ListNotificationsResponse(unread_count=1, notifications=[notify_pb2.Notification(
            id=str(uuid.uuid4()), kind="mark", title="Новая отметка «5»: Математика", body="…",
            link="/students/x/marks")])

    def MarkNotificationsRead(self, request, context):
        self._record("MarkNotificationsRead", request, context)
        _abort(context, NotFound("Уведомление не найдено", reason="NOTIFICATION_NOT_FOUND"))

    def CreateConversation(self, request, context):
        self._record("CreateConversation", request, context)
        if OTHER_PARENT in request.member_ids:
            _abort(context, PermissionDenied("Вы не можете писать этому человеку", reason="C2_NOT_ALLOWED"))
        return notify_pb2.CreateConversationResponse(
            conversation=notify_pb2.Conversation(id=CONVERSATION, member_ids=list(request.member_ids)),
            message=notify_pb2.Message(id=str(uuid.uuid4()), conversation_id=CONVERSATION, text=request.text))

    def GetAttachment(self, request, context):
        self._record("GetAttachment", request, context)
        return notify_pb2.GetAttachmentResponse(attachment=notify_pb2.Attachment(
            id=request.attachment_id, file_name="справка.pdf", content_type="text/html", size=3, content=b"<b>"))

    def RespondToSchoolEvent(self, request, context):
        self._record("RespondToSchoolEvent", request, context)
        _abort(context, FailedPrecondition("Это событие не собирает ответы", reason="NO_RSVP"))

    def GetWeeklyStatement(self, request, context):
        self._record("GetWeeklyStatement", request, context)
        return notify_pb2.GetWeeklyStatementResponse(pdf=PDF, file_name=f"statement-{request.student_id}.pdf")


@pytest.fixture
def notify_api(app_for, fake_services, signing_key, revocations):
    fake = FakeNotify()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    notify_pb2_grpc.add_NotifyServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    app = app_for(fake_services.settings(notify_grpc_address=f"127.0.0.1:{port}"),
                  verifier=local_verifier(signing_key, revocations))
    yield app.test_client(), fake, lambda login: bearer(mint(signing_key, login))
    server.stop(None)


def test_c1_inbox_passes_the_callers_token_and_needs_one(notify_api):
    client, fake, auth = notify_api
    assert client.get("/api/v1/notifications").status_code == 401
    parent = auth("parent")
    body = client.get("/api/v1/notifications?page_size=5", headers=parent).get_json()
    assert body["unread_count"] == 1 and body["notifications"][0]["link"] == "/students/x/marks"
    name, request, metadata = fake.calls[-1]
    assert name == "ListNotifications" and request.page_size == 5
    assert metadata["authorization"] == parent["Authorization"]
    assert client.get("/api/v1/notifications", headers=auth("district")).status_code == 403


def test_c1_another_persons_notification_is_not_found_and_bad_ids_are_named(notify_api):
    client, fake, auth = notify_api
    problem = assert_problem(client.post("/api/v1/notifications/read", headers=auth("parent"),
                                         json={"notification_ids": [str(uuid.uuid4())]}), 404,
                             "NOTIFICATION_NOT_FOUND")
    assert problem["detail"] == "Уведомление не найдено"
    calls = len(fake.calls)
    bad = client.post("/api/v1/notifications/read", headers=auth("parent"), json={"notification_ids": ["x"]})
    assert bad.status_code == 400 and "notification_ids" in bad.get_data(as_text=True)
    bad = client.put("/api/v1/notifications/preferences", headers=auth("parent"),
                     json={"preferences": [{"kind": "weather", "channel": "email", "mode": "immediate"}]})
    assert bad.status_code == 400 and "kind" in bad.get_data(as_text=True)
    assert len(fake.calls) == calls  # refused before any call


def test_c2_parent_writing_to_another_parent_is_refused_in_russian(notify_api):
    client, fake, auth = notify_api
    problem = assert_problem(client.post("/api/v1/conversations", headers=auth("parent"), json={
        "member_ids": [OTHER_PARENT], "text": "Привет"}), 403, "C2_NOT_ALLOWED")
    assert problem["detail"] == "Вы не можете писать этому человеку"
    calls = len(fake.calls)
    too_big = base64.b64encode(b"%PDF-" + b"0" * (3 * 1024 * 1024)).decode()
    refused = client.post("/api/v1/conversations", headers=auth("parent"), json={
        "member_ids": [str(uuid.uuid4())], "text": "x",
        "attachments": [{"file_name": "a.pdf", "content_type": "application/pdf", "content_base64": too_big}]})
    assert refused.status_code == 400 and "attachments" in refused.get_data(as_text=True)
    not_base64 = client.post("/api/v1/conversations", headers=auth("parent"), json={
        "member_ids": [str(uuid.uuid4())],
        "attachments": [{"file_name": "a.pdf", "content_type": "application/pdf", "content_base64": "не base64"}]})
    assert not_base64.status_code == 400
    assert client.post(f"/api/v1/classes/{uuid.uuid4()}/parent-messages", headers=auth("parent"),
                       json={"text": "всем"}).status_code == 403
    assert len(fake.calls) == calls


def test_c2_attachments_download_never_render(notify_api):
    client, _, auth = notify_api
    response = client.get(f"/api/v1/attachments/{ATTACHMENT}", headers=auth("parent"))
    assert response.status_code == 200 and response.data == b"<b>"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_c3_and_j6_roles_per_route(notify_api):
    client, fake, auth = notify_api
    calls = len(fake.calls)
    assert client.post("/api/v1/events", headers=auth("parent"), json={"title": "x"}).status_code == 403
    assert client.post("/api/v1/events", headers=auth("student"), json={"title": "x"}).status_code == 403
    assert client.get("/api/v1/alerts", headers=auth("parent")).status_code == 403
    assert client.get("/api/v1/alerts", headers=auth("teacher")).status_code == 403
    assert client.put(f"/api/v1/alerts/{uuid.uuid4()}/action", headers=auth("admin"),
                      json={"action": "x"}).status_code == 403
    assert client.put("/api/v1/notify/settings", headers=auth("teacher"),
                      json={"unexcused_absence_threshold": 3}).status_code == 403
    assert client.get(f"/api/v1/students/{uuid.uuid4()}/weekly-statement",
                      headers=auth("parent")).status_code == 403
    bad = client.post("/api/v1/events", headers=auth("admin"), json={"title": "x", "start_time": "завтра"})
    assert bad.status_code == 400 and "start_time" in bad.get_data(as_text=True)
    assert len(fake.calls) == calls
    assert_problem(client.put(f"/api/v1/events/{EVENT}/response", headers=auth("parent"),
                              json={"response": "yes"}), 422, "NO_RSVP")


def test_j7_statement_is_a_pdf_download(notify_api):
    client, fake, auth = notify_api
    student = str(uuid.uuid4())
    response = client.get(f"/api/v1/students/{student}/weekly-statement?week_start=2026-11-23",
                          headers=auth("classteacher"))
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data == PDF
    assert response.headers["Content-Disposition"] == f'attachment; filename="statement-{student}.pdf"'
    assert fake.calls[-1][1].week_start == "2026-11-23"
