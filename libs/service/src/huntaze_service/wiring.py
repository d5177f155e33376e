"""A service's subscriptions as FastStream typed subscribers, through FastStream's public API.

The same broker serves two purposes: FastStream generates the service's AsyncAPI document from it
(:mod:`.asyncapi`), and unit tests drive it with ``faststream.kafka.TestKafkaBroker`` to prove the
wiring — each subscribed topic reaches the right handler, the producer's JSON validates against the
envelope model the subscriber declares — with a fake unit of work and no broker:

    broker = wired_broker("inbox", subscriptions, uow_factory=lambda: FakeUnitOfWork(repo, producer="inbox"))
    async with TestKafkaBroker(broker) as test:
        await test.publish(envelope.to_json(), topic)

In production the records are consumed by :class:`~huntaze_service.consuming.loop.ConsumerLoop`,
which applies the very same ``Subscription.handler`` after the idempotency claim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faststream.kafka import KafkaBroker

from huntaze_events import REGISTRY

from .subscriptions import Subscription, Subscriptions
from .uow import UnitOfWork

SERVER = "127.0.0.1:9092"


def _typed(model: type, call: Callable[[Any], Any] | None) -> Any:
    """A subscriber function typed with the envelope model; it hands the validated envelope on."""

    async def subscriber(body: Any) -> None:
        if call is not None:
            await call(body)

    subscriber.__annotations__ = {"body": model, "return": None}
    return subscriber


def wired_broker(
    service: str,
    subscriptions: Subscriptions | None,
    *,
    uow_factory: Callable[[], UnitOfWork[Any]] | None = None,
    publishers: bool = False,
) -> KafkaBroker:
    """One typed subscriber per subscription (Kafka group: the service). With a
    ``uow_factory``, each received envelope runs the subscription's handler in a unit of work
    that is committed afterwards; without one, the subscribers only document."""
    broker = KafkaBroker(SERVER, description="local Kafka of `make run`")
    for sub in subscriptions or ():
        call = _runner(sub, uow_factory) if uow_factory is not None else None
        broker.subscriber(
            sub.spec.topic,
            group_id=service,
            title=f"{service}.{sub.name}",
            description=sub.description or sub.spec.summary,
        )(_typed(sub.spec.envelope_model, call))
    if publishers:
        for spec in REGISTRY:
            if spec.producer == service:
                broker.publisher(spec.topic, schema=spec.envelope_model, title=spec.topic, description=spec.summary)
    return broker


def _runner(sub: Subscription, uow_factory: Callable[[], UnitOfWork[Any]]) -> Callable[[Any], Any]:
    async def run(envelope: Any) -> None:
        async with uow_factory() as uow:
            await sub.handler(uow, [envelope])
            await uow.commit()

    return run
