"""The vault's list with the usage history: `sold` keeps what sold (an unlock not refunded) or what
never did; `fan_id` flags each item `sent` or `bought` for that fan, and an unknown fan is 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from content import vault_handlers as h
from content.usage_ports import OfferFact, OfferTransaction
from content.vault import Media, MediaQuery, VaultError
from huntaze_testkit.fakes import FakeUnitOfWork

from .fake_usage import FakeUsageRepository
from .fake_vault import FakeVaultRepository

CREATOR, FAN, OTHER_FAN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


class FakeVaultWithUsage(FakeVaultRepository, FakeUsageRepository):
    def __init__(self) -> None:
        FakeVaultRepository.__init__(self)
        FakeUsageRepository.__init__(self)


def offer(media: uuid.UUID, fan: uuid.UUID) -> OfferFact:
    return OfferFact(uuid.uuid4(), CREATOR, fan, 1500, "USD", None, None, None, T0, (media,))


def sale(o: OfferFact, kind: str = "message", gross: int = 1500) -> OfferTransaction:
    return OfferTransaction(uuid.uuid4(), CREATOR, o.offer_id, o.fan_id, kind, gross, gross * 8 // 10, "USD", T0)


@pytest.fixture
async def repo() -> FakeVaultWithUsage:
    repo = FakeVaultWithUsage()
    for n, title in enumerate(("bought", "sent", "refunded", "unused")):
        media = Media(uuid.UUID(int=n + 1), CREATOR, "photo", title, T0.replace(minute=n), T0, sha256=f"{n:064x}")
        await repo.add_media(media)
    bought, sent, refunded = (
        offer(uuid.UUID(int=1), FAN),
        offer(uuid.UUID(int=2), FAN),
        offer(uuid.UUID(int=3), OTHER_FAN),
    )
    await repo.add_offers([bought, sent, refunded])
    await repo.add_offer_transactions([sale(bought), sale(refunded), sale(refunded, "refund", -1500)])
    await repo.add_fans([(CREATOR, FAN), (CREATOR, OTHER_FAN)])
    return repo


async def titles(repo: FakeVaultWithUsage, **query: object) -> tuple[list[str], dict[uuid.UUID, str] | None]:
    uow = FakeUnitOfWork(repo, producer="content")
    page, _, flags = await h.list_media(uow, CREATOR, MediaQuery(limit=10, **query))  # type: ignore[arg-type]
    return [m.title for m in page], flags


async def test_sold_keeps_what_sold_and_not_what_was_refunded(repo: FakeVaultWithUsage) -> None:
    assert (await titles(repo, sold=True))[0] == ["bought"]
    assert (await titles(repo, sold=False))[0] == ["unused", "refunded", "sent"]


async def test_fan_flags_each_item_sent_or_bought(repo: FakeVaultWithUsage) -> None:
    names, flags = await titles(repo, fan_id=FAN)
    assert names == ["unused", "refunded", "sent", "bought"]
    assert flags == {uuid.UUID(int=1): "bought", uuid.UUID(int=2): "sent"}
    _, others = await titles(repo, fan_id=OTHER_FAN)
    assert others == {uuid.UUID(int=3): "bought"}  # the usage part's rule: a refund does not unbuy it


async def test_an_unknown_fan_is_not_found(repo: FakeVaultWithUsage) -> None:
    with pytest.raises(VaultError) as caught:
        await titles(repo, fan_id=uuid.uuid4())
    assert (caught.value.status, caught.value.code) == (404, "fan_not_found")
