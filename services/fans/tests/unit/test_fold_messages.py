from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fans.domain import fold_messages
from huntaze_events import FanRef, MessageReceived, fan_id_for, make_envelope

CREATOR = uuid.uuid4()
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def msg(external: str, name: str, minutes: int, creator: uuid.UUID = CREATOR):
    return make_envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=fan_id_for(creator, external), external_id=external, display_name=name),
            text="hi",
            sent_at=T0 + timedelta(minutes=minutes),
            received_at=T0,
        ),
        producer="inbox",
        creator_id=creator,
    )


def test_one_delta_per_fan_with_counts_bounds_and_latest_name() -> None:
    events = [msg("a", "Al", 5), msg("b", "Bo", 1), msg("a", "Alfie", 9), msg("a", "Old Al", 2)]
    deltas = {d.external_id: d for d in fold_messages(events)}
    assert deltas["a"].message_count == 3 and deltas["b"].message_count == 1
    assert deltas["a"].first_message_at == T0 + timedelta(minutes=2)
    assert deltas["a"].last_message_at == T0 + timedelta(minutes=9)
    assert deltas["a"].display_name == "Alfie"  # the name on the most recent message
    assert deltas["a"].latest is events[2]


def test_a_fan_id_under_two_creators_is_refused() -> None:
    event = msg("a", "Al", 1)
    forged = event.model_copy(update={"creator_id": uuid.uuid4()})
    with pytest.raises(ValueError, match="two creators"):
        fold_messages([event, forged])
