"""The account, school, staff and activation routes: what they send to auth and what they show."""
from __future__ import annotations

from gateway_fakes import CLASS_5A, PEOPLE, SCHOOL_ID, assert_problem, bearer, mint

from services.common.roles import Role

TEACHER_ID = PEOPLE["teacher"].id


def as_(signing_key, login: str):
    return bearer(mint(signing_key, login))


def test_sessions_are_listed_with_device_address_and_times(api, signing_key):
    body = api.get("/api/v1/me/sessions", headers=as_(signing_key, "teacher")).get_json()

    [session] = body["sessions"]
    assert session["user_agent"] == "Firefox" and session["address"] == "203.0.113.7"
    assert session["current"] is True
    assert session["create_time"].startswith("2026-")
    assert session["last_use_time"] is None


def test_the_district_operator_lists_and_creates_schools(api, signing_key, fake_services):
    operator = as_(signing_key, "district")

    listed = api.get("/api/v1/schools?page_size=10", headers=operator)
    created = api.post("/api/v1/schools", headers=operator, json={"name": "Гимназия № 3", "short_name": "Гимн. 3"})

    assert listed.get_json()["schools"][0]["code_lifetime_days"] == 14
    assert listed.get_json()["next_page_token"] == "next"
    assert created.status_code == 201 and created.get_json()["id"] == "s-1"
    assert_problem(api.post("/api/v1/schools", headers=as_(signing_key, "admin"), json={"name": "x"}),
                   403, "ROLE_REQUIRED")


def test_the_administrator_sets_the_school_policy(api, signing_key, fake_services):
    response = api.put(f"/api/v1/schools/{SCHOOL_ID}/policy", headers=as_(signing_key, "admin"),
                       json={"code_lifetime_days": 7, "staff_totp_required": True})

    assert response.get_json()["code_lifetime_days"] == 7
    assert response.get_json()["staff_totp_required"] is True
    bad = api.put(f"/api/v1/schools/{SCHOOL_ID}/policy", headers=as_(signing_key, "admin"),
                  json={"code_lifetime_days": 0, "staff_totp_required": True})
    assert assert_problem(bad, 400, "INVALID_ARGUMENT")["field"] == "code_lifetime_days"


def test_the_administrator_enters_a_staff_member_in_their_own_school(api, signing_key, fake_services):
    response = api.post("/api/v1/staff", headers=as_(signing_key, "admin"), json={
        "last_name": "Петрова", "first_name": "Ольга", "middle_name": "Ивановна",
        "roles": [{"role": "subject_teacher"}, {"role": "class_teacher", "class_id": CLASS_5A}],
        "request_id": "retry-1",
    })

    assert response.status_code == 201
    person = response.get_json()
    assert person["full_name"] == "Петрова Ольга" and person["login"] == "teacher"
    assert person["roles"] == [{"role": "subject_teacher", "title": "Учитель-предметник",
                                "school_id": SCHOOL_ID, "class_id": None}]
    [(request, metadata)] = fake_services.auth.called("CreateStaffMember")
    assert request.school_id == SCHOOL_ID and request.request_id == "retry-1"
    assert [(grant.school_id, grant.class_id) for grant in request.roles] == [(SCHOOL_ID, ""), (SCHOOL_ID, CLASS_5A)]
    assert metadata["authorization"].startswith("Bearer ")


def test_roles_are_granted_and_withdrawn_and_accounts_blocked(api, signing_key, fake_services):
    admin = as_(signing_key, "admin")

    granted = api.post(f"/api/v1/people/{TEACHER_ID}/roles", headers=admin,
                       json={"role": "class_teacher", "class_id": CLASS_5A})
    withdrawn = api.delete(f"/api/v1/people/{TEACHER_ID}/roles/class_teacher?class_id={CLASS_5A}", headers=admin)
    blocked = api.post(f"/api/v1/people/{TEACHER_ID}/block", headers=admin, json={"reason": "Уволена"})
    unblocked = api.post(f"/api/v1/people/{TEACHER_ID}/unblock", headers=admin)

    assert all(response.status_code == 200 for response in (granted, withdrawn, blocked, unblocked))
    calls = fake_services.auth
    assert calls.called("GrantRole")[0][0].grant.class_id == CLASS_5A
    withdraw = calls.called("WithdrawRole")[0][0]
    assert (withdraw.person_id, withdraw.grant.class_id) == (TEACHER_ID, CLASS_5A)
    assert calls.called("BlockAccount")[0][0].reason == "Уволена"
    assert calls.called("UnblockAccount")[0][0].person_id == TEACHER_ID


def test_a_class_teacher_issues_a_parents_code_and_gets_the_slip(api, signing_key, fake_services):
    response = api.post(f"/api/v1/people/{PEOPLE['parent'].id}/activation-codes",
                        headers=as_(signing_key, "classteacher"), json={"role": "parent", "class_id": CLASS_5A})

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    slip = response.get_json()
    assert slip["code"] == "K7QF-93XD-2MHP" and slip["role"] == "parent" and slip["role_title"] == "Родитель"
    assert slip["class_name"] == "5А" and slip["expire_time"].startswith("2027-")
    [(request, _)] = fake_services.auth.called("IssueActivationCode")
    assert request.class_id == CLASS_5A and request.role == 7  # ROLE_PARENT


def test_a_class_teacher_sees_who_in_the_class_has_access(api, signing_key):
    body = api.get(f"/api/v1/classes/{CLASS_5A}/access", headers=as_(signing_key, "classteacher")).get_json()

    [member] = body["members"]
    assert member["role"] == Role.PARENT.value and member["student_id"] == PEOPLE["student"].id
    assert member["code_issued"] is True and member["activate_time"] is None


def test_the_administrator_sees_the_sign_ins(api, signing_key, fake_services):
    body = api.get("/api/v1/sign-ins", headers=as_(signing_key, "admin")).get_json()

    assert body["sign_ins"][0]["succeeded"] is False and body["next_page_token"] is None
    assert fake_services.auth.called("ListSignIns")[0][0].school_id == SCHOOL_ID
    assert_problem(api.get("/api/v1/sign-ins", headers=as_(signing_key, "teacher")), 403, "ROLE_REQUIRED")


def test_staff_start_a_second_factor_once_signed_in(api, signing_key, fake_services):
    teacher = as_(signing_key, "teacher")

    begun = api.post("/api/v1/me/totp", headers=teacher, json={"password": "current-password-1"})
    confirmed = api.post("/api/v1/me/totp/confirm", headers=teacher, json={"otp": "123456"})

    assert begun.get_json() == {"secret": "JBSWY3DPEHPK3PXP", "provisioning_uri": "otpauth://totp/ezh"}
    assert confirmed.status_code == 204
    assert fake_services.auth.called("ConfirmTotpEnrollment")[0][0].otp == "123456"
