"""A service's own read model of the content service's media vault (``media.uploaded`` and
``media.updated``), and the check a service runs on the media ids a request names (marketing's posts,
the inbox's offers and mass messages): the rule, its fold, its table, its SQL and its two consumers,
in one place. Each service keeps only where it calls :func:`check` and the error a refusal becomes.

The read model keeps, per media id, its owner (the envelope's creator), its revision and whether it
was deleted; and, from ``media.uploaded``, where its file is and what it is (``object_key`` in the
vault's bucket, ``content_type`` read from its bytes, ``size_bytes``: :data:`DDL_V2`), for a service
that publishes the file itself (marketing; the inbox ignores them). It is filled from events only (services never call each other): ``media.uploaded``
counts as revision 0 and ``media.updated`` carries its own (>= 1; a bundle is announced by it alone);
the highest revision wins, so the events may arrive in any order (an update before its upload
included) and any number of times. The first creator an id was announced for keeps it: an event
naming the same id for another creator changes nothing (:func:`supersedes`). The file's fields come
from ``media.uploaded`` only and are kept whatever the order: an upload arriving after a higher
revision still fills them (:func:`merged`).

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

DDL_V2 = (
    "ALTER TABLE vault_media ADD COLUMN IF NOT EXISTS object_key text",
    "ALTER TABLE vault_media ADD COLUMN IF NOT EXISTS content_type text",
    "ALTER TABLE vault_media ADD COLUMN IF NOT EXISTS size_bytes bigint",
)
"""Version 2: the file's key, type and size from ``media.uploaded``
(:func:`huntaze_service.migrations.add_vault_media_file_columns`). Never edit: add a version."""


class VaultMedium(NamedTuple):
    media_id: uuid.UUID
    creator_id: uuid.UUID
    revision: int
    deleted: bool
    object_key: str | None = None
    """The file's key in the vault's bucket; None until ``media.uploaded`` (or from older events)."""
    content_type: str | None = None
    size_bytes: int | None = None

    @property
    def has_file(self) -> bool:
        return self.object_key is not None and self.content_type is not None and self.size_bytes is not None


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
        """Stores what :func:`merged` says."""
        ...

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        """What the read model knows of these ids, whoever owns them (the check decides what to say)."""
        ...


# the fold ------------------------------------------------------------------------------------------


def medium_of(event: Envelope[MediaUploaded] | Envelope[MediaUpdated]) -> VaultMedium:
    """What an event says of its medium: its owner is the envelope's creator."""
    p = event.payload
    if isinstance(p, MediaUpdated):
        return VaultMedium(p.media_id, event.creator_id, p.revision, p.deleted)
    return VaultMedium(
        p.media_id, event.creator_id, UPLOADED_REVISION, False, p.object_key, p.content_type, p.size_bytes
    )


def supersedes(medium: VaultMedium, known: VaultMedium | None) -> bool:
    """Whether ``medium`` replaces what the read model holds for its id: a first sighting, or a higher
    revision for the same owner (the SQL adapter says the same in its ``ON CONFLICT … WHERE``)."""
    return known is None or (known.creator_id == medium.creator_id and known.revision < medium.revision)


def merged(medium: VaultMedium, known: VaultMedium | None) -> VaultMedium | None:
    """What the read model holds for the id once ``medium`` is recorded, or None when nothing changes:
    the revision and deletion as :func:`supersedes` says, the file's fields kept once known and filled
    by the first event that has them (the SQL adapter's ``ON CONFLICT`` says the same)."""
    if known is None:
        return medium
    if known.creator_id != medium.creator_id:
        return None
    newer = known.revision < medium.revision
    fills = not known.has_file and medium.has_file
    if not newer and not fills:
        return None
    base = medium if newer else known
    source = known if known.has_file else medium
    return base._replace(object_key=source.object_key, content_type=source.content_type, size_bytes=source.size_bytes)


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
    """The repository mixin on ``vault_media`` (:data:`DDL` and :data:`DDL_V2`): one row per media id;
    an event changes it only for the same owner: its revision and deletion with a higher revision, its
    file's fields when they are still unknown (:func:`merged`)."""

    async def record_vault_medium(self, medium: VaultMedium) -> None:
        m = medium
        await self._rows(
            "INSERT INTO vault_media (media_id, creator_id, revision, deleted, object_key, content_type, size_bytes) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (media_id) DO UPDATE SET "
            "revision = GREATEST(vault_media.revision, EXCLUDED.revision), "
            "deleted = CASE WHEN vault_media.revision < EXCLUDED.revision THEN EXCLUDED.deleted "
            "ELSE vault_media.deleted END, "
            "object_key = COALESCE(vault_media.object_key, EXCLUDED.object_key), "
            "content_type = COALESCE(vault_media.content_type, EXCLUDED.content_type), "
            "size_bytes = COALESCE(vault_media.size_bytes, EXCLUDED.size_bytes) "
            "WHERE vault_media.creator_id = EXCLUDED.creator_id AND (vault_media.revision < EXCLUDED.revision "
            "OR (vault_media.object_key IS NULL AND EXCLUDED.object_key IS NOT NULL))",
            (m.media_id, m.creator_id, m.revision, m.deleted, m.object_key, m.content_type, m.size_bytes),
        )

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        rows = await self._rows(
            "SELECT media_id, creator_id, revision, deleted, object_key, content_type, size_bytes "
            "FROM vault_media WHERE media_id = ANY(%s)",
            (list(media_ids),),
        )
        return {r[0]: VaultMedium(*r) for r in rows}
