"""The media catalogue of the vault: an item read (a bundle with its items), the list (with the
usage history's flags), PATCH, delete (refused while in use; its objects removed after the commit,
:mod:`.vault_deletion`) and bundles. Uploads filing new items are in :mod:`.uploads`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from huntaze_events import MediaUpdated

from . import usage_handlers
from .usage import Flag
from .vault import (
    MAX_BUNDLE,
    Media,
    MediaQuery,
    VaultError,
    check_price,
    clean_title,
    described,
    not_found,
)
from .vault_deletion import delete_later


def _updated(m: Media) -> dict[str, Any]:
    """``media.updated``: the item's whole description as it now is."""
    return {
        "media_id": m.id,
        "revision": m.revision,
        "kind": m.kind,
        "title": m.title,
        "tags": list(m.tags),
        "suggested_price_cents": m.suggested_price_cents,
        "currency": m.currency,
        "deleted": m.deleted,
    }


# media ----------------------------------------------------------------------------------------------------


async def get_media(uow: Any, creator_id: uuid.UUID, media_id: uuid.UUID) -> Media:
    media = await uow.repo.media(creator_id, media_id)
    if media is None:
        raise not_found()
    if media.kind == "bundle":
        items = await uow.repo.bundle_items(creator_id, media.id)
        media = replace(media, item_ids=tuple(i.id for i in items))
    return media


async def in_use(uow: Any, media: Media) -> list[tuple[str, uuid.UUID]]:
    """(kind, id) of the scheduled posts and mass messages naming the item, or a bundle holding it."""
    bundles = [] if media.kind == "bundle" else await uow.repo.bundles_of(media.creator_id, media.id)
    return list(await uow.repo.plans_using(media.creator_id, [media.id, *bundles]))


async def list_media(
    uow: Any, creator_id: uuid.UUID, query: MediaQuery
) -> tuple[list[Media], bool, dict[uuid.UUID, Flag] | None]:
    """A page (newest first), whether there is more, and with ``fan_id`` the fan's flag of each item
    on it (``sent``, ``bought``; absent: neither) from the usage history. ``sold`` is filtered in SQL
    on the usage part's ``usage_sold_media`` view, so pages stay whole."""
    if query.fan_id is not None and not await uow.repo.fan_known(creator_id, query.fan_id):
        raise VaultError(404, "fan_not_found", "fan not found")
    rows = await uow.repo.list_media(creator_id, replace(query, limit=query.limit + 1))
    page = rows[: query.limit]
    flags = None
    if query.fan_id is not None:
        flags = await usage_handlers.fan_flags(uow, creator_id, query.fan_id, [m.id for m in page]) if page else {}
    return page, len(rows) > query.limit, flags


async def describe(uow: Any, creator_id: uuid.UUID, media_id: uuid.UUID, changes: dict[str, Any]) -> Media:
    """PATCH: title, tags, suggested price (with its currency); ``media.updated`` when anything changed."""
    media = await uow.repo.media(creator_id, media_id, lock=True)
    if media is None:
        raise not_found()
    if "suggested_price_cents" in changes or "currency" in changes:
        price = changes.get("suggested_price_cents", media.suggested_price_cents)
        currency = changes.get("currency", media.currency)
        check_price(price, currency)
    updated = described(media, uow.now(), **changes)
    if updated is not media:
        await uow.repo.save_media(updated)
        uow.emit(MediaUpdated(**_updated(updated)), creator_id=creator_id)
    await uow.commit()
    return updated


async def delete_media(uow: Any, creator_id: uuid.UUID, media_id: uuid.UUID) -> None:
    """Refused while a scheduled post or mass message names it (or a bundle holding it); otherwise
    marked deleted (``media.updated`` deleted=true) and its objects removed after the commit."""
    media = await uow.repo.media(creator_id, media_id, lock=True)
    if media is None:
        raise not_found()
    plans = await in_use(uow, media)
    if plans:
        what = ", ".join(f"{kind} {plan_id}" for kind, plan_id in plans[:5])
        raise VaultError(409, "media_in_use", f"a scheduled post or mass message uses it ({what}): cancel it first")
    now = uow.now()
    deleted = replace(media, deleted_at=now, revision=media.revision + 1, updated_at=now)
    await uow.repo.save_media(deleted)
    uow.emit(MediaUpdated(**_updated(deleted)), creator_id=creator_id)
    if media.stored_keys():
        delete_later(uow, creator_id, f"media:{media.id}", media.stored_keys())
    await uow.commit()


async def create_bundle(
    uow: Any,
    creator_id: uuid.UUID,
    title: str,
    media_ids: Sequence[uuid.UUID],
    tags: tuple[str, ...],
    price: tuple[int, str] | None,
    bundle_id: uuid.UUID,
) -> tuple[Media, bool]:
    """A bundle of the creator's photos and videos, in the order given; (bundle, created). The same
    ``bundle_id`` (from an Idempotency-Key) answers the bundle already made."""
    existing = await uow.repo.media(creator_id, bundle_id)
    if existing is not None:
        return await get_media(uow, creator_id, bundle_id), False
    ids = list(dict.fromkeys(media_ids))
    if not 2 <= len(ids) <= MAX_BUNDLE:
        raise VaultError(422, "invalid_bundle", f"a bundle holds 2 to {MAX_BUNDLE} different items")
    found = {m.id: m for m in await uow.repo.media_many(creator_id, ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise VaultError(404, "media_not_found", f"media not found: {', '.join(missing[:10])}")
    if any(found[i].kind == "bundle" for i in ids):
        raise VaultError(422, "invalid_bundle", "a bundle holds photos and videos, not other bundles")
    now = uow.now()
    price_cents, currency = price if price else (None, None)
    check_price(price_cents, currency)
    bundle = Media(
        id=bundle_id,
        creator_id=creator_id,
        kind="bundle",
        title=clean_title(title),
        created_at=now,
        updated_at=now,
        tags=tags,
        suggested_price_cents=price_cents,
        currency=currency,
        item_ids=tuple(ids),
    )
    if not await uow.repo.add_media(bundle):  # the same key, concurrently, or for a bundle since deleted
        if await uow.repo.media(creator_id, bundle_id) is None:
            raise VaultError(409, "idempotency_key_reused", "this Idempotency-Key made a bundle since deleted")
        return await get_media(uow, creator_id, bundle_id), False
    await uow.repo.add_bundle_items(bundle.id, ids)
    uow.emit(MediaUpdated(**_updated(bundle)), creator_id=creator_id)
    shown = await get_media(uow, creator_id, bundle_id)  # with its first item's thumbnail
    await uow.commit()
    return shown, True
