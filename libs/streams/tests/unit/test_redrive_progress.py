"""The re-drive's progress rule: the watermark never passes a record --reason left behind."""

from __future__ import annotations

from huntaze_streams.dlq import _Partition


def test_without_a_filter_the_watermark_follows_and_no_ledger_is_written() -> None:
    part = _Partition(watermark=10, ledger=set())
    for offset in (10, 11, 12):
        part.handled(offset, now=True)
    assert part.watermark == 13 and part.entries == [] and part.tombstones == []


def test_a_record_left_behind_holds_the_watermark_and_later_ones_go_to_the_ledger() -> None:
    part = _Partition(watermark=0, ledger=set())
    part.handled(0, now=True)
    part.left_behind(1)  # --reason did not match: must stay re-drivable
    part.handled(2, now=True)
    part.handled(3, now=True)
    assert part.watermark == 1 and part.entries == [2, 3]


def test_a_later_run_passes_the_ledger_and_deletes_its_entries() -> None:
    part = _Partition(watermark=1, ledger={2, 3})
    part.handled(1, now=True)  # the record left behind, re-driven now
    part.handled(2, now=False)  # from the ledger: already re-driven
    part.handled(3, now=False)
    part.handled(4, now=True)
    assert part.watermark == 5 and part.tombstones == [2, 3] and part.entries == []
