"""The consumer without a bus: messages handed to it as the bus hands them, failures recorded."""
from __future__ import annotations

from services.common import events as envelope
from services.common.consumer import EventConsumer


class FakeMessage:
    """What the consumer uses of a kombu message."""

    def __init__(self, event: envelope.Event) -> None:
        self.body = envelope.to_json(event)
        self.headers: dict = {}
        self.properties = {"message_id": event.id}
        self.acked = False

    def ack(self) -> None:
        self.acked = True


class RecordingConsumer(EventConsumer):
    """Records failed events instead of republishing them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.failed: list[str] = []

    def _retry_or_dead_letter(self, message, error, attempts):
        self.failed.append(envelope.from_json(message.body).id)
        message.ack()
        return "retried"
