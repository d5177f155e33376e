"""Mass-message rules: placeholders, what each fan reads, which segments exist, when it can be
cancelled, and the body the API accepts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from inbox.api.mass_messages import MassMessageIn
from inbox.mass import Audience, MassMessage, MassStatus, NotCancellable, UnknownSegment, check_placeholders, render


def test_only_the_name_placeholder_is_accepted_and_each_fan_reads_their_own_name() -> None:
    assert check_placeholders("Hey {name}! {name}, look") == "Hey {name}! {name}, look"
    for typo in ("Hey {nmae}", "Hey {}", "Hey {first_name}"):
        with pytest.raises(ValueError, match="placeholder"):
            check_placeholders(typo)
    assert render("Hey {name}! {name}, look", name="Jake") == "Hey Jake! Jake, look"


def test_segments_are_built_in_or_custom_ones_the_inbox_has_seen() -> None:
    custom = f"custom:{uuid.uuid4()}"
    Audience(("whales", custom), ("lapsed",)).check({custom})
    for unknown in ("dolphins", f"custom:{uuid.uuid4()}", "Whales"):
        with pytest.raises(UnknownSegment):
            Audience(("new",), (unknown,)).check({custom})
    audience = Audience(("whales",), ("new",), True, 24)
    assert Audience.of(audience.as_json()) == audience


def test_a_mass_message_is_cancelled_once_and_only_before_it_is_done() -> None:
    now = datetime.now(UTC)
    m = MassMessage(
        uuid.uuid4(), uuid.uuid4(), Audience(("whales",)), "hi", None, (), now, MassStatus.SENDING, now, uuid.uuid4()
    )
    m.cancel(at=now, by=uuid.uuid4())
    assert m.status is MassStatus.CANCELLED and m.finished_at == now
    with pytest.raises(NotCancellable):
        m.cancel(at=now, by=uuid.uuid4())
    m.status = MassStatus.DONE
    with pytest.raises(NotCancellable):
        m.cancel(at=now, by=uuid.uuid4())


def test_the_body_needs_media_with_a_price_and_refuses_loose_types() -> None:
    ok = {"audience": {"segments": ["whales", "whales"]}, "text": " hi {name} "}
    body = MassMessageIn.model_validate(ok)
    assert body.text == "hi {name}" and body.audience.domain().segments == ("whales",)
    media = [str(uuid.uuid4())]
    for bad in (
        {**ok, "price_cents": 1000},
        {**ok, "price_cents": "1000", "media_ids": media},
        {**ok, "media_ids": media * 2},
        {**ok, "audience": {"segments": []}},
        {**ok, "audience": {"segments": ["whales"], "exclude_messaged_within_hours": 721}},
        {**ok, "audience": {"segments": ["whales"], "exclude_bought_media": "yes"}},
        {**ok, "send_at": "2026-11-27T10:00:00"},  # no time zone
    ):
        with pytest.raises(ValidationError):
            MassMessageIn.model_validate(bad)
