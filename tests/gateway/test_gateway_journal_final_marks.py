"""The gateway's half of A5 for final marks, exceptions, history and weights: each route admits only its
roles (403 ROLE_REQUIRED before the journal is asked), and nobody unsigned-in (401)."""
from __future__ import annotations

import uuid

import pytest
from gateway_fakes import PEOPLE, SCHOOL_ID, assert_problem, bearer, mint

ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "ezh-test:ID"))
STAFF = {"admin", "teacher", "classteacher"}
ROUTES = [
    # (method, path, body, logins the route admits among the fake people)
    ("get", f"/api/v1/journal/classes/{ID}/subjects/{ID}/periods/{ID}/final-marks", None, STAFF),
    ("put", f"/api/v1/journal/students/{ID}/subjects/{ID}/periods/{ID}/final-marks/quarter", {"value": 5},
     {"teacher", "classteacher"}),
    ("post", f"/api/v1/journal/periods/{ID}/exceptions", {"valid_until": "2026-12-30", "reason": "Приказ № 1"},
     set()),
    ("post", f"/api/v1/journal/exceptions/{ID}/close", None, set()),
    ("get", f"/api/v1/journal/schools/{SCHOOL_ID}/exceptions", None, STAFF),
    ("get", f"/api/v1/journal/lessons/{ID}/students/{ID}/history", None, STAFF),
    ("get", f"/api/v1/journal/lessons/{ID}/history", None, STAFF),
    ("get", f"/api/v1/journal/final-marks/{ID}/history", None, STAFF),
    ("get", f"/api/v1/journal/schools/{SCHOOL_ID}/change-log/verification", None, {"admin"}),
    ("get", f"/api/v1/journal/schools/{SCHOOL_ID}/work-type-weights", None, STAFF),
    ("put", f"/api/v1/journal/schools/{SCHOOL_ID}/work-type-weights",
     {"weights": [{"work_type": "test", "weight": 3}]}, {"admin"}),
]


@pytest.mark.parametrize(("method", "path", "body", "admitted"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_a5_final_mark_routes_admit_only_their_roles(app_for, fake_services, signing_key, method, path, body,
                                                     admitted):
    client = app_for(fake_services.settings()).test_client()
    send = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}

    assert_problem(send(path, **kwargs), 401, "NO_CREDENTIALS")
    for login in PEOPLE:
        response = send(path, headers=bearer(mint(signing_key, login)), **kwargs)
        if login in admitted:
            # Past the gateway's check: the journal decides (the fake does not implement these calls).
            assert response.status_code != 403, (login, response.get_data(as_text=True))
        else:
            problem = assert_problem(response, 403, "ROLE_REQUIRED")
            assert "роль" in problem["detail"].lower() or "доступ" in problem["detail"].lower(), problem
