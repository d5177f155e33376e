"""The media vault's read model every service that checks media ids keeps (huntaze_service.vault_media):
the rule (another creator's → unknown_media, this creator's deleted → media_deleted, never seen →
accepted), the fold of media.uploaded / media.updated (highest revision wins in any order and any
number of deliveries, the first owner keeps the id) through the two consumers ``subscribe`` registers,
and the check raising the service's own error type."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from typing import Any

import pytest

from huntaze_service import Subscriptions
from huntaze_service.vault_media import (
    MediaRefused,
    VaultMedium,
    check,
    medium_of,
    merged,
    refusal,
    subscribe,
    supersedes,
)
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker
from huntaze_testkit.vault_media import FakeVaultMedia, media_updated, media_uploaded

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()


def key(owner: uuid.UUID, media_id: uuid.UUID) -> str:
    return f"creators/{owner}/uploads/{media_id}"


def filed(media_id: uuid.UUID, owner: uuid.UUID, revision: int, deleted: bool) -> VaultMedium:
    """What the read model holds of a medium whose upload was seen (the testkit's: a 1234-byte JPEG)."""
    return VaultMedium(media_id, owner, revision, deleted, key(owner, media_id), "image/jpeg", 1234)


def worker() -> FakeWorker[FakeVaultMedia]:
    subs = Subscriptions()
    subscribe(subs)
    return FakeWorker(FakeVaultMedia(), producer="marketing", subscriptions=subs)


def medium(owner: uuid.UUID = CREATOR, revision: int = 0, *, deleted: bool = False) -> VaultMedium:
    return VaultMedium(uuid.uuid4(), owner, revision, deleted)


def known(*media: VaultMedium) -> dict[uuid.UUID, VaultMedium]:
    return {m.media_id: m for m in media}


# the rule ------------------------------------------------------------------------------------------


def test_another_creators_medium_is_unknown_media_and_the_answer_tells_nothing_of_them() -> None:
    theirs, their_gone = medium(OTHER), medium(OTHER, 3, deleted=True)
    vault = known(theirs, their_gone)
    for media_id in (theirs.media_id, their_gone.media_id):  # their deletion does not show either
        refused = refusal(vault, CREATOR, [media_id])
        assert refused is not None and refused.code == "unknown_media"
        assert refused.message == f"no media with id {media_id} in this creator's vault"
        assert str(OTHER) not in refused.message and "deleted" not in refused.message


def test_this_creators_deleted_medium_is_media_deleted_and_another_creators_is_answered_first() -> None:
    mine, gone, theirs = medium(), medium(revision=2, deleted=True), medium(OTHER)
    vault = known(mine, gone, theirs)
    deleted = refusal(vault, CREATOR, [mine.media_id, gone.media_id])
    assert deleted is not None and (deleted.code, deleted.message) == (
        "media_deleted",
        f"media {gone.media_id} was deleted from the vault",
    )
    first = refusal(vault, CREATOR, [gone.media_id, theirs.media_id])
    assert first is not None and first.code == "unknown_media" and str(theirs.media_id) in first.message


def test_own_media_and_ids_never_announced_are_accepted() -> None:
    mine, theirs = medium(revision=4), medium(OTHER)
    vault = known(mine, theirs)
    assert refusal(vault, CREATOR, [mine.media_id, uuid.uuid4()]) is None
    assert refusal(vault, CREATOR, []) is None
    assert refusal(vault, OTHER, [theirs.media_id]) is None  # the owner uses their own


class CountingVault(FakeVaultMedia):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        self.reads += 1
        return await super().vault_media(media_ids)


class ServiceRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def test_check_raises_media_refused_or_the_services_own_error_and_reads_nothing_for_no_media() -> None:
    repo = CountingVault()
    theirs, gone = medium(OTHER), medium(revision=1, deleted=True)
    repo.vault.update(known(theirs, gone))
    uow: FakeUnitOfWork[Any] = FakeUnitOfWork(repo, producer="inbox")

    await check(uow, CREATOR, [])
    assert repo.reads == 0
    await check(uow, CREATOR, [uuid.uuid4()])

    with pytest.raises(MediaRefused) as default:
        await check(uow, CREATOR, [theirs.media_id])
    assert default.value.code == "unknown_media" and str(theirs.media_id) in str(default.value)

    with pytest.raises(ServiceRefused) as own:
        await check(uow, CREATOR, iter([gone.media_id]), ServiceRefused)  # any iterable, read once
    assert own.value.code == "media_deleted"
    assert repo.reads == 3


# the fold ------------------------------------------------------------------------------------------


def test_an_upload_is_revision_0_of_the_envelopes_creator_and_an_update_its_own() -> None:
    media_id = uuid.uuid4()
    assert medium_of(media_uploaded(media_id, CREATOR)) == filed(media_id, CREATOR, 0, False)
    assert medium_of(media_updated(media_id, OTHER, 5, deleted=True)) == VaultMedium(media_id, OTHER, 5, True)


def test_a_medium_supersedes_a_lower_revision_of_the_same_owner_only() -> None:
    stored = medium(revision=2)
    assert supersedes(stored, None)
    assert supersedes(stored._replace(revision=3, deleted=True), stored)
    assert not supersedes(stored._replace(revision=2, deleted=True), stored)  # the same revision again
    assert not supersedes(stored._replace(revision=1), stored)
    assert not supersedes(stored._replace(creator_id=OTHER, revision=9), stored)  # first owner keeps it


def test_the_files_fields_are_filled_by_the_first_event_that_has_them_and_kept_whatever_comes_next() -> None:
    media_id = uuid.uuid4()
    upload, file = medium_of(media_uploaded(media_id, CREATOR)), filed(media_id, CREATOR, 0, False)
    later = VaultMedium(media_id, CREATOR, 3, True)  # media.updated carries no file
    assert merged(upload, None) == file
    assert merged(later, file) == filed(media_id, CREATOR, 3, True), "a newer revision keeps the file"
    assert merged(upload, later) == filed(media_id, CREATOR, 3, True), "an upload after its update fills the file"
    assert merged(upload, filed(media_id, CREATOR, 3, True)) is None, "nothing new: nothing written"
    assert merged(later._replace(revision=2), later) is None
    assert merged(upload._replace(creator_id=OTHER), later) is None, "the first owner keeps the id"
    assert not VaultMedium(media_id, CREATOR, 0, False).has_file and file.has_file


async def test_the_two_consumers_keep_the_highest_revision_and_the_first_owner_in_every_order() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    events = [
        media_uploaded(a, CREATOR),
        media_updated(a, CREATOR, 2, deleted=True),
        media_updated(a, CREATOR, 1),
        media_uploaded(b, CREATOR),
        media_updated(b, CREATOR, 4),
    ]
    for order in itertools.permutations(events):
        w = worker()
        for event in (*order, *order):  # one at a time, and each twice
            await w.deliver(event)
        assert w.repo.vault == {a: filed(a, CREATOR, 2, True), b: filed(b, CREATOR, 4, False)}
    assert {s.name for s in w.subscriptions} == {"vault_media_uploaded", "vault_media_updated"}


async def test_an_event_naming_anothers_id_changes_nothing_and_an_update_before_its_upload_counts() -> None:
    w = worker()
    c, d = uuid.uuid4(), uuid.uuid4()
    await w.deliver(media_uploaded(c, OTHER))
    await w.deliver(media_uploaded(c, CREATOR), media_updated(c, CREATOR, 9, deleted=True))
    await w.deliver(media_updated(d, CREATOR, 3, deleted=True))  # a bundle, or its upload still in flight
    await w.deliver(media_uploaded(d, CREATOR))
    assert w.repo.vault == {c: filed(c, OTHER, 0, False), d: filed(d, CREATOR, 3, True)}
    assert refusal(w.repo.vault, CREATOR, [c]) == ("unknown_media", f"no media with id {c} in this creator's vault")
