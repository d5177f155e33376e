"""A notifications worker on fakes: a creator with webhook endpoints, events in, attempts made."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import notifications.consumers as consumers
from huntaze_events import FanRef, TransactionRecorded
from huntaze_service.sealing import SealedBox, new_key
from huntaze_testkit.fakes import FakeWorker, envelope
from notifications.config import NotificationsSettings
from notifications.domain import Endpoint
from notifications.ports import Sent

from .fakes import FakeNotificationsRepository, RecordingSender


class World:
    def __init__(self, *answers: Sent, **settings: Any) -> None:
        self.repo = FakeNotificationsRepository()
        self.box = SealedBox(new_key())
        self.sender = RecordingSender(list(answers) or [Sent(200, None, 3)])
        self.settings = NotificationsSettings(**settings)
        subs = consumers.subscriptions(self.settings, lambda: self.box, lambda: self.sender)
        self.worker = FakeWorker(self.repo, producer="notifications", subscriptions=subs)
        self.creator = uuid.uuid4()
        self.secret = "whsec_test_secret"

    @property
    def clock(self) -> Any:
        return self.worker.clock

    def endpoint(self, *events: str, creator: uuid.UUID | None = None, status: str = "active") -> Endpoint:
        now = self.clock()
        endpoint = Endpoint(
            id=uuid.uuid4(), creator_id=creator or self.creator, url="https://hooks.example.com/in",
            events=events or ("transaction.recorded",), description="", status=status,  # type: ignore[arg-type]
            sealed_secret=self.box.seal(self.secret.encode()), created_by=uuid.uuid4(), created_at=now, updated_at=now,
        )  # fmt: skip
        self.repo.endpoints_by_id[endpoint.id] = endpoint
        return endpoint

    def sale(self, fan: uuid.UUID | None = None, creator: uuid.UUID | None = None) -> Any:
        fan = fan or uuid.uuid4()
        payload = TransactionRecorded(
            transaction_id=uuid.uuid4(), fan_id=fan, fan=FanRef(fan_id=fan, external_id="of_1", display_name="Theo"),
            type="tip", gross_cents=1000, fee_cents=200, net_cents=800, currency="USD",
            occurred_at=datetime(2026, 11, 2, 8, tzinfo=UTC), source="connector",
        )  # fmt: skip
        return envelope(payload, producer="fans", creator_id=creator or self.creator)

    def calls(self) -> list[Any]:
        return [row.write for row in self.worker.timers.values() if row.write.is_call]
