"""Thumbnails of photos with Pillow: bounded in size, safe against decompression bombs."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_EDGE = 320
"""The longest edge of a thumbnail, in pixels."""
MAX_PIXELS = 80_000_000
"""A photo with more pixels is refused before it is decoded (a decompression bomb)."""
MAX_SOURCE_BYTES = 64 * 1024**2
"""A photo larger than this gets no thumbnail (it is still filed): its bytes are kept in memory."""
THUMB_TYPE = "image/jpeg"


class ImageRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def thumbnail(data: bytes) -> bytes:
    """A JPEG of at most ``THUMB_EDGE`` px on its longest side (EXIF orientation applied, the first
    frame of an animation). Raises :class:`ImageRefused` for a bomb or bytes Pillow cannot decode."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, at the vault's bound (same value everywhere)
    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            if img.width * img.height > MAX_PIXELS:  # refused before any pixel is decoded
                raise ImageRefused("image_too_large", f"the image has more than {MAX_PIXELS} pixels")
            img.draft("RGB", (THUMB_EDGE * 2, THUMB_EDGE * 2))  # JPEG: decode at a reduced scale
            img.seek(0)
            frame = ImageOps.exif_transpose(img) or img
            frame = frame.convert("RGB")
            frame.thumbnail((THUMB_EDGE, THUMB_EDGE))
            out = io.BytesIO()
            frame.save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("image_too_large", f"the image has more than {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused("image_unreadable", "the image cannot be decoded") from None
