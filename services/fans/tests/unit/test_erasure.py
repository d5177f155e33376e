"""Erasing a fan on fakes: the row anonymised in one unit of work with fan.erased, the money kept,
a repeat answering the same, and later events about the fan storing no personal data again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fans.erasure import ERASED_NAME, FanIsErased, erased_handle
from fans.handlers import crm, erasure
from fans.handlers.imports import apply_chunk
from fans.handlers.revenue import Incoming, record_transactions
from fans.imports import ImportRecord, StagedRow
from fans.ledger import NewTransaction, settle_amounts
from fans.profile import FanIdentity
from fans.segments import FanFilter
from huntaze_events import FanRef, MessageReceived, fan_id_for
from huntaze_testkit.fakes import envelope

from .fakes import Fans

CREATOR = uuid.uuid4()
OWNER = uuid.uuid4()
SALE_AT = datetime(2026, 11, 1, 20, 15, tzinfo=UTC)
HANDLE, NAME = "jake_88", "Jake Sparrow"
JAKE = fan_id_for(CREATOR, HANDLE)


def sale(external_id: str, gross: int, at: datetime, *, name: str = NAME) -> Incoming:
    g, f, n = settle_amounts("tip", gross, None, None)
    return Incoming(
        tx=NewTransaction(
            id=uuid.uuid4(),
            creator_id=CREATOR,
            fan_id=JAKE,
            type="tip",
            gross_cents=g,
            fee_cents=f,
            net_cents=n,
            currency="USD",
            occurred_at=at,
            source="connector",
            external_id=external_id,
        ),
        fan=FanIdentity(JAKE, HANDLE, name),
    )


async def jake(fans: Fans) -> None:
    """A fan with money (a whale), notes, tags and preferences."""
    await fans.run(record_transactions, [sale("t1", 70_000, SALE_AT), sale("t2", 1_500, SALE_AT + timedelta(hours=1))])
    await fans.run(crm.set_tags, JAKE, ["vip", "cosplay"])
    await fans.run(crm.set_preferences, JAKE, {"likes": "cosplay", "birthday": "03-14"})
    await fans.run(crm.add_note, JAKE, "Jake Sparrow lives in Leeds", OWNER)


async def test_erasure_anonymises_the_fan_keeps_the_money_and_emits_fan_erased_once() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    before = fans.repo.state(JAKE)
    done, events = await fans.run(erasure.erase_fan, JAKE, OWNER)
    assert done is not None
    assert (done.fan_id, done.creator_id, done.erased_at, done.requested_by) == (JAKE, CREATOR, fans.clock(), OWNER)
    erased = [e for e in events if e.type == "fan.erased"]
    assert len(erased) == 1
    e = erased[0]
    assert (e.creator_id, e.payload.fan_id, e.payload.creator_id, e.payload.requested_by) == (
        CREATOR,
        JAKE,
        CREATOR,
        OWNER,
    )
    assert e.payload.erased_at == fans.clock()

    row = fans.repo.fans[JAKE]
    assert (row.external_id, row.display_name) == (erased_handle(JAKE), ERASED_NAME)
    assert (row.tags, row.preferences, row.erased_at, row.erased_by) == ([], {}, fans.clock(), OWNER)
    assert await fans.repo.notes(JAKE) == []
    after = fans.repo.state(JAKE)
    assert (after.gross_cents, after.net_cents, after.purchases) == (before.gross_cents, before.net_cents, 2)
    assert "whales" in before.segments and after.segments == before.segments  # money segments: unchanged
    assert len(fans.repo.transactions_of(JAKE)) == 2
    assert fans.repo.scrubbed_outbox_keys == [str(JAKE)]

    # asked again: the same answer, nothing changes, nothing is emitted
    fans.clock.advance(minutes=5)
    again, events = await fans.run(erasure.erase_fan, JAKE, uuid.uuid4())
    assert again == done
    assert events == []


async def test_an_unknown_fan_or_another_creators_fan_is_not_erased() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    done, events = await fans.run(erasure.erase_fan, uuid.uuid4(), OWNER)
    assert (done, events) == (None, [])
    other = Fans(uuid.uuid4())
    other.repo = fans.repo  # the same database, another tenant
    other.worker.repo = fans.repo
    done, events = await other.run(erasure.erase_fan, JAKE, OWNER)
    assert (done, events) == (None, [])
    assert fans.repo.fans[JAKE].erased_at is None


async def test_a_later_sale_counts_and_names_the_fan_by_the_placeholders_only() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    await fans.run(erasure.erase_fan, JAKE, OWNER)
    net_before = fans.repo.state(JAKE).net_cents
    outcomes, events = await fans.run(record_transactions, [sale("t3", 2_000, SALE_AT + timedelta(days=1))])
    assert outcomes[0][0] == "accepted"
    assert fans.repo.state(JAKE).net_cents == net_before + 1_600
    recorded = [e for e in events if e.type == "transaction.recorded"]
    assert [(e.payload.fan.external_id, e.payload.fan.display_name) for e in recorded] == [
        (erased_handle(JAKE), ERASED_NAME)
    ]
    row = fans.repo.fans[JAKE]
    assert (row.external_id, row.display_name) == (erased_handle(JAKE), ERASED_NAME)


async def test_a_later_message_keeps_the_placeholder_name() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    await fans.run(erasure.erase_fan, JAKE, OWNER)
    message = envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=JAKE, external_id=HANDLE, display_name="Jake again"),
            text="remember me?",
            sent_at=SALE_AT + timedelta(days=2),
            received_at=SALE_AT + timedelta(days=2),
        ),
        producer="inbox",
        creator_id=CREATOR,
    )
    await fans.worker.deliver(message)
    profiles = fans.worker.emitted("fan.profile_updated")
    assert [(p.payload.external_id, p.payload.display_name) for p in profiles] == [(erased_handle(JAKE), ERASED_NAME)]
    assert fans.repo.fans[JAKE].display_name == ERASED_NAME


async def test_notes_tags_and_preferences_of_an_erased_fan_are_refused() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    await fans.run(erasure.erase_fan, JAKE, OWNER)
    with pytest.raises(FanIsErased):
        await fans.run(crm.add_note, JAKE, "it was Jake", OWNER)
    with pytest.raises(FanIsErased):
        await fans.run(crm.set_tags, JAKE, ["vip"])
    with pytest.raises(FanIsErased):
        await fans.run(crm.set_preferences, JAKE, {"likes": "boats"})
    row = fans.repo.fans[JAKE]
    assert (row.tags, row.preferences, await fans.repo.notes(JAKE)) == ([], {}, [])


async def test_a_custom_segment_on_a_tag_loses_the_fan_and_money_segments_keep_it() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    (vip, _), _ = await fans.run(crm.add_custom_segment, "VIPs", FanFilter(tag="vip"), None)
    (big, _), _ = await fans.run(crm.add_custom_segment, "Big", FanFilter(min_spend_cents=10_000), None)
    counts = await fans.repo.segment_counts(CREATOR)
    assert counts[vip.key] == counts[big.key] == counts["whales"] == 1
    _, events = await fans.run(erasure.erase_fan, JAKE, OWNER)
    moved = [(e.payload.segment, e.payload.change) for e in events if e.type == "fan.segment_changed"]
    assert moved == [(vip.key, "left")]
    after = await fans.repo.segment_counts(CREATOR)
    assert (after.get(vip.key, 0), after[big.key], after["whales"]) == (0, 1, 1)


async def test_staged_rows_of_a_running_import_keep_their_fan_without_naming_them() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    record = ImportRecord(uuid.uuid4(), CREATOR, "s.csv", "UTC", "USD", "running", fans.clock())
    await fans.repo.add_import(record, None)
    await fans.repo.stage_rows(
        record.id,
        [
            StagedRow(2, "tip", "@Jake_88", NAME, 1000, 200, 800, SALE_AT + timedelta(days=3)),
            StagedRow(3, "tip", "ann", "Ann", 500, 100, 400, SALE_AT + timedelta(days=3)),
        ],
    )
    await fans.repo.add_rejections(record.id, [(4, 'not a fan transaction: unknown description "Gift from Jake_88"')])
    await fans.repo.finish_staging(record.id, 3, 1, fans.clock())
    net_before = fans.repo.state(JAKE).net_cents

    await fans.run(erasure.erase_fan, JAKE, OWNER)
    staged = fans.repo.imports[record.id].staged
    assert (staged[2].fan_external_id, staged[2].fan_display_name) == (erased_handle(JAKE), ERASED_NAME)
    assert staged[3].fan_external_id == "ann"
    assert (
        fans.repo.imports[record.id].rejections[4] == 'not a fan transaction: unknown description "Gift from [erased]"'
    )

    _, events = await fans.run(apply_chunk, record.id)
    assert fans.repo.state(JAKE).net_cents == net_before + 800  # the same fan, by the id in the placeholder
    assert erased_handle(JAKE) not in {f.external_id for f in fans.repo.fans.values() if f.id != JAKE}
    names = {e.payload.fan.display_name for e in events if e.type == "transaction.recorded"}
    assert names == {ERASED_NAME, "Ann"}


async def test_personal_data_holds_everything_before_and_no_identity_after() -> None:
    fans = Fans(CREATOR)
    await jake(fans)
    before = (await fans.run(erasure.personal_data, JAKE))[0]
    assert (before["external_id"], before["display_name"]) == (HANDLE, NAME)
    assert [n.text for n in before["notes"]] == ["Jake Sparrow lives in Leeds"]
    assert before["tags"] == ["cosplay", "vip"] and before["preferences"] == {"likes": "cosplay", "birthday": "03-14"}
    assert len(before["transactions"]) == 2 and before["erased_at"] is None
    assert (await fans.run(erasure.personal_data, uuid.uuid4()))[0] is None

    await fans.run(erasure.erase_fan, JAKE, OWNER)
    after = (await fans.run(erasure.personal_data, JAKE))[0]
    assert (after["external_id"], after["display_name"], after["erased_by"]) == (
        erased_handle(JAKE),
        ERASED_NAME,
        OWNER,
    )
    assert (after["notes"], after["tags"], after["preferences"]) == ([], [], {})
    assert len(after["transactions"]) == 2  # the money stays, anonymised
    text = repr(after)
    assert HANDLE not in text.lower() and "Jake" not in text and "Leeds" not in text
