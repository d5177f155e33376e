"""The media of a post for the networks that pull them from URLs (Instagram, TikTok): the vault's
files first, in their order, as presigned GET URLs of the vault's bucket (:mod:`.vault_s3`; a video
by the type the vault read from its bytes), then the post's public URLs (a video by its suffix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, VaultFiles


class Pulled(NamedTuple):
    url: str
    video: bool


async def pulled_media(
    label: str, post: Outgoing, vault: VaultFiles | None, is_video: Callable[[str], bool]
) -> list[Pulled]:
    if post.unresolved() or (post.vault_files and vault is None):
        raise CallFailed(f"{label}: the post's vault media could not be read (no files for its media ids)",
                         permanent=True)  # fmt: skip
    media = [Pulled(await vault.presigned_url(f), f.video) for f in post.vault_files] if vault else []
    return media + [Pulled(url, is_video(url)) for url in post.media_urls]
