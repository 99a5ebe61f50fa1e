"""The event envelope: CloudEvents 1.0 in structured JSON mode.

Type names are past tense and versioned (`ezh.journal.mark.created.v1`); the
routing key on the bus is the type without the `ezh.` prefix.  The `data`
schema of each type is a protobuf message in `protos/ezh/<service>/v1/events.proto`,
carried in its canonical JSON form.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from cloudevents.v1.conversion import to_json as _ce_to_json
from cloudevents.v1.http import CloudEvent, from_json as _ce_from_json
from google.protobuf import json_format
from google.protobuf.message import Message

from services.common.tracing import current_traceparent

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PATTERN = re.compile(r"^ezh\.[a-z_]+(\.[a-z_]+)+\.v[0-9]+$")


class MalformedEvent(ValueError):
    """A message on the bus that is not an ezh CloudEvent."""


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    school_id: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # W3C trace context of the change that raised the event (CloudEvents
    # distributed-tracing extension).
    traceparent: str = ""

    @property
    def routing_key(self) -> str:
        return self.type.removeprefix("ezh.")

    def data_as(self, message_class: type[Message]) -> Message:
        """The data parsed into its protobuf schema (unknown fields ignored)."""
        return json_format.ParseDict(self.data, message_class(), ignore_unknown_fields=True)


def new_event(event_type: str, service: str, subject: str, school_id: str, data: Message | dict) -> Event:
    if not TYPE_PATTERN.match(event_type):
        raise ValueError(f"event type {event_type!r} must look like ezh.<noun>.<verb-past>.v<N>")
    if isinstance(data, Message):
        data = json_format.MessageToDict(data, preserving_proto_field_name=True)
    return Event(
        type=event_type, source=f"/ezh/{service}", subject=subject, school_id=school_id or "", data=data,
        traceparent=current_traceparent(),
    )


def to_json(event: Event) -> bytes:
    attributes = {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": event.time.isoformat(),
        "datacontenttype": "application/json",
        "schoolid": event.school_id,
    }
    if event.traceparent:
        attributes["traceparent"] = event.traceparent
    return _ce_to_json(CloudEvent(attributes, event.data))


def from_json(body: bytes | str) -> Event:
    try:
        parsed = _ce_from_json(body)
        attributes = parsed.get_attributes()
        time = attributes.get("time")
        when = dt.datetime.fromisoformat(time) if isinstance(time, str) else time
        event = Event(
            id=attributes["id"],
            type=attributes["type"],
            source=attributes["source"],
            subject=attributes.get("subject") or "",
            school_id=attributes.get("schoolid") or "",
            time=when or dt.datetime.now(dt.UTC),
            data=parsed.data if isinstance(parsed.data, dict) else {},
            traceparent=attributes.get("traceparent") or "",
        )
    except MalformedEvent:
        raise
    except Exception as error:  # noqa: BLE001 - the SDK raises many kinds
        raise MalformedEvent(f"not a CloudEvent: {error}") from error
    if not TYPE_PATTERN.match(event.type):
        raise MalformedEvent(f"unknown event type {event.type!r}")
    return event
