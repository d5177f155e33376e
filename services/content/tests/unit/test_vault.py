"""Rules of the vault: names, titles, tags, prices, keys, parts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from content.vault import (
    MAX_PARTS,
    MIN_PART_BYTES,
    Media,
    Upload,
    VaultError,
    check_price,
    clean_filename,
    clean_tags,
    described,
    download_name,
    part_bytes_for,
    title_of,
)

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def test_filenames_lose_directories_and_control_characters() -> None:
    assert clean_filename("C:\\Users\\mia\\IMG_01.jpg") == "IMG_01.jpg"
    assert clean_filename('../a"b;\x07c.png') == "abc.png"
    for bad in ("", "/", "..", "\x00"):
        with pytest.raises(VaultError):
            clean_filename(bad)


def test_titles_default_to_the_name_without_its_extension() -> None:
    assert title_of("beach_day.final.jpg") == "beach day.final"
    assert title_of(".hidden") == ".hidden"
    assert len(title_of("x" * 300 + ".jpg")) == 200


def test_tags_are_normalised_deduplicated_and_bounded() -> None:
    assert clean_tags([" #Beach  Day ", "beach day", "GOLD", "", "#"]) == ("beach day", "gold")
    with pytest.raises(VaultError) as caught:
        clean_tags([f"t{n}" for n in range(31)])
    assert caught.value.code == "too_many_tags"
    with pytest.raises(VaultError):
        clean_tags(["x" * 41])


def test_a_price_goes_with_its_currency_and_stays_sane() -> None:
    check_price(None, None)
    check_price(999, "EUR")
    for price, currency in ((999, None), (None, "USD"), (0, "USD"), (10**9, "USD")):
        with pytest.raises(VaultError):
            check_price(price, currency)


def test_parts_cover_the_file_within_s3s_limits() -> None:
    assert part_bytes_for(10, 1) == MIN_PART_BYTES
    huge = 5 * 1024**4
    assert huge / part_bytes_for(huge, 64 * 1024**2) <= MAX_PARTS
    u = Upload(uuid.uuid4(), uuid.uuid4(), "a.mp4", "video/mp4", 11, 5, NOW, NOW)
    assert u.parts() == [(1, 5), (2, 5), (3, 1)]


def test_describing_without_a_change_keeps_the_revision() -> None:
    m = Media(uuid.uuid4(), uuid.uuid4(), "photo", "A", NOW, NOW)
    assert described(m, NOW, title="A") is m
    assert described(m, NOW, title="B").revision == 2
    assert download_name(Media(m.id, m.creator_id, "photo", 'Beach "day"/2', NOW, NOW), "jpg") == "Beach day2.jpg"
