"""The vault's types are read from the bytes: allowed images and videos pass, executables and
documents do not, whatever they are named or declared."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from content import media_types


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
                                           ("GIF", "image/gif")])  # fmt: skip
def test_images_are_known_by_their_bytes(fmt: str, mime: str) -> None:
    mtype, found = media_types.sniff(image(fmt))
    assert mtype is not None and mtype.mime == mime and mtype.kind == "photo" and found == mime


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime"),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm",
            "video/webm",
        ),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
    ],
)
def test_videos_and_heic_are_known_by_their_bytes(head: bytes, mime: str) -> None:
    mtype, _ = media_types.sniff(head + b"\x00" * 64)
    assert mtype is not None and mtype.mime == mime


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "application/x-executable"),
        (b"MZ\x90\x00" + b"\x00" * 64, "application/x-msdownload"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "application/pdf"),
        (b"PK\x03\x04" + b"\x00" * 64, "application/zip"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", None),
    ],
)
def test_executables_documents_and_unknown_bytes_are_not_allowed(head: bytes, found: str | None) -> None:
    assert media_types.sniff(head) == (None, found)


def test_declared_types_take_aliases_and_refuse_the_rest() -> None:
    assert media_types.declared("IMAGE/JPG") == media_types.ALLOWED["image/jpeg"]
    assert media_types.declared("image/heif").mime == "image/heic"  # type: ignore[union-attr]
    assert media_types.declared("video/quicktime; codecs=x").kind == "video"  # type: ignore[union-attr]
    assert media_types.declared("application/x-msdownload") is None
    assert media_types.declared("image/svg+xml") is None
