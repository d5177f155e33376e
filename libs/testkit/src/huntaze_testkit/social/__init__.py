"""Local peers speaking the social networks' APIs (the used subset, errors included), for the
marketing service's tests: real HTTP on 127.0.0.1, every accepted post counted.

:class:`XPeer` is X API v2: ``POST /2/tweets`` (201 ``{"data": {"id", "text"}}``; 401 for an unknown
or expired token; 403 duplicate content when the user posted the same text before, as X does; 400
over 280 characters, or for ``media.media_ids`` that are not the user's finished uploads) and
``GET /2/users/{id}/tweets?start_time&max_results&pagination_token`` (newest first, ``{"data": [...],
"meta": {"result_count", "next_token"}}``); its media upload (``POST /2/media/upload/initialize``,
``/{id}/append``, ``/{id}/finalize``, ``GET /2/media/upload?command=STATUS``) and a media host
serving test files (:attr:`XPeer.media_url`).
Scripted faults by marker in the text: ``[503 once]`` answers 503 the first time, ``[429 once]``
answers 429 with ``retry-after: 2`` the first time, ``[slow]`` takes 3 s before answering.
:class:`RedditPeer`, :class:`InstagramPeer` (Graph API containers) and :class:`TikTokPeer`
(Content Posting API) follow the same conventions: each documents its subset.
"""

from .instagram import InstagramPeer
from .media import sample_medium
from .reddit import RedditPeer
from .tiktok import TikTokPeer
from .x import XPeer

__all__ = ["InstagramPeer", "RedditPeer", "TikTokPeer", "XPeer", "sample_medium"]
