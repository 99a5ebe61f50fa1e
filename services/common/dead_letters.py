"""`python -m services.common.dead_letters <service> [list|replay]`.

A message lands in `ezh.<service>.dead` after failing `EZH_CONSUMER_MAX_ATTEMPTS`
times (or when it is not a CloudEvent).  Once the cause is fixed, `replay`
sends each one back to the service's queue with its attempt count reset;
the consumer is idempotent, so replaying an event already handled is harmless.
"""
from __future__ import annotations

import argparse
import json
import sys

from kombu import Producer, Queue

from services.common import bus
from services.common.consumer import ATTEMPTS_HEADER, ERROR_HEADER
from services.common.settings import Settings, get_settings


def _dead_queue(settings: Settings, service: str, channel):
    topology = bus.topology_from(settings)
    topology.declare(channel)
    return topology, Queue(topology.dead_queue_name(service))(channel)


def list_dead(settings: Settings, service: str) -> list[dict]:
    """What is in the dead-letter queue (messages stay there)."""
    seen = []
    with bus.connect(settings) as connection:
        _topology, queue = _dead_queue(settings, service, connection.default_channel)
        messages = []
        while (message := queue.get(no_ack=False)) is not None:
            messages.append(message)
            headers = message.headers or {}
            seen.append(
                {
                    "message_id": message.properties.get("message_id"),
                    "attempts": headers.get(ATTEMPTS_HEADER),
                    "error": headers.get(ERROR_HEADER),
                }
            )
        for message in messages:
            message.requeue()
    return seen


def replay(settings: Settings, service: str) -> int:
    """Move every dead message back to the service's queue; returns how many."""
    moved = 0
    with bus.connect(settings) as connection:
        channel = connection.default_channel
        topology, queue = _dead_queue(settings, service, channel)
        producer = Producer(channel)
        while (message := queue.get(no_ack=False)) is not None:
            headers = dict(message.headers or {})
            headers[ATTEMPTS_HEADER] = 0
            headers.pop(ERROR_HEADER, None)
            producer.publish(
                message.body,
                exchange=topology.retry_exchange,
                routing_key=topology.queue_name(service),
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=2,
                headers=headers,
                message_id=message.properties.get("message_id"),
            )
            message.ack()
            moved += 1
    return moved


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.dead_letters")
    parser.add_argument("service", choices=sorted(bus.SUBSCRIPTIONS))
    parser.add_argument("action", choices=("list", "replay"), nargs="?", default="list")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.action == "list":
        print(json.dumps(list_dead(settings, args.service), ensure_ascii=False, indent=2))
    else:
        print(f"{args.service}: {replay(settings, args.service)} message(s) sent back to the queue")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
