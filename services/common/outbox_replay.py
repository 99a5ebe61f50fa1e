"""`python -m services.common.outbox_replay <source> --to <consumer>`.

The outbox keeps every event a service has published, so it is also the
service's event log.  This command sends a source service's events again,
in their original order, to one consuming service's queue only (through the
retry exchange, keyed by the queue's name), limited to the event types that
consumer subscribes to.  Consumers are idempotent, so events they have
already applied change nothing; after a read model is reset (its processed
events forgotten) they apply again and rebuild it.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from kombu import Producer
from sqlalchemy import select

from services.common import bus
from services.common.consumer import ATTEMPTS_HEADER
from services.common.database import Database
from services.common.events import CONTENT_TYPE
from services.common.settings import SERVICES, Settings, get_settings


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` is zero or more words."""

    def match(pattern_words: list[str], key_words: list[str]) -> bool:
        if not pattern_words:
            return not key_words
        head, rest = pattern_words[0], pattern_words[1:]
        if head == "#":
            return any(match(rest, key_words[index:]) for index in range(len(key_words) + 1))
        if not key_words:
            return False
        return (head == "*" or head == key_words[0]) and match(rest, key_words[1:])

    return match(pattern.split("."), routing_key.split("."))


def replay_outbox(settings: Settings, source: str, consumer: str) -> int:
    """Publish the source's outbox events that the consumer subscribes to; returns how many."""
    outbox = importlib.import_module(f"services.{source}.store").outbox
    patterns = bus.SUBSCRIPTIONS[consumer]
    topology = bus.topology_from(settings)
    database = Database(settings.database_url(source))
    sent = 0
    try:
        with database.session() as session, bus.connect(settings) as connection:
            channel = connection.default_channel
            topology.declare(channel)
            producer = Producer(channel)
            rows = session.execute(
                select(outbox.c.event_id, outbox.c.routing_key, outbox.c.payload).order_by(outbox.c.seq)
            )
            for row in rows:
                if not any(topic_matches(pattern, row.routing_key) for pattern in patterns):
                    continue
                producer.publish(
                    row.payload.encode(),
                    exchange=topology.retry_exchange,
                    routing_key=topology.queue_name(consumer),
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=row.event_id,
                    headers={ATTEMPTS_HEADER: 0},
                )
                sent += 1
    finally:
        database.dispose()
    return sent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.outbox_replay")
    parser.add_argument("source", choices=SERVICES)
    parser.add_argument("--to", dest="consumer", required=True, choices=sorted(bus.SUBSCRIPTIONS))
    args = parser.parse_args(argv)
    sent = replay_outbox(get_settings(), args.source, args.consumer)
    print(f"{args.source} → {args.consumer}: {sent} event(s) sent again")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
