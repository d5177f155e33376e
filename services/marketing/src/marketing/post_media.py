"""The vault media a post names, checked when it is scheduled or edited, before anything is written:
the vault's rule (:mod:`huntaze_service.vault_media`: another creator's → ``unknown_media``, this
creator's deleted → ``media_deleted``), then its network's rules on the files' types as the vault
read them from their bytes (:func:`.networks.check_files`: a type the network does not take, a video
or GIF with other media on X, a video with other media on TikTok).

A media id the read model has not seen yet is accepted (its upload's event may be in flight, and a
calendar import may arrive before it): its type is checked when the post's time comes, by the
network's adapter, and a medium still unknown then fails the post with that reason
(:func:`.publishing.vault_files`)."""

from __future__ import annotations

import uuid

from huntaze_service import vault_media

from .domain import Content, Refused
from .networks import Network, RuleBroken, check_files
from .ports import Uow


async def check(uow: Uow, creator_id: uuid.UUID, network: Network, content: Content) -> None:
    """Raises Refused (422 with its code) when the post's vault media cannot be published there."""
    ids = list(content.media_ids)
    if not ids:
        return
    known = await uow.repo.vault_media(ids)
    refused = vault_media.refusal(known, creator_id, ids)
    if refused is not None:
        raise Refused(refused.code, refused.message)
    types = [m.content_type for i in ids if (m := known.get(i)) is not None and m.content_type]
    try:
        check_files(network, types, len(ids) + len(content.media_urls))
    except RuleBroken as exc:
        raise Refused(exc.code, str(exc)) from None
