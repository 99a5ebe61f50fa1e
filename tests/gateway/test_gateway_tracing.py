"""The gateway continues the caller's trace and passes it on to the services (O1 operations)."""
from __future__ import annotations

from gateway_fakes import FakeJournal, bearer, mint

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def test_o1_traceparent_given_at_the_gateway_reaches_the_service(api, signing_key):
    FakeJournal.seen_metadata.clear()
    headers = {**bearer(mint(signing_key, "parent")), "traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"}

    response = api.get("/api/v1/me", headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    passed_on = FakeJournal.seen_metadata[-1]["traceparent"]
    assert passed_on.split("-")[1] == TRACE_ID
    assert passed_on.split("-")[2] != "b7ad6b7169203331"  # the gateway's own span is the parent now
