"""A service's own read model of the content service's media vault (``media.uploaded`` and
``media.updated``), and the check a service runs on the media ids a request names (marketing's posts,
the inbox's offers and mass messages): the rule, its fold, its table, its SQL and its two consumers,
in one place. Each service keeps only where it calls :func:`check` and the error a refusal becomes.

The read model keeps, per media id, its owner (the envelope's creator), its revision and whether it
was deleted. It is filled from events only (services never call each other): ``media.uploaded``
counts as revision 0 and ``media.updated`` carries its own (>= 1; a bundle is announced by it alone);
the highest revision wins, so the events may arrive in any order (an update before its upload
included) and any number of times. The first creator an id was announced for keeps it: an event
naming the same id for another creator changes nothing (:func:`supersedes`).

The rule, for the ``media_ids`` of a request (:func:`refusal`):

- an id the read model knows to belong to **another creator** → refused ``unknown_media`` (422): the
  answer says only "not in this creator's vault", never that the id is someone else's nor whether
  they deleted it, so nothing about another tenant leaks;
- an id of **this creator** that was **deleted** from the vault → refused ``media_deleted`` (422);
- an id the read model has **never seen** is accepted: the upload's event may still be in flight,
  and clients send ids the vault has not announced. This is a deliberate, honest limit: the check
  stops another creator's *known* media and this creator's deleted media, not every unknown id (a
  caller can tell "announced for someone" from "never announced" only for an unguessable uuid4 it
  already holds, and never whose it is).

A service checks before it writes anything, so a refusal refuses the whole request: nothing is
created, changed, stored or sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Protocol

from huntaze_events import Envelope, MediaUpdated, MediaUploaded

from .db import PlainSql
from .subscriptions import Subscriptions
from .uow import UnitOfWork

UPLOADED_REVISION = 0
"""``media.uploaded``'s place in the order of revisions: before every ``media.updated``."""

UNKNOWN_MEDIA = "unknown_media"
MEDIA_DELETED = "media_deleted"

DDL = (
    """
    CREATE TABLE vault_media (
        media_id uuid PRIMARY KEY,
        creator_id uuid NOT NULL,
        revision integer NOT NULL CHECK (revision >= 0),
        deleted boolean NOT NULL DEFAULT false
    )
    """,
)
"""The read model's table (:func:`huntaze_service.migrations.create_vault_media_table`). Never edit:
services' migrations have applied it; add a version."""


class VaultMedium(NamedTuple):
    media_id: uuid.UUID
    creator_id: uuid.UUID
    revision: int
    deleted: bool


class Refusal(NamedTuple):
    code: str
    """``unknown_media`` or ``media_deleted``."""
    message: str


class MediaRefused(Exception):
    """Media the rule refuses (a service answers it 422 with ``code``), unless the service raises its
    own error type instead (:func:`check`'s ``refuse``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class VaultMediaRepository(Protocol):
    async def record_vault_medium(self, medium: VaultMedium) -> None:
        """Stores it when it :func:`supersedes` what is stored."""
        ...

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        """What the read model knows of these ids, whoever owns them (the check decides what to say)."""
        ...


# the fold ------------------------------------------------------------------------------------------


def medium_of(event: Envelope[MediaUploaded] | Envelope[MediaUpdated]) -> VaultMedium:
    """What an event says of its medium: its owner is the envelope's creator."""
    p = event.payload
    revision, deleted = (p.revision, p.deleted) if isinstance(p, MediaUpdated) else (UPLOADED_REVISION, False)
    return VaultMedium(p.media_id, event.creator_id, revision, deleted)


def supersedes(medium: VaultMedium, known: VaultMedium | None) -> bool:
    """Whether ``medium`` replaces what the read model holds for its id: a first sighting, or a higher
    revision for the same owner (the SQL adapter says the same in its ``ON CONFLICT … WHERE``)."""
    return known is None or (known.creator_id == medium.creator_id and known.revision < medium.revision)


async def record(
    uow: UnitOfWork[VaultMediaRepository], event: Envelope[MediaUploaded] | Envelope[MediaUpdated]
) -> None:
    await uow.repo.record_vault_medium(medium_of(event))


def subscribe(subs: Subscriptions) -> None:
    """Registers the read model's two consumers (``vault_media_uploaded``, ``vault_media_updated``) on
    a service's subscriptions; its repository must be a :class:`VaultMediaRepository`."""

    @subs.on(MediaUploaded, name="vault_media_uploaded")
    async def vault_media_uploaded(uow: UnitOfWork[VaultMediaRepository], event: Envelope[MediaUploaded]) -> None:
        """A vault item and its owner, into this service's read model of the vault (requests naming
        another creator's media are refused)."""
        await record(uow, event)

    @subs.on(MediaUpdated, name="vault_media_updated")
    async def vault_media_updated(uow: UnitOfWork[VaultMediaRepository], event: Envelope[MediaUpdated]) -> None:
        """A vault item's latest revision (highest wins, whatever the order), deleted or not."""
        await record(uow, event)


# the rule ------------------------------------------------------------------------------------------


def refusal(
    known: Mapping[uuid.UUID, VaultMedium], creator_id: uuid.UUID, media_ids: Iterable[uuid.UUID]
) -> Refusal | None:
    """The rule above, on what the read model knows; None: accepted. Another creator's media are
    answered before this creator's deleted ones."""
    ids = list(media_ids)
    foreign = [i for i in ids if i in known and known[i].creator_id != creator_id]
    if foreign:
        return Refusal(UNKNOWN_MEDIA, f"no media with id {foreign[0]} in this creator's vault")
    deleted = [i for i in ids if i in known and known[i].deleted]
    if deleted:
        return Refusal(MEDIA_DELETED, f"media {deleted[0]} was deleted from the vault")
    return None


async def check(
    uow: UnitOfWork[VaultMediaRepository],
    creator_id: uuid.UUID,
    media_ids: Iterable[uuid.UUID],
    refuse: Callable[[str, str], Exception] = MediaRefused,
) -> None:
    """Raises ``refuse(code, message)`` (``unknown_media`` or ``media_deleted``) when the rule refuses
    these ids: :class:`MediaRefused` unless the service maps a refusal to its own error type."""
    ids = list(media_ids)
    if not ids:
        return
    refused = refusal(await uow.repo.vault_media(ids), creator_id, ids)
    if refused is not None:
        raise refuse(refused.code, refused.message)


# the SQL -------------------------------------------------------------------------------------------


class SqlVaultMedia(PlainSql):
    """The repository mixin on ``vault_media``: one row per media id; an event replaces it only with a
    higher revision and for the same owner (:func:`supersedes`)."""

    async def record_vault_medium(self, medium: VaultMedium) -> None:
        await self._rows(
            "INSERT INTO vault_media (media_id, creator_id, revision, deleted) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (media_id) DO UPDATE SET revision = EXCLUDED.revision, deleted = EXCLUDED.deleted "
            "WHERE vault_media.creator_id = EXCLUDED.creator_id AND vault_media.revision < EXCLUDED.revision",
            (medium.media_id, medium.creator_id, medium.revision, medium.deleted),
        )

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        rows = await self._rows(
            "SELECT media_id, creator_id, revision, deleted FROM vault_media WHERE media_id = ANY(%s)",
            (list(media_ids),),
        )
        return {r[0]: VaultMedium(r[0], r[1], r[2], r[3]) for r in rows}
