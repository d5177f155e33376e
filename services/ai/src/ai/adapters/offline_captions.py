"""The offline provider's captions: three suggestions for a social post, from the creator's brief.

1. The brief is read: its *topic* (the first clause, without "promote my…"-style lead-ins and
   articles, at most 8 words) and its *keywords* (content words, for hashtags). Words the network
   must not carry (:func:`ai.captions.forbidden_term`) are left out of both, so a brief saying
   "nude" still gets captions on Instagram — without that word.
2. Each slot has its angle — the drop ("My {topic} is finally here!"), the tease, the question — in
   the tone asked for (friendly, flirty, playful, professional); the tease adds a hint of the media
   when it is described. The three captions are different by construction.
3. The CTA is the network's (Instagram, TikTok: the link in bio; X: short; Reddit: the profile),
   a different one per slot; hashtags are the brief's keywords then the network's usual ones, as
   many as the network's convention (none on Reddit); emoji per the persona (none on Reddit).
4. Each suggestion is fitted to the network (:func:`ai.captions.fit`); a slot too long drops the
   media hint, then shortens the topic.

Deterministic: the same request always gives the same suggestions (choices are seeded with a
SHA-256 of the network, tone and brief).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from ai.captions import (
    RULES,
    SUGGESTIONS,
    CaptionRequest,
    Network,
    Suggestion,
    Unfit,
    fit,
    forbidden_term,
)
from ai.domain import EmojiUse, Tone
from ai.untrusted import review_reasons

MAX_TOPIC_WORDS = 8
MAX_TOPIC_CHARS = 60
MAX_HINT_CHARS = 90
MAX_KEYWORD_CHARS = 30
GENERIC_TOPIC = "new post"

# --- reading the brief ------------------------------------------------------------------------------

_LEAD_INS = re.compile(
    r"^(?:"
    r"(?:please|pls|can you|could you)\s+"
    r"|(?:write|make|give me|need|i need|i want)\s+(?:me\s+)?(?:a\s+|some\s+)?(?:caption|post|teaser|tweet)s?\s+(?:for|about|on)\s+"
    r"|(?:a\s+)?(?:caption|post|teaser|tweet)s?\s+(?:for|about|on)\s+"
    r"|(?:promote|promoting|announce|announcing|tease|teasing|advertise|advertising|hype|hyping|share|sharing)\s+"
    r"|(?:post|posting|talk|talking|write|writing)\s+about\s+"
    r"|i(?:'m| am)?\s+(?:just\s+|finally\s+)?(?:shot|filmed|made|posted|posting|dropped|dropping|uploaded|have|got|did|released|releasing)\s+"
    r"|(?:my|the|a|an|our|this|these|some|me)\s+"
    r")",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[.!?;:\n,()\[\]{}\"]|\s[-–—]\s")
_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+", re.UNICODE)
_TRAILING = frozenset(
    "a an the my our your and or but of in on at to for with from by about this that these is are was "
    "will be which who just so very".split()
)
_STOP = _TRAILING | frozenset(
    "new some any really it its i i'm im me we you us he she they them his her their been am do does did "
    "have has had would can could should post posts posting promote promoting announce tease teaser caption "
    "captions write please want need make made get got shot filmed dropping dropped drop today tonight "
    "tomorrow week weekend friday saturday sunday monday tuesday wednesday thursday coming soon out up "
    "there here more most all one two first last next little lot lots like love".split()
)


def _allowed(words: Sequence[str], network: Network) -> list[str]:
    return [w for w in words if forbidden_term(w, network) is None]


def _clauses(text: str) -> list[str]:
    """The text's clauses, but those steering the AI ("ignore your instructions"): not a subject."""
    return [c for c in _CLAUSE.split(re.sub(r"https?://\S+|[@#]", " ", text)) if not review_reasons(c)]


def topic_of(brief: str, network: Network) -> str:
    """The brief's subject in a few words ("my new beach set in a red bikini, out Friday" → "new beach
    set in a red bikini"), without any word the network must not carry; a generic one if nothing is left."""
    for clause in _clauses(brief):
        text = clause.strip()
        while (lead := _LEAD_INS.match(text)) is not None and lead.end() < len(text):
            text = text[lead.end() :].strip()
        words = _allowed(_WORD.findall(text), network)[:MAX_TOPIC_WORDS]
        while words and words[-1].lower() in _TRAILING:
            words.pop()
        topic = " ".join(words)
        while len(topic) > MAX_TOPIC_CHARS and " " in topic:
            topic = topic.rsplit(" ", 1)[0]
        if topic and any(len(w) > 1 and w.lower() not in _STOP for w in words) and not forbidden_term(topic, network):
            first = words[0]
            before = brief[: brief.find(first)].rstrip()
            if first[:1].isupper() and not first.isupper() and (not before or before[-1] in ".!?:\n"):
                topic = first[:1].lower() + topic[1:]  # capitalised only because it began a sentence
            return topic[:MAX_TOPIC_CHARS]
    return GENERIC_TOPIC


def keywords_of(brief: str, network: Network, limit: int = 3) -> list[str]:
    """The brief's content words, in order, lower case (for hashtags)."""
    found: list[str] = []
    for word in _allowed(_WORD.findall(" ".join(_clauses(brief))), network):
        key = re.sub(r"\W", "", word.lower())
        if 4 <= len(key) <= MAX_KEYWORD_CHARS and key not in _STOP and not key.isdigit() and key not in found:
            found.append(key)
    return found[:limit]


def _hint(media: str | None, network: Network) -> str | None:
    """A sentence hinting at what the media shows, without any word the network must not carry."""
    if not media:
        return None
    clauses = _clauses(media.strip())
    words = _allowed(_WORD.findall(clauses[0]), network) if clauses else []
    hint = " ".join(words)
    while len(hint) > MAX_HINT_CHARS and " " in hint:
        hint = hint.rsplit(" ", 1)[0]
    if not hint or forbidden_term(hint, network) is not None:
        return None
    return f"Here's a hint: {hint[:MAX_HINT_CHARS]}."


# --- wording ------------------------------------------------------------------------------------------

_CAPTIONS: dict[Tone, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # per tone: (the drop, the tease, the question)
    Tone.FRIENDLY: (
        ("My {topic} is finally here!", "Say hi to my {topic}!", "It's here: my {topic}!"),
        ("I've been so excited to share my {topic} with you.", "A little peek at my {topic}, more is waiting."),
        ("What do you think of my {topic}?", "Should I make more like my {topic}? Tell me!"),
    ),
    Tone.FLIRTY: (
        ("My {topic} just dropped and I think you'll like it.", "I made my {topic} with you in mind."),
        ("Just a little taste of my {topic}... the rest is for you only.", "You only get a peek of my {topic} here."),
        ("Be honest, would you look twice at my {topic}?", "Tell me, how many times will you look at my {topic}?"),
    ),
    Tone.PLAYFUL: (
        ("Surprise! My {topic} is out.", "Guess who finally posted my {topic}?"),
        (
            "Not saying my {topic} is my best yet... but it might be.",
            "Warning: my {topic} may cause excessive scrolling.",
        ),
        ("Rate my {topic} from 1 to 10, go!", "Quick poll: do you like my {topic} or LOVE it?"),
    ),
    Tone.PROFESSIONAL: (
        ("New release: my {topic}.", "My {topic} is now available."),
        ("Here is a first look at my {topic}.", "A preview of my {topic}; the full version is on my page."),
        ("I'd love your feedback on my {topic}.", "What would you like to see after my {topic}? Let me know."),
    ),
}
_TITLES = (
    ("My {topic}", "My {topic}, just posted"),
    ("A little preview of my {topic}", "First look at my {topic}"),
    ("What do you think of my {topic}?", "Would you like more like my {topic}?"),
)
_CTAS: dict[Network, tuple[str, ...]] = {
    Network.INSTAGRAM: (
        "Link in bio to see it all.",
        "The full set is waiting at the link in my bio.",
        "Tap the link in my bio for the rest.",
    ),
    Network.TIKTOK: ("Link in bio for the rest.", "The full version? Link in bio.", "See it all: link in my bio."),
    Network.X: ("Link in bio.", "The rest is on my page, link in bio.", "All of it is one click away: link in bio."),
    Network.REDDIT: (
        "More on my profile.",
        "The full set is linked on my profile.",
        "If you like it, there's more on my profile.",
    ),
}
_TAGS: dict[Network, tuple[str, ...]] = {
    Network.INSTAGRAM: (
        "#newpost",
        "#linkinbio",
        "#contentcreator",
        "#photooftheday",
        "#creatorlife",
        "#behindthescenes",
        "#instagood",
    ),
    Network.TIKTOK: ("#fyp", "#foryou", "#creator", "#newpost"),
    Network.X: ("#NewPost", "#LinkInBio"),
    Network.REDDIT: (),
}
_EMOJIS: dict[Tone, tuple[str, ...]] = {
    Tone.FRIENDLY: ("✨", "💕", "😊", "🌸"),
    Tone.FLIRTY: ("😘", "🔥", "😉", "💋"),
    Tone.PLAYFUL: ("😜", "🙈", "🎉", "😋"),
    Tone.PROFESSIONAL: ("✨", "📸", "🙂"),
}


class _Picker:
    def __init__(self, request: CaptionRequest) -> None:
        self._seed = f"{request.network}:{request.tone}:{request.brief}:{request.media_description or ''}"

    def index(self, count: int, salt: str) -> int:
        digest = hashlib.sha256(f"{self._seed}:{salt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % count

    def __call__(self, options: Sequence[str], salt: str) -> str:
        return options[self.index(len(options), salt)]


def _hashtags(request: CaptionRequest, keywords: list[str], slot: int) -> tuple[str, ...]:
    """The brief's keywords, then the network's usual tags (at least one), as many as its convention."""
    low, high = RULES[request.network].hashtags
    generic = _TAGS[request.network]
    if high == 0 or not generic:
        return ()
    count = low + slot % (high - low + 1)
    own = [f"#{k}" for k in keywords]
    if request.network is Network.X and own:
        own = [own[slot % len(own)]]
    rotated = [*generic[slot % len(generic) :], *generic[: slot % len(generic)]]
    tags = [*own[: max(count - 1, 1)], *rotated]
    return tuple(dict.fromkeys(tags))[:count]


def _emoji(text: str, request: CaptionRequest, pick: _Picker, slot: int) -> str:
    if request.emoji_use is EmojiUse.NONE or not RULES[request.network].emoji:
        return text
    palette = _EMOJIS[request.tone]
    start = pick.index(len(palette), f"emoji:{slot}")
    count = 1 if request.emoji_use is EmojiUse.LIGHT else 2
    return f"{text} " + "".join(palette[(start + i) % len(palette)] for i in range(count))


def _slot(request: CaptionRequest, slot: int, topic: str, keywords: list[str], pick: _Picker) -> Suggestion:
    network = request.network
    caption = pick(_CAPTIONS[request.tone][slot], f"caption:{slot}").format(topic=topic)
    caption = caption[:1].upper() + caption[1:]
    hint = _hint(request.media_description, network) if slot == 1 else None
    ctas = _CTAS[network]
    cta = ctas[(pick.index(len(ctas), "cta") + slot) % len(ctas)]
    title = None
    if RULES[network].title_max_chars is not None:
        title = pick(_TITLES[slot], f"title:{slot}").format(topic=topic)
        title = title[:1].upper() + title[1:]
    tags = _hashtags(request, keywords, slot)
    for text in ((f"{caption} {hint}" if hint else caption), caption):
        suggestion = Suggestion(_emoji(text, request, pick, slot), cta, tags, title)
        try:
            return fit(suggestion, network)[0]
        except Unfit:
            continue  # too long with the hint: without it (then a shorter topic, below)
    raise Unfit("too_long")


def compose_captions(request: CaptionRequest) -> tuple[Suggestion, ...]:
    """Three different suggestions for ``request``'s network and tone, each within the network's rules."""
    pick = _Picker(request)
    topic = topic_of(request.brief, request.network)
    keywords = keywords_of(request.brief, request.network)
    suggestions = []
    for slot in range(SUGGESTIONS):
        words = topic.split()
        while True:
            try:
                suggestions.append(_slot(request, slot, " ".join(words), keywords, pick))
                break
            except Unfit:
                if len(words) <= 2:
                    suggestions.append(_slot(request, slot, GENERIC_TOPIC, [], pick))
                    break
                words = words[: len(words) // 2]
    return tuple(suggestions)
