"""The read model of plans naming media: the highest revision wins, an end is final."""

from __future__ import annotations

import uuid

from content.plans import PlanChange, merged, supersedes

C, P, M1, M2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def change(status: str, revision: int = 0, media: tuple[uuid.UUID, ...] = (M1,)) -> PlanChange:
    return PlanChange(C, "post", P, status, media, revision)  # type: ignore[arg-type]


def test_the_highest_revision_wins_whatever_the_order() -> None:
    r1, r2 = change("scheduled", 1, (M1,)), change("cancelled", 2, (M1,))
    assert merged(r1, merged(r2, None)) == r2 and merged(r2, merged(r1, None)) == r2
    assert not supersedes(r1, r1)  # redelivered: nothing changes


def test_an_end_is_final_and_keeps_the_media_when_it_names_none() -> None:
    held = merged(change("failed", 0, ()), change("scheduled", 3, (M1, M2)))
    assert held.status == "failed" and held.media_ids == (M1, M2)
    assert merged(change("scheduled", 9), held) == held
    assert merged(change("published"), None).status == "published"
