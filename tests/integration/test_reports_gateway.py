"""The reports through the gateway, by role and from the attacker's side (R1–R4, A5)."""
from __future__ import annotations

import hashlib
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from gateway.app import create_app
from services.common.roles import Role
from services.common.tokens import Revocations, TokenVerifier
from .test_reports_read_model import (  # noqa: F401 - the `reports` fixture
    CLASS, CLASS_TEACHER, DEPUTY, KEY, MATH, MATH_TEACHER, OTHER_SCHOOL, OTHER_TEACHER, PARENT, Q2, S, SCHOOL, reports,
    token,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(reports):  # noqa: F811 - the fixture imported above
    settings = reports.stack.settings.model_copy(update={"reports_grpc_address": f"127.0.0.1:{reports.runtime.port}"})
    app = create_app(settings, verifier=TokenVerifier(lambda kid: KEY.public_key, Revocations()))
    app.testing = True
    yield app.test_client()
    app.extensions["ezh"].clients.close()


def headers(person: str, *grants, school=SCHOOL) -> dict:
    return {"Authorization": token(person, *grants, school=school)[0][1]}


DEPUTY_H = lambda: headers(DEPUTY, (Role.DEPUTY_DIRECTOR, None))  # noqa: E731


def test_r1_reports_through_the_gateway_by_role(gateway):
    answer = gateway.get(f"/api/v1/reports/progress?period_id={Q2}", headers=DEPUTY_H())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    classes = next(t for t in answer.get_json()["tables"] if t["key"] == "classes")
    assert classes["rows"][0][0]["text"] == "5А" and classes["rows"][0][9] == {"text": "60,0", "number": 60.0}

    xlsx = gateway.get(f"/api/v1/reports/class-teacher?period_id={Q2}&class_id={CLASS}&format=xlsx",
                       headers=headers(CLASS_TEACHER, (Role.CLASS_TEACHER, CLASS)))
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data))["С «2»"]
    assert sheet["A4"].value == "Григорьева И.О." and sheet["B4"].value == "Математика"

    pdf = gateway.get(f"/api/v1/students/{S[0]}/report-card?format=pdf", headers=headers(PARENT, (Role.PARENT, None)))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Табель успеваемости" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()

    # The attackers: a deputy of school B asking for school A's report; a parent for another child's card;
    # a student for the class teacher's report; a teacher for the district.
    stranger = gateway.get(f"/api/v1/reports/progress?period_id={Q2}&school_id={SCHOOL}",
                           headers=headers(OTHER_TEACHER, (Role.DEPUTY_DIRECTOR, None), school=OTHER_SCHOOL))
    assert stranger.status_code == 404 and stranger.mimetype == "application/problem+json"
    assert "не найден" in stranger.get_json()["detail"]
    other_child = gateway.get(f"/api/v1/students/{S[1]}/report-card", headers=headers(PARENT, (Role.PARENT, None)))
    assert other_child.status_code == 404
    student = gateway.get(f"/api/v1/reports/class-teacher?period_id={Q2}&class_id={CLASS}",
                          headers=headers(S[0], (Role.STUDENT, None)))
    assert student.status_code == 403
    teacher = gateway.get("/api/v1/reports/district?start_date=2026-09-01&end_date=2026-10-26",
                          headers=headers(MATH_TEACHER, (Role.SUBJECT_TEACHER, None)))
    assert teacher.status_code == 403
    bad = gateway.get("/api/v1/reports/progress?start_date=2026-12-01&end_date=2026-11-01", headers=DEPUTY_H())
    assert bad.status_code == 400 and "раньше" in bad.get_json()["detail"]
    unsigned = gateway.get(f"/api/v1/reports/progress?period_id={Q2}")
    assert unsigned.status_code == 401

    status = gateway.get("/api/v1/reports/read-model-status", headers=DEPUTY_H())
    assert status.status_code == 200
    journal = next(s for s in status.get_json()["sources"] if s["source"] == "journal")
    assert journal["applied_count"] > 0 and journal["lag_seconds"] >= 0 and status.get_json()["events_behind"] >= 0
    assert gateway.get("/api/v1/reports/read-model-status",
                       headers=headers(MATH_TEACHER, (Role.SUBJECT_TEACHER, None))).status_code == 403


def test_r3_printout_and_remarks_through_the_gateway(gateway):
    printed = gateway.post("/api/v1/printouts", headers=DEPUTY_H(), json={
        "kind": "journal_page", "class_id": CLASS, "subject_id": MATH, "period_id": Q2})
    assert printed.status_code == 200, printed.get_data(as_text=True)
    code = printed.headers["X-Verification-Code"]
    assert code in PdfReader(io.BytesIO(printed.data)).pages[0].extract_text()
    checked = gateway.get(f"/api/v1/printouts/{code}")  # no sign-in
    assert checked.status_code == 200 and checked.get_json()["matches"] is True
    assert checked.get_json()["pdf_hash"] == hashlib.sha256(printed.data).hexdigest()  # the digital copy
    assert gateway.get("/api/v1/printouts/ABCDE-23456").status_code == 404
    parent_print = gateway.post("/api/v1/printouts", headers=headers(PARENT, (Role.PARENT, None)),
                                json={"kind": "report_card", "student_id": S[0]})
    assert parent_print.status_code == 403

    remark = gateway.post("/api/v1/journal-remarks", headers=DEPUTY_H(),
                          json={"teacher_id": MATH_TEACHER, "text": "Заполните темы уроков"})
    assert remark.status_code == 201, remark.get_data(as_text=True)
    teacher = headers(MATH_TEACHER, (Role.SUBJECT_TEACHER, None))
    mine = gateway.get("/api/v1/journal-remarks?open_only=true", headers=teacher).get_json()["remarks"]
    assert [r["text"] for r in mine] == ["Заполните темы уроков"]
    fixed = gateway.post(f"/api/v1/journal-remarks/{mine[0]['id']}/fixed", headers=teacher, json={"comment": "Да"})
    assert fixed.status_code == 200 and fixed.get_json()["fix_time"]
    again = gateway.post(f"/api/v1/journal-remarks/{mine[0]['id']}/fixed", headers=teacher, json={})
    assert again.status_code == 422 and "уже" in again.get_json()["detail"]
    by_teacher = gateway.post("/api/v1/journal-remarks", headers=teacher,
                              json={"teacher_id": MATH_TEACHER, "text": "Сам себе"})
    assert by_teacher.status_code == 403
