"""Thumbnails: bounded, upright, JPEG; bombs and undecodable bytes refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from content.thumbnails import MAX_PIXELS, THUMB_EDGE, ImageRefused, thumbnail


def encoded(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def test_a_thumbnail_fits_the_bounds_and_keeps_the_ratio() -> None:
    thumb = Image.open(io.BytesIO(thumbnail(encoded(Image.new("RGB", (4000, 1000)), "JPEG"))))
    assert thumb.format == "JPEG" and thumb.size == (THUMB_EDGE, THUMB_EDGE // 4)


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°
    thumb = Image.open(io.BytesIO(thumbnail(encoded(img, "JPEG", exif=exif))))
    assert thumb.size[1] > thumb.size[0]


def test_transparent_and_animated_images_become_a_jpeg() -> None:
    frames = [Image.new("RGBA", (50, 50), (255, 0, 0, n * 60)) for n in range(3)]
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(thumbnail(gif))).mode == "RGB"
    assert Image.open(io.BytesIO(thumbnail(encoded(frames[1], "PNG")))).format == "JPEG"


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    side = int(MAX_PIXELS**0.5) + 100
    with pytest.raises(ImageRefused) as caught:
        thumbnail(encoded(Image.new("1", (side, side)), "PNG"))
    assert caught.value.code == "image_too_large"


def test_bytes_pillow_cannot_decode_are_refused() -> None:
    with pytest.raises(ImageRefused) as caught:
        thumbnail(b"\xff\xd8\xff\xe0" + b"\x00" * 100)  # a JPEG header, then nothing
    assert caught.value.code == "image_unreadable"
