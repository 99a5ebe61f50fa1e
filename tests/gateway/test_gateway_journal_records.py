"""The journal records routes through the gateway: roles per route from the attacker's side, multipart
uploads with the size limit, downloads with safe headers, rule refusals as 422 (J1–J6, A5).

A stand-in JournalRecordsService (a real in-process gRPC server) answers behind the gateway and records
what it was asked.
"""
from __future__ import annotations

import io
import uuid
from concurrent import futures

import grpc
import pytest
from ezh.journal.v1 import records_pb2, records_pb2_grpc
from gateway_fakes import assert_problem, bearer, local_verifier, mint
from grpc_status import rpc_status

from services.common.errors import FailedPrecondition, to_rpc_status
from services.journal.attachments import attachment_settings

LESSON = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:LESSON"))
ATTACHMENT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:ATTACHMENT"))
CLASS = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:CLASS"))
SUBJECT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:SUBJECT"))
STUDENT = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:STUDENT"))
CHANGE = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:CHANGE"))
PDF = b"%PDF-1.4\n%%EOF\n"


class FakeRecords(records_pb2_grpc.JournalRecordsServiceServicer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def AddHomeworkAttachment(self, request, context):
        self.calls.append(("AddHomeworkAttachment", request))
        return records_pb2.AddHomeworkAttachmentResponse(attachment=records_pb2.HomeworkAttachment(
            id=ATTACHMENT, lesson_id=request.lesson_id, file_name=request.file_name, content_type="application/pdf",
            size=len(request.content)))

    def GetHomeworkAttachment(self, request, context):
        self.calls.append(("GetHomeworkAttachment", request))
        return records_pb2.GetHomeworkAttachmentResponse(
            attachment=records_pb2.HomeworkAttachment(id=request.attachment_id, file_name="задание 1.pdf",
                                                      content_type="application/pdf", size=len(PDF)),
            content=PDF)

    def CompleteLessonPlan(self, request, context):
        self.calls.append(("CompleteLessonPlan", request))
        error = FailedPrecondition("КТП нельзя отметить выполненным: в КТП 8 ч, по учебному плану 170 ч, "
                                   "уроков по расписанию 40 (проведено 16)", reason="PLAN_HOURS_DIFFER_FROM_CURRICULUM")
        context.abort_with_status(rpc_status.to_status(to_rpc_status(error, "journal")))

    def SetSubgroups(self, request, context):
        self.calls.append(("SetSubgroups", request))
        return records_pb2.SetSubgroupsResponse(subgroups=[
            records_pb2.Subgroup(id=str(uuid.uuid4()), name=group.name, student_ids=group.student_ids)
            for group in request.subgroups])


@pytest.fixture
def records_api(app_for, fake_services, signing_key, revocations):
    fake = FakeRecords()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    records_pb2_grpc.add_JournalRecordsServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    app = app_for(fake_services.settings(journal_grpc_address=f"127.0.0.1:{port}"),
                  verifier=local_verifier(signing_key, revocations))
    yield app.test_client(), fake, lambda login: bearer(mint(signing_key, login))
    server.stop(None)


def test_a5_roles_per_records_route_are_enforced_before_the_journal_is_asked(records_api):
    client, fake, auth = records_api
    refused = [
        ("student", "put", f"/api/v1/journal/lessons/{LESSON}/homework", {"text": "x"}),
        ("parent", "post", f"/api/v1/journal/roster-changes/{CHANGE}/carry-out", {}),
        ("classteacher", "post", f"/api/v1/journal/roster-changes/{CHANGE}/carry-out", {}),  # the administrator's
        ("teacher", "put", f"/api/v1/journal/students/{STUDENT}/record", {"last_name": "А", "first_name": "Б"}),
        ("classteacher", "post", f"/api/v1/journal/students/{STUDENT}/subgroup", {"subgroup_id": CLASS}),
        ("student", "get", f"/api/v1/journal/classes/{CLASS}/marks-overview?period_id={CLASS}", None),
        ("parent", "get", f"/api/v1/journal/classes/{CLASS}/attendance/week?week=2026-11-23", None),
        ("teacher", "post", f"/api/v1/journal/classes/{CLASS}/attendance/reconciliations", {"week": "2026-11-23"}),
        ("admin", "put", f"/api/v1/journal/classes/{CLASS}/subjects/{SUBJECT}/lesson-plan",
         {"items": [{"topic": "x", "hours": 1}]}),
    ]
    for login, method, url, body in refused:
        response = getattr(client, method)(url, json=body, headers=auth(login))
        assert response.status_code == 403, (login, url, response.get_data(as_text=True))
        assert_problem(response, 403, "ROLE_REQUIRED")
    assert fake.calls == []
    assert client.get(f"/api/v1/journal/homework/attachments/{ATTACHMENT}").status_code == 401


def test_j2_upload_goes_to_the_journal_and_an_oversized_file_is_refused_naming_the_field(records_api):
    client, fake, auth = records_api
    url = f"/api/v1/journal/lessons/{LESSON}/homework/attachments"
    uploaded = client.post(url, data={"file": (io.BytesIO(PDF), "задание.pdf")}, headers=auth("teacher"),
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    assert uploaded.get_json()["size"] == len(PDF)
    method, request = fake.calls[-1]
    assert (method, request.lesson_id, request.file_name, request.content) == (
        "AddHomeworkAttachment", LESSON, "задание.pdf", PDF)

    too_big = io.BytesIO(b"%PDF-" + b"0" * attachment_settings().max_bytes)
    refused = client.post(url, data={"file": (too_big, "big.pdf")}, headers=auth("teacher"),
                          content_type="multipart/form-data")
    body = assert_problem(refused, 400, "INVALID_ARGUMENT")
    assert body["field"] == "file" and "больше допустимого" in body["detail"]
    far_too_big = io.BytesIO(b"%PDF-" + b"0" * (attachment_settings().max_bytes + 200 * 1024))
    refused_early = client.post(url, data={"file": (far_too_big, "huge.pdf")}, headers=auth("teacher"),
                                content_type="multipart/form-data")
    assert assert_problem(refused_early, 400, "INVALID_ARGUMENT")["field"] == "file"
    as_student = client.post(url, data={"file": (io.BytesIO(PDF), "a.pdf")}, headers=auth("student"),
                             content_type="multipart/form-data")
    assert as_student.status_code == 403  # the role is checked before the size or the body
    no_file = client.post(url, data={}, headers=auth("teacher"), content_type="multipart/form-data")
    assert no_file.status_code == 400 and no_file.get_json()["field"] == "file"
    assert len(fake.calls) == 1


def test_j2_download_is_an_attachment_with_a_utf8_name_and_no_sniffing(records_api):
    client, fake, auth = records_api
    response = client.get(f"/api/v1/journal/homework/attachments/{ATTACHMENT}", headers=auth("parent"))
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%D0%B7%D0%B0%D0%B4%D0%B0%D0%BD%D0%B8%D0%B5%201.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get("/api/v1/journal/homework/attachments/not-a-uuid", headers=auth("parent")).status_code == 400


def test_j3_complete_refused_is_422_with_the_three_numbers(records_api):
    client, fake, auth = records_api
    response = client.post(f"/api/v1/journal/classes/{CLASS}/subjects/{SUBJECT}/lesson-plan/complete",
                           headers=auth("teacher"))
    body = assert_problem(response, 422, "PLAN_HOURS_DIFFER_FROM_CURRICULUM")
    assert "8 ч" in body["detail"] and "170 ч" in body["detail"] and "40" in body["detail"]


def test_j4_subgroup_division_body_is_checked_by_the_gateway(records_api):
    client, fake, auth = records_api
    url = f"/api/v1/journal/classes/{CLASS}/subjects/{SUBJECT}/subgroups"
    one_group = client.put(url, json={"subgroups": [{"name": "1", "student_ids": [STUDENT]}]},
                           headers=auth("classteacher"))
    assert one_group.status_code == 400 and one_group.get_json()["field"].startswith("subgroups")
    ok = client.put(url, json={"subgroups": [{"name": "1", "student_ids": [STUDENT]},
                                             {"name": "2", "student_ids": [str(uuid.uuid4())]}]},
                    headers=auth("classteacher"))
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert [group["name"] for group in ok.get_json()["subgroups"]] == ["1", "2"]


def test_the_openapi_document_describes_these_routes_with_their_own_models(records_api):
    """A model of another resource with the same name would replace ours in the document: none does."""
    from pydantic import BaseModel

    import gateway.journal_records as module

    client, _, _ = records_api
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    models = [value for value in vars(module).values()
              if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__]
    for model in models:
        if model.__name__ in schemas:
            assert set(schemas[model.__name__].get("properties", {})) == set(model.model_fields), model.__name__
    upload = document["paths"]["/api/v1/journal/lessons/{lesson_id}/homework/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    week = document["paths"]["/api/v1/journal/classes/{class_id}/attendance/week"]["get"]
    assert week["x-roles"] == ["administrator", "director", "deputy_director", "class_teacher"]
