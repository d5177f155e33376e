"""The attribution rules of the sales ledger: an unlock is its offer's maker's, a sale that unlocks
nothing is the last replier's within the window, a reversal is a negative line against the sale it
reverses — and every line says why."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from analytics.attribution import (
    LineKind,
    Reply,
    Sale,
    Unlock,
    after_reply_line,
    reversal_line,
    unlock_line,
)

T0 = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
FAN, OTHER_FAN = uuid.uuid4(), uuid.uuid4()
ANNA, BEN = uuid.uuid4(), uuid.uuid4()
SHIFT = uuid.uuid4()
WINDOW = timedelta(hours=2)


def sale(
    gross: int = 2000, *, at: datetime = T0, kind: str = "tip", ref: str | None = None, fan: uuid.UUID = FAN
) -> Sale:
    return Sale(uuid.uuid4(), fan, kind, gross, gross * 4 // 5, "USD", at, "message" if ref else None, ref)


def reply(chatter: uuid.UUID, at: datetime, fan: uuid.UUID = FAN) -> Reply:
    return Reply(uuid.uuid4(), fan, chatter, SHIFT if chatter == ANNA else None, at)


def test_an_unlock_is_credited_to_whoever_made_the_offer_and_says_so() -> None:
    offer, tx = uuid.uuid4(), uuid.uuid4()
    line = unlock_line(Unlock(offer, tx, FAN, ANNA, SHIFT, None, 1500, 1200, "USD", T0))
    assert line is not None and line.kind is LineKind.UNLOCK and (line.chatter_id, line.shift_id) == (ANNA, SHIFT)
    assert (line.gross_cents, line.net_cents, line.offer_id, line.transaction_id) == (1500, 1200, offer, tx)
    assert str(offer) in line.reason and str(ANNA) in line.reason and str(SHIFT) in line.reason
    mass = uuid.uuid4()
    copy = unlock_line(Unlock(offer, tx, FAN, BEN, None, mass, 900, 720, "USD", T0))
    assert copy is not None and f"mass message {mass}" in copy.reason
    assert unlock_line(Unlock(offer, tx, FAN, None, None, None, 900, 720, "USD", T0)) is None, "the autopilot's"


def test_a_tip_goes_to_the_last_reply_within_the_window() -> None:
    replies = [
        reply(ANNA, T0 - timedelta(minutes=90)),
        reply(BEN, T0 - timedelta(minutes=30)),
        reply(ANNA, T0 + timedelta(minutes=1)),  # after the sale: not why it happened
        reply(ANNA, T0 - timedelta(minutes=5), fan=OTHER_FAN),  # another fan
    ]
    line = after_reply_line(sale(), replies, WINDOW)
    assert line is not None and line.kind is LineKind.AFTER_REPLY and line.chatter_id == BEN
    assert (
        line.reply_message_id == replies[1].message_id and "30 min after reply" in line.reason and "2 h" in line.reason
    )
    assert after_reply_line(sale(at=T0 + timedelta(hours=3)), replies, WINDOW) is None, "beyond the window: nobody's"
    at_the_edge = after_reply_line(sale(at=T0 - timedelta(minutes=90) + WINDOW), replies, WINDOW)
    assert at_the_edge is not None and at_the_edge.chatter_id == ANNA, "a reply exactly a window before still counts"


def test_offer_unlocks_and_reversals_are_never_credited_by_the_window() -> None:
    replies = [reply(ANNA, T0 - timedelta(minutes=10))]
    ours = sale(kind="message", ref=str(uuid.uuid4()))
    assert after_reply_line(ours, replies, WINDOW, offer_known=True) is None, "an unlock of our offer: unlock_line's"
    outside = after_reply_line(ours, replies, WINDOW, offer_known=False)
    assert outside is not None and outside.kind is LineKind.AFTER_REPLY, "a paid message sent outside Huntaze"
    assert after_reply_line(sale(-2000, kind="refund"), replies, WINDOW) is None


def test_a_refund_is_a_new_negative_line_against_the_sale_it_reverses() -> None:
    offer, tip_reply = uuid.uuid4(), reply(BEN, T0 - timedelta(minutes=20))
    unlocked = unlock_line(Unlock(offer, uuid.uuid4(), FAN, ANNA, SHIFT, None, 1500, 1200, "USD", T0))
    tipped = after_reply_line(sale(2500, at=T0 + timedelta(minutes=5)), [tip_reply], WINDOW)
    assert unlocked is not None and tipped is not None
    credited = [unlocked, tipped]
    # the offer's refund names the offer: it goes against the unlock, not the later tip
    refund = reversal_line(sale(-1500, kind="refund", ref=str(offer), at=T0 + timedelta(hours=1)), credited)
    assert refund is not None and refund.kind is LineKind.REVERSAL and refund.chatter_id == ANNA
    assert (refund.gross_cents, refund.reverses, refund.shift_id) == (-1500, unlocked.transaction_id, SHIFT)
    # a chargeback naming nothing: the fan's latest credited sale not reversed in full
    chargeback = reversal_line(sale(-2500, kind="chargeback", at=T0 + timedelta(hours=2)), [*credited, refund])
    assert chargeback is not None and chargeback.chatter_id == BEN and chargeback.reverses == tipped.transaction_id
    # both reversed in full: a further refund is nobody's
    later = sale(-100, kind="refund", at=T0 + timedelta(hours=3))
    assert reversal_line(later, [*credited, refund, chargeback]) is None
    assert reversal_line(sale(-100, kind="refund", fan=OTHER_FAN), credited) is None, "another fan's: nobody's"


def test_money_stays_exact_to_the_cent_across_lines() -> None:
    offer = uuid.uuid4()
    unlocked = unlock_line(Unlock(offer, uuid.uuid4(), FAN, ANNA, None, None, 1999, 1599, "USD", T0))
    assert unlocked is not None
    partial = reversal_line(sale(-999, kind="refund", ref=str(offer), at=T0 + timedelta(minutes=1)), [unlocked])
    assert partial is not None
    assert unlocked.gross_cents + partial.gross_cents == 1000 and partial.net_cents == -999 * 4 // 5
