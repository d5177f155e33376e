"""Restricted words: the default list and the creator's own, on whole normalised words; an approval
holding one is refused and changes nothing."""

from __future__ import annotations

import pytest

from inbox import handlers
from inbox.domain import DraftStatus
from inbox.guardrails import DEFAULT_RESTRICTED, RestrictedText, clean_words, find_restricted, normalise

from .test_use_cases import CREATOR, USER, RecordingConnector, drafted, receive, worker


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("send it on my CashApp", "cashapp"),
        ("send it on my Cash-App please", "cash app"),
        ("add me on Snap chat or snapchat!", "snapchat"),
        ("i am a teen", "teen"),
        ("let's meet up tonight", "meet up"),
        ("ＶＥＮＭＯ works too", "venmo"),  # full-width letters (NFKC)
    ],
)
def test_default_terms_are_found_whatever_their_case_spacing_or_width(text: str, found: str) -> None:
    assert find_restricted(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "the minority of fans",
        "my teenage years were long ago... kidding, new set tonight",
        "pay here on OnlyFans",
        "escorted you to the VIP list? no: escorted",
    ],
)
def test_words_that_merely_contain_a_term_pass(text: str) -> None:
    assert find_restricted(text) is None


def test_the_creators_own_words_come_on_top_of_the_default_list() -> None:
    own = clean_words(["  Pineapple  ", "pineapple", "Red   Room", ""])
    assert own == ["pineapple", "red room"]
    assert find_restricted("the RED room is open", own) == "red room"
    assert find_restricted("a pineapple", own) == "pineapple"
    assert find_restricted("paypal me", own) == "paypal"  # the default list still applies
    assert all(normalise(t) == t for terms in DEFAULT_RESTRICTED.values() for t in terms)


async def test_an_approval_with_a_restricted_term_is_refused_and_changes_nothing() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    draft_id = await drafted(w, await handlers.receive_message(w.uow(), receive()))
    await w.repo.set_restricted_words(CREATOR, ["pineapple"], w.clock())
    for edit in ("pay me on venmo instead", "a Pineapple for you"):
        with pytest.raises(RestrictedText):
            await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text=edit)
    draft = await handlers.get_draft(w.uow(), CREATOR, draft_id)
    assert draft.status is DraftStatus.DRAFTED and "venmo" not in draft.text
    assert w.emitted("reply.approved") == [] and await w.run_calls() == [] and connector.sent == []
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text="see you inside")
    assert len(w.emitted("reply.approved")) == 1
