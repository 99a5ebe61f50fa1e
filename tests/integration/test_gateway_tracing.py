"""Operations through the gateway: a trace id given by the client appears in the
logs of the service that handled the call and of the consumer of the event it
raised; and the logs carry ids, never people's names."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.common.database import Database
from services.common.demo import build_district
from services.journal import store as journal_store

from .conftest import wait_for
from .test_gateway_auth import gateway, sign_in  # noqa: F401 - the fixture, reused
from .test_tracing import captured_logs  # noqa: F401 - the fixture, reused

pytestmark = pytest.mark.integration
TRACE_ID = "5b8efff798038103d269b633813fc60c"


def test_o1_trace_id_from_the_gateway_reaches_service_and_consumer_logs(gateway, captured_logs, stack):  # noqa: F811
    client = gateway.test_client()
    admin = {"Authorization": f"Bearer {sign_in(client, 'admin')['access_token']}"}
    teacher = {"Authorization": f"Bearer {sign_in(client, 'teacher')['access_token']}"}
    teacher_id = client.get("/api/v1/me", headers=teacher).get_json()["person"]["id"]

    blocked = client.post(
        f"/api/v1/people/{teacher_id}/block", json={"reason": "Уволена"},
        headers={**admin, "traceparent": f"00-{TRACE_ID}-a2fb4a1d1a96d312-01"},
    )

    assert blocked.status_code == 200, blocked.get_data(as_text=True)
    database = Database(stack.settings.database_url("journal"))

    def journal_knows_the_revocation():
        with database.session() as session:
            return session.scalar(
                select(journal_store.revoked.c.person_id).where(journal_store.revoked.c.person_id == teacher_id)
            )

    wait_for(journal_knows_the_revocation, timeout=30, what="the revocation to reach the journal")
    database.dispose()
    traced = [message for _, trace_id, message in captured_logs.records if trace_id == TRACE_ID]
    assert any("AuthService/BlockAccount OK" in message for message in traced), traced
    assert any("journal.events: handled ezh.auth.account.revoked.v1" in message for message in traced), traced


def test_o1_logs_carry_ids_not_names(gateway, captured_logs):  # noqa: F811
    client = gateway.test_client()
    parent = {"Authorization": f"Bearer {sign_in(client, 'parent')['access_token']}"}

    me = client.get("/api/v1/me", headers=parent).get_json()

    names = {me["person"]["last_name"], *(child["full_name"].split()[0] for child in me["children"])}
    district = build_district()
    names |= {account.person.last_name for account in district.accounts}
    logged = " ".join(message for _, _, message in captured_logs.records)
    assert logged, "nothing was logged"
    assert not [name for name in names if name in logged]
