"""Delivering notifications beyond the inbox (C1): channel adapters and the sender loop.

A `Channel` sends one message to one address; e-mail over SMTP is the one
built. The `DeliveryWorker` picks due deliveries, groups a person's digest
into one message, sends it, and records every attempt (sent, or failed with
the reason); a failure is retried with backoff until MAX_EMAIL_ATTEMPTS.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from sqlalchemy import select

from services.common.clock import as_utc, utc_now
from services.common.database import Database
from services.common.settings import Settings
from services.notify import rules, store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    address: str
    recipient_name: str
    subject: str
    text: str
    html: str


class DeliveryFailed(Exception):
    """The channel could not deliver; the message says why."""


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> None:
        """Deliver or raise DeliveryFailed."""


class EmailChannel:
    """E-mail over SMTP (smtplib): a plain-text part and an HTML alternative."""

    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.sender = settings.smtp_sender
        self.username = settings.smtp_username
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.starttls = settings.smtp_starttls
        self.timeout = settings.smtp_timeout_seconds

    def build(self, outgoing: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = outgoing.address
        message["Subject"] = outgoing.subject
        message["Message-ID"] = make_msgid(domain="ezh.local")
        message.set_content(outgoing.text)
        message.add_alternative(outgoing.html, subtype="html")
        return message

    def send(self, outgoing: Outgoing) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls()
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(self.build(outgoing))
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error


class DeliveryWorker:
    """Sends due deliveries through their channel, one message per person and channel."""

    def __init__(self, database: Database, channels: dict[str, Channel], web_url: str,
                 clock: Callable[[], dt.datetime] = utc_now, interval: float = 1.0) -> None:
        self.database = database
        self.channels = channels
        self.web_url = web_url
        self.clock = clock
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.send_due()
            except Exception:  # noqa: BLE001 - logged; the loop goes on
                log.exception("notify: delivery round failed")
            stop.wait(self.interval)

    def send_due(self, limit: int = 200) -> int:
        """One round: every due pending delivery, grouped by person and channel. Returns messages sent."""
        now = self.clock()
        table = store.delivery
        with self.database.session() as session:
            rows = session.execute(
                select(table, store.notification.c.title, store.notification.c.body, store.notification.c.link)
                .join(store.notification, store.notification.c.id == table.c.notification_id)
                .where(table.c.status == "pending", table.c.due_time <= now)
                .order_by(table.c.due_time).limit(limit)
            ).all()
        groups: dict[tuple[str, str, str], list] = defaultdict(list)
        for row in rows:
            groups[(row.recipient_id, row.channel, row.address)].append(row)
        sent = 0
        for (_, channel_name, address), items in groups.items():
            channel = self.channels.get(channel_name)
            if channel is None:
                continue
            texts = [rules.Text(item.title, item.body, item.link) for item in items]
            subject, plain, body_html = rules.c1_email_parts(items[0].recipient_name, texts, self.web_url)
            batch = str(uuid.uuid4())
            try:
                channel.send(Outgoing(address, items[0].recipient_name, subject, plain, body_html))
            except DeliveryFailed as error:
                self._record(items, batch, "failed", str(error))
            else:
                self._record(items, batch, "sent", "")
                sent += 1
        return sent

    def _record(self, items: list, batch: str, outcome: str, reason: str) -> None:
        now = self.clock()
        table = store.delivery
        with self.database.transaction() as session:
            for item in items:
                attempts = item.attempts + 1
                session.execute(store.delivery_attempt.insert().values(
                    delivery_id=item.id, attempt_time=now, outcome=outcome, reason=reason[:2000], batch=batch,
                ))
                if outcome == "sent":
                    values = dict(status="sent", attempts=attempts, sent_time=now, last_error=None)
                elif attempts >= rules.MAX_EMAIL_ATTEMPTS:
                    values = dict(status="failed", attempts=attempts, last_error=reason[:2000])
                else:
                    values = dict(attempts=attempts, last_error=reason[:2000],
                                  due_time=max(as_utc(item.due_time), now) + rules.c1_retry_delay(attempts))
                session.execute(table.update().where(table.c.id == item.id, table.c.status == "pending")
                                .values(**values))
        if outcome == "failed":
            log.warning("notify: e-mail to %s failed (%d item(s)): %s", items[0].recipient_id, len(items), reason)


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The channels this process can use: e-mail only when an SMTP host is set."""
    return {"email": EmailChannel(settings)} if settings.smtp_host else {}
