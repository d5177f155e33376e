"""Each network's publishing rules, checked when a post is scheduled (not at publish time).

The limits are the networks' documented ones for the APIs the adapters use:

- Instagram Graph API content publishing: a caption of at most 2,200 characters, 30 hashtags and
  20 @-mentions; one to ten media (one, or a carousel) — a feed post needs media.
- TikTok Content Posting API: a caption (``title``) of at most 2,200 UTF-16 code units; a video, or a
  photo post of up to 35 images — a post needs media.
- X API v2 (``POST /2/tweets``): at most 280 weighted characters (URLs count 23, characters outside
  the Latin, general punctuation and similar ranges count 2, as twitter-text does); up to 4 media.
- Reddit (``/api/submit``): a title of 1 to 300 characters and a subreddit (3–21 letters, digits or
  underscores) are required; a self post's text is at most 40,000 characters; up to 20 media
  (a gallery).

The vault's media (``media_ids``) are also checked by type (:func:`check_files`, the type the vault
read from the file's bytes): X takes JPEG, PNG, WEBP, GIF and MP4 (up to 4 images, or one GIF or
video); Instagram's Graph API JPEG images and MP4/MOV videos; TikTok JPEG/WEBP photos and
MP4/MOV/WEBM videos (one video alone); Reddit posts take no vault media here (refused by the domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Network(StrEnum):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    X = "x"
    REDDIT = "reddit"


@dataclass(frozen=True)
class Draft:
    """What a post would publish, as the rules see it."""

    network: Network
    caption: str
    media: int
    title: str | None = None
    subreddit: str | None = None


class RuleBroken(ValueError):
    """The post cannot be published on its network as it is (answered 422 naming the rule)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_HASHTAG = re.compile(r"(?<![\w&])#\w+", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@])@[\w.]+", re.UNICODE)
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{2,20}$")
# twitter-text v3: these ranges weigh 1, everything else 2 (CJK, emoji…)
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def x_weighted_length(text: str) -> int:
    """The length X counts: URLs 23 each, light characters 1, others 2."""
    length = 0
    rest = _URL.sub("", text)
    length += 23 * len(_URL.findall(text))
    for ch in rest:
        code = ord(ch)
        length += 1 if any(lo <= code <= hi for lo, hi in _LIGHT) else 2
    return length


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check(draft: Draft) -> None:
    """Raises RuleBroken for the first rule the post breaks on its network."""
    caption, media = draft.caption, draft.media
    if draft.network is Network.INSTAGRAM:
        _at_most("caption_too_long", len(caption), 2200, "an Instagram caption is at most 2,200 characters")
        _at_most("too_many_hashtags", len(_HASHTAG.findall(caption)), 30, "Instagram allows 30 hashtags")
        _at_most("too_many_mentions", len(_MENTION.findall(caption)), 20, "Instagram allows 20 @-mentions")
        _media(media, 1, 10, "an Instagram post has 1 to 10 media")
    elif draft.network is Network.TIKTOK:
        _at_most("caption_too_long", utf16_length(caption), 2200, "a TikTok caption is at most 2,200 characters")
        _media(media, 1, 35, "a TikTok post has a video or 1 to 35 photos")
    elif draft.network is Network.X:
        _at_most("caption_too_long", x_weighted_length(caption), 280, "a post on X is at most 280 characters")
        if not caption.strip() and media == 0:
            raise RuleBroken("empty_post", "a post on X needs text or media")
        _media(media, 0, 4, "a post on X has at most 4 media")
    else:
        title = (draft.title or "").strip()
        if not title:
            raise RuleBroken("title_required", "a Reddit post needs a title")
        _at_most("title_too_long", len(title), 300, "a Reddit title is at most 300 characters")
        if not _SUBREDDIT.match((draft.subreddit or "").removeprefix("r/")):
            raise RuleBroken("subreddit_required", "a Reddit post needs a subreddit (3–21 letters, digits or _)")
        _at_most("caption_too_long", len(caption), 40_000, "a Reddit post's text is at most 40,000 characters")
        _media(media, 0, 20, "a Reddit post has at most 20 media")
    if draft.network is not Network.REDDIT and (draft.title or draft.subreddit):
        raise RuleBroken("reddit_only", "title and subreddit are for Reddit posts")


ACCEPTED_TYPES: dict[Network, frozenset[str]] = {
    Network.X: frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4"}),
    Network.INSTAGRAM: frozenset({"image/jpeg", "video/mp4", "video/quicktime"}),
    Network.TIKTOK: frozenset({"image/jpeg", "image/webp", "video/mp4", "video/quicktime", "video/webm"}),
}


def check_files(network: Network, content_types: list[str], media: int) -> None:
    """Raises RuleBroken when vault files of these types (of ``media`` media in all) cannot be
    published on ``network``."""
    if network is Network.REDDIT:
        return  # no vault media at all there: the domain refuses them (media_not_supported)
    accepted = ACCEPTED_TYPES[network]
    for kind in content_types:
        if kind not in accepted:
            takes = ", ".join(sorted(accepted))
            raise RuleBroken("media_type_not_supported", f"{network.value} does not take {kind} (it takes {takes})")
    videos = [k for k in content_types if k.startswith("video/")]
    if network is Network.X and media > 1 and (videos or "image/gif" in content_types):
        raise RuleBroken("media_mix", f"a post on X has up to 4 images, or one GIF or video ({media} media given)")
    if network is Network.TIKTOK and media > 1 and videos:
        raise RuleBroken("media_mix", f"a TikTok post is one video, or 1 to 35 photos ({media} media given)")


def _at_most(code: str, value: int, limit: int, message: str) -> None:
    if value > limit:
        raise RuleBroken(code, f"{message} ({value} given)")


def _media(count: int, low: int, high: int, message: str) -> None:
    if not low <= count <= high:
        raise RuleBroken("media_count", f"{message} ({count} given)")
