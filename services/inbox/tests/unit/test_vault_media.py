"""Where the inbox checks the media an offer or a mass message names against its read model of the
vault (:mod:`huntaze_service.vault_media`, whose rule and fold are tested with the chassis), on a fake
worker: another creator's media → MediaRefused unknown_media (like an id that is nobody's), this
creator's deleted media → media_deleted, ids never announced accepted; a refusal stores and sends
nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from huntaze_service.vault_media import MediaRefused
from huntaze_testkit.fakes import FakeWorker
from huntaze_testkit.vault_media import media_updated as updated
from huntaze_testkit.vault_media import media_uploaded as uploaded
from inbox import handlers
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.handlers import offers

from .fakes import FakeInboxRepository
from .test_automations import worker
from .test_calendar import create, with_fans
from .test_use_cases import CREATOR, USER, receive

OTHER = uuid.uuid4()


async def refused(code: str, call: Any) -> None:
    with pytest.raises(MediaRefused) as exc:
        await call
    assert exc.value.code == code


async def vault(w: FakeWorker[FakeInboxRepository]) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """(mine, theirs, my deleted one, their deleted one), announced out of order and twice."""
    mine, theirs, gone, their_gone = (uuid.uuid4() for _ in range(4))
    await w.deliver(updated(gone, CREATOR, 3, deleted=True), updated(their_gone, OTHER, 2, deleted=True))
    await w.deliver(uploaded(mine, CREATOR), uploaded(theirs, OTHER), uploaded(gone, CREATOR))
    await w.deliver(updated(gone, CREATOR, 2), uploaded(mine, CREATOR), uploaded(theirs, CREATOR))
    return mine, theirs, gone, their_gone


async def test_an_offer_naming_another_creators_or_a_deleted_medium_is_refused_and_nothing_is_stored() -> None:
    w = worker()
    mine, theirs, gone, their_gone = await vault(w)
    received = await handlers.receive_message(w.uow(), receive())

    def offer(*media: uuid.UUID) -> Any:
        cmd = offers.MakeOffer(CREATOR, USER, received.conversation_id, "the set", 1500, list(media))
        return offers.make_offer(w.uow(), cmd, DEFAULT_OFFER_TERMS)

    await refused("unknown_media", offer(mine, theirs))
    await refused("unknown_media", offer(their_gone))  # another's deletion does not show
    await refused("media_deleted", offer(gone))
    assert w.repo.offers_by_id == {} and await w.run_calls() == []

    made = await offer(mine, uuid.uuid4())  # own media, and an id the vault never announced
    assert made.media_ids[0] == mine and list(w.repo.offers_by_id) == [made.id]


async def test_a_mass_message_naming_another_creators_or_a_deleted_medium_is_refused_and_nothing_is_stored() -> None:
    w = worker()
    mine, theirs, gone, _ = await vault(w)
    with_fans(w)
    await refused("unknown_media", create(w, media_ids=[theirs]))
    await refused("media_deleted", create(w, media_ids=[mine, gone]))
    await refused("unknown_media", create(w, price_cents=None, media_ids=[theirs]))  # free, with media
    assert w.repo.mass == {} and w.emitted("massmessage.scheduled") == [] and w.timers == {}
    made = await create(w, media_ids=[mine])
    assert list(w.repo.mass) == [made.id]
