"""Test media for the social peers: tiny valid JPEG, PNG, GIF and MP4 files made in code, and a
local host serving them (what a post's ``media_urls`` point at in the tests)."""

from __future__ import annotations

import re
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

_JPEG = bytes.fromhex(  # a 2×2 baseline JPEG; the file's name goes in a comment (COM) segment after SOI
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d28"
    "3a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a"
    "1a2f634238426363636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
    "636363636363ffc00011080002000203012200021101031101ffc4001500010100000000000000000000000000000005ffc400"
    "14100100000000000000000000000000000000ffc4001501010100000000000000000000000000000006ffc400141101000000"
    "00000000000000000000000000ffda000c03010002110311003f009600a67fffd9"
)
_GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"


def pullable(url: object) -> bool:
    """A media URL a pulling network (the Instagram and TikTok peers) accepts: https, or plain http on
    127.0.0.1 — the local S3 server's presigned URLs of vault media (a real network needs https)."""
    if not isinstance(url, str):
        return False
    parts = urlparse(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def sample_medium(name: str) -> bytes | None:
    """A tiny valid file for ``name``'s extension (jpg, png, gif; mp4: an ``ftyp`` box and a ``free``
    one, enough for magic numbers), carrying the name, so every name has its own bytes."""
    tag, ext = name.encode()[:200], name.rsplit(".", 1)[-1].lower()
    if ext in ("jpg", "jpeg"):
        return _JPEG[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + _JPEG[2:]
    if ext == "png":
        header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        pixels = _png_chunk(b"IDAT", zlib.compress(b"\x00\xd0\x20\x60"))
        return (
            b"\x89PNG\r\n\x1a\n"
            + header
            + _png_chunk(b"tEXt", b"Comment\x00" + tag)
            + pixels
            + _png_chunk(b"IEND", b"")
        )
    if ext == "gif":
        image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
        return _GIF + b"!\xfe" + bytes([len(tag)]) + tag + b"\x00" + image + b";"
    if ext == "mp4":
        return (
            struct.pack(">I", 24)
            + b"ftypisom\x00\x00\x02\x00isommp42"
            + struct.pack(">I", 8 + len(tag))
            + b"free"
            + tag
        )
    return None


def _kind_of(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "video/mp4" if data[4:8] == b"ftyp" else None


class _MediaHost:
    """``GET /media/<name>`` → the file's bytes (content-type by extension, never checked by a careful
    client), 404 for an unknown name; ``respond(name)`` decides: bytes, None (404) or a status."""

    def __init__(self, respond: Any) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = urlparse(self.path).path.removeprefix("/media/")
                answer = respond(name) if self.path.startswith("/media/") else None
                status, data = (answer, b"") if isinstance(answer, int) else (200 if answer else 404, answer or b"")
                ext = name.rsplit(".", 1)[-1].lower()
                kind = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}.get(ext)
                try:
                    self.send_response(status)
                    self.send_header("content-type", kind or "application/octet-stream")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client stopped reading (past its limit)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _multipart(headers: dict[str, str], raw: bytes) -> dict[str, bytes]:
    """A multipart/form-data body's fields (name → bytes)."""
    boundary = re.search(r"boundary=\"?([^\";]+)", headers.get("content-type", ""))
    fields: dict[str, bytes] = {}
    for part in raw.split(b"--" + boundary.group(1).encode())[1:] if boundary else []:
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = data.removesuffix(b"\r\n")
    return fields
