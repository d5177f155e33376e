"""Webhook endpoints: what a creator registers, changes, pauses, tests and deletes.

The signing secret is made here, sealed at rest (:mod:`huntaze_service.sealing`) and shown once, in
the answer to the creation or a rotation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from huntaze_service import ApiError
from huntaze_service.sealing import SealedBox

from . import signing
from .deliveries import fan_out_test
from .domain import WEBHOOK_EVENTS, Endpoint
from .ports import Uow
from .url_guard import Refused, parse_endpoint


@dataclass(frozen=True)
class UrlPolicy:
    allow_http: bool
    private_targets: tuple[str, ...]
    max_endpoints: int

    def check(self, url: str) -> str:
        try:
            return parse_endpoint(url, allow_http=self.allow_http, private_targets=self.private_targets).url
        except Refused as exc:
            raise ApiError(422, f"url: {exc}") from None


def check_events(events: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown:
        raise ApiError(422, f"events: unknown {', '.join(unknown)}; choose among {', '.join(WEBHOOK_EVENTS)}")
    return tuple(sorted(set(events)))


async def create(
    uow: Uow,
    box: SealedBox,
    policy: UrlPolicy,
    *,
    creator_id: uuid.UUID,
    user_id: uuid.UUID,
    url: str,
    events: Sequence[str],
    description: str,
) -> tuple[Endpoint, str]:
    """The endpoint and its secret (returned this once)."""
    checked = policy.check(url)
    wanted = check_events(events)
    if len(await uow.repo.endpoints(creator_id)) >= policy.max_endpoints:
        raise ApiError(409, f"this creator account has {policy.max_endpoints} webhook endpoints already")
    secret = signing.new_secret()
    now = uow.now()
    endpoint = Endpoint(
        id=uuid.uuid4(),
        creator_id=creator_id,
        url=checked,
        events=wanted,
        description=description,
        status="active",
        sealed_secret=box.seal(secret.encode()),
        created_by=user_id,
        created_at=now,
        updated_at=now,
    )
    await uow.repo.add_endpoint(endpoint)
    await uow.commit()
    return endpoint, secret


async def get(uow: Uow, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint:
    endpoint = await uow.repo.endpoint(creator_id, endpoint_id)
    if endpoint is None:
        raise ApiError(404, "webhook endpoint not found")
    return endpoint


async def update(
    uow: Uow,
    policy: UrlPolicy,
    creator_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    *,
    url: str | None,
    events: Sequence[str] | None,
    description: str | None,
    enabled: bool | None,
) -> Endpoint:
    endpoint = await get(uow, creator_id, endpoint_id)
    changed = replace(endpoint, updated_at=uow.now())
    if url is not None:
        changed = replace(changed, url=policy.check(url))
    if events is not None:
        changed = replace(changed, events=check_events(events))
    if description is not None:
        changed = replace(changed, description=description)
    if enabled is True and endpoint.status == "disabled":
        # switched back on: a fresh day before it can be disabled again; missed events stay in the
        # log as failed and are re-delivered by hand
        changed = replace(changed, status="active", disabled_reason=None, failing_since=None)
    elif enabled is False and endpoint.status == "active":
        changed = replace(changed, status="disabled", disabled_reason="disabled by a user")
    await uow.repo.save_endpoint(changed)
    await uow.commit()
    return changed


async def rotate_secret(uow: Uow, box: SealedBox, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> str:
    endpoint = await get(uow, creator_id, endpoint_id)
    secret = signing.new_secret()
    await uow.repo.save_endpoint(replace(endpoint, sealed_secret=box.seal(secret.encode()), updated_at=uow.now()))
    await uow.commit()
    return secret


async def delete(uow: Uow, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    await get(uow, creator_id, endpoint_id)
    await uow.repo.delete_endpoint(endpoint_id)
    await uow.commit()


async def send_test(uow: Uow, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> uuid.UUID:
    """A ``webhook.test`` delivery, through the same path as every other one (log, retries)."""
    endpoint = await get(uow, creator_id, endpoint_id)
    delivery = await fan_out_test(uow, endpoint)
    await uow.commit()
    return delivery.id
