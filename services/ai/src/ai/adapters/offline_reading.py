"""The offline provider's reading of a fan's message (steps 1–3 of :mod:`.offline`): its intents, the
persona's boundaries it touches, its topic, and what the conversation so far says (a greeting already
given, a topic raised before, the creator's last opening)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ai.domain import DraftRequest, HistoryLine, Speaker

_RECENT_LINES = 4
"""How far back a creator's greeting counts as "already greeted"."""


class Intent(Enum):
    """What a fan's message is about, in priority order: the first one found is answered."""

    COMPLAINT = "complaint"
    MEETUP = "meetup"
    OFF_PLATFORM = "off_platform"
    SAD = "sad"
    CUSTOMS = "customs"
    PRICE = "price"
    CONTENT = "content"
    THANKS = "thanks"
    ACTIVITY = "activity"
    GOODNIGHT = "goodnight"
    GOODBYE = "goodbye"
    COMPLIMENT = "compliment"
    QUESTION = "question"
    GREETING = "greeting"
    FALLBACK = "fallback"


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


_PICS = r"\b(?:pics?|photos?|pictures?|selfies?|images?|nudes?)\b"
_VIDEOS = r"\b(?:videos?|vids?|clips?)\b"

_PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.COMPLAINT: _rx(
        r"\b(?:didn'?t|did not|haven'?t|have not|never|not) (?:get|got|receive|received|arrive"
        r"|arrived|come through|load|work|open)\b",
        r"\brefund",
        r"\bmoney back\b",
        r"\bscam",
        r"\brip ?off\b",
        r"\bunhappy\b",
        r"\bdisappointed\b",
        r"\bnot happy\b",
        r"\bwaste of (?:money|time)\b",
        r"\bcharged (?:me )?twice\b",
        r"\b(?:doesn'?t|does not|won'?t|can'?t) (?:work|load|play|open)\b",
        r"\bbroken\b",
        r"\bstill waiting\b",
        r"\bwhere(?:'s| is) (?:my|the) (?:video|pic|content|custom|order|purchase|stuff)",
    ),
    Intent.MEETUP: _rx(
        r"\bmeet(?:ing)?(?: ?ups?| you| u| irl| in person| sometime)\b",
        r"\bin person\b",
        r"\b(?:can|could|should|let'?s|wanna|want to) (?:we )?meet\b",
        r"\birl\b",
        r"\bhang ?out\b",
        r"\bon a date\b",
        r"\btake you (?:out|to dinner)\b",
        r"\bgrab (?:a )?(?:drink|coffee|dinner|bite)\b",
        r"\bwhere do you live\b",
        r"\b(?:your|ur) address\b",
        r"\bvisit you\b",
        r"\bcome over\b",
    ),
    Intent.OFF_PLATFORM: _rx(
        r"\bsnap(?:chat)?\b",
        r"\bphone (?:number|#)",
        r"\b(?:your|ur) (?:phone|number|digits|cell)\b",
        r"\bwhats ?app\b",
        r"\btelegram\b",
        r"\binsta(?:gram)?\b",
        r"\b(?:kik|discord|skype|facetime|signal|email)\b",
        r"\b(?:text|call) (?:you|me)\b",
        r"\b(?:cash ?app|venmo|paypal|zelle)\b",
    ),
    Intent.SAD: _rx(
        r"\b(?:sad|lonely|depressed|heartbroken|miserable|anxious|stressed|crying)\b",
        r"\bfeel(?:ing)? (?:so |really |very )?(?:down|low|alone|awful|terrible|bad|empty)\b",
        r"\b(?:rough|bad|hard|tough|awful|terrible|shitty) (?:day|week|night|time)\b",
        r"\bbroke up\b",
        r"\b(?:passed away|died|funeral|grieving|in (?:the )?hospital)\b",
        r"\b(?:no ?one|nobody) cares\b",
        r"\blost my (?:job|dog|cat|mom|dad|mother|father|friend)\b",
    ),
    Intent.CUSTOMS: _rx(
        r"\bcustoms?\b",
        r"\bpersonali[sz]ed\b",
        r"\bmade (?:just )?for me\b",
        r"\bspecial request\b",
        r"\bwith my name\b",
        r"\bmake (?:me )?(?:a|an|some) (?:video|vid|clip|pic|photo|set)\b",
    ),
    Intent.PRICE: _rx(
        r"\bhow much\b",
        r"\bprices?\b",
        r"\bpricing\b",
        r"\bcosts?\b",
        r"\bcharge\b",
        r"\brates\b",
        r"\bppv\b",
        r"\bunlock\b",
        r"\bpay (?:for|to)\b",
    ),
    Intent.CONTENT: _rx(
        r"\b(?:send|show|share|post|drop)\b(?:\W+\w+){0,4}?\W+(?:pics?|photos?|pictures?|selfies?"
        r"|videos?|vids?|clips?|content|more|something)\b",
        r"\bnew (?:content|pics?|photos?|videos?|vids?|posts?|sets?|stuff)\b",
        r"\b(?:anything|something) new\b",
        r"\bmore (?:pics?|photos?|videos?|vids?|content)\b",
        r"\b(?:can|could|may) i (?:see|get|have)\b",
        r"\b(?:want|wanna|dying|love) to see\b",
        r"\bwanna see\b",
    ),
    Intent.THANKS: _rx(
        r"\btip(?:ped|s)?\b",
        r"\b(?:subscribed|subbed|resubbed|renewed|joined)\b",
        r"\bjust (?:bought|purchased|unlocked)\b",
        r"\bnew (?:sub|subscriber|fan) here\b",
        r"\b(?:bought|purchased|unlocked) (?:your|the|it|that)\b",
        r"\bsent you (?:a |some )?(?:tip|something|money)\b",
    ),
    Intent.ACTIVITY: _rx(
        r"\bw(?:hat|hatcha|ut) (?:are|r) (?:you|u|ya) (?:up to|doing)\b",
        r"\bwhat(?:'re| are) you (?:up to|doing)\b",
        r"\bwhatcha doing\b",
        r"\bwyd\b",
        r"\bhow(?:'s| is| was) (?:your|ur) (?:day|weekend|night|morning|evening|week|shoot)\b",
        r"\bplans (?:for )?(?:today|tonight|this weekend)\b",
        r"\bwhat did you do\b",
    ),
    Intent.GOODNIGHT: _rx(
        r"\bgood ?night\b",
        r"\bnight night\b",
        r"\bgn\b",
        r"\bsweet dreams\b",
        r"\b(?:going|off|heading) to (?:bed|sleep)\b",
        r"\bsleep (?:well|tight)\b",
    ),
    Intent.GOODBYE: _rx(
        r"\b(?:good)?bye+\b",
        r"\bsee (?:you|ya|u) (?:later|soon|tomorrow)\b",
        r"\btalk (?:to (?:you|u) )?(?:later|soon|tomorrow)\b",
        r"\bttyl\b",
        r"\b(?:gotta|have to) go\b",
        r"\bcatch you later\b",
    ),
    Intent.COMPLIMENT: _rx(
        r"\b(?:beautiful|gorgeous|stunning|sexy|breathtaking|goddess)\b",
        r"\b(?:you(?:'re| are)?|ur|u r|such an?) (?:so |really |very )?(?:pretty|hot|cute"
        r"|adorable|amazing|lovely|perfect|incredible|angel)\b",
        r"\byou look\b",
        r"\bobsessed with you\b",
        r"\bcrush on you\b",
        r"\blove (?:your|ur) (?:body|smile|eyes|hair|content|pics|videos|page|vibe)\b",
    ),
    Intent.GREETING: _rx(
        r"^\W*(?:hi+|hey+|heya|hiya|hello+|yo|howdy|sup|hola|morning|evening)\b",
        r"\bgood (?:morning|afternoon|evening)\b",
        r"\bwhat'?s up\b",
    ),
}
_HOW_ARE_YOU = _rx(
    r"\bhow (?:are|r) (?:you|u|ya)\b",
    r"\bhow(?:'s| is) it going\b",
    r"\bhow have you been\b",
    r"\bhope you(?:'re| are) (?:well|good|doing well)\b",
)
_CREATOR_GREETING = _rx(r"^\W*(?:hi+|hey+|heya|hiya|hello+|howdy|good (?:morning|afternoon|evening))\b")
_POLITE_MEET = _rx(r"\b(?:nice|great|good|lovely|pleasure|glad) to meet you\b")
_ADJECTIVE = _rx(r"\b(beautiful|gorgeous|stunning|sexy|pretty|hot|cute|adorable|amazing|lovely)\b")
_REQUEST = _rx(
    r"\b(?:can|could|will|would) (?:you|u|i|we)\b",
    r"\bplease\b",
    r"\bi (?:want|need)\b",
    r"\bwanna\b",
    r"\b(?:send|show)\b",
    r"\blet'?s\b",
    r"\bdo you do\b",
)

_REQUEST_INTENTS = frozenset({Intent.CUSTOMS, Intent.PRICE, Intent.CONTENT, Intent.QUESTION})
_NO_BOUNDARY_REPLY = frozenset({Intent.COMPLAINT, Intent.SAD, Intent.MEETUP, Intent.OFF_PLATFORM})

# --- boundaries -------------------------------------------------------------------------

_BOUNDARY_FILLER = frozenset(
    "no not never don't dont do does won't wont will i me my any anything with for of the a an to"
    " in on or and please ever doing sending send giving give sharing share showing show offer"
    " offering fans fan people anyone someone allowed".split()
)
_ALIASES = {
    "meetups": "meet",
    "meetup": "meet",
    "meeting": "meet",
    "meetings": "meet",
    "meets": "meet",
    "date": "meet",
    "dates": "meet",
    "irl": "meet",
    "pics": "pic",
    "photo": "pic",
    "photos": "pic",
    "picture": "pic",
    "pictures": "pic",
    "selfies": "pic",
    "images": "pic",
    "videos": "video",
    "vids": "video",
    "vid": "video",
    "clips": "video",
    "calls": "call",
    "number": "phone",
    "numbers": "phone",
    "texting": "phone",
    "faces": "face",
    "foot": "feet",
    "customs": "custom",
    "snap": "snapchat",
    "socials": "social",
}
_CONCEPTS = {
    "meet": _PATTERNS[Intent.MEETUP],
    "pic": _rx(_PICS),
    "video": _rx(_VIDEOS),
    "call": _rx(r"\b(?:call|calls|calling|facetime|video chat)\b"),
    "phone": _rx(r"\b(?:phone|number|digits|cell|text (?:you|me))\b"),
    "feet": _rx(r"\b(?:feet|foot|toes?)\b"),
    "snapchat": _PATTERNS[Intent.OFF_PLATFORM],
    "social": _PATTERNS[Intent.OFF_PLATFORM],
}
_WEAK_WORDS = frozenset({"pic", "video", "content", "stuff", "thing", "things"})
"""Too generic to trigger a boundary alone: "no face pics" must not refuse every pic."""


def _boundary_patterns(boundary: str) -> list[re.Pattern[str]]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", boundary)]
    meaningful = [_ALIASES.get(w, w) for w in words if w not in _BOUNDARY_FILLER]
    strong = [w for w in meaningful if w not in _WEAK_WORDS] or meaningful
    stems = [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in strong]
    return [_CONCEPTS.get(w) or re.compile(rf"\b{re.escape(w)}", re.IGNORECASE) for w in stems]


def _breaks_boundary(message: str, boundaries: Sequence[str]) -> bool:
    return any(p.search(message) for b in boundaries for p in _boundary_patterns(b))


# --- analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    main: Intent
    how_are_you: bool
    decline: bool
    """A boundary is at stake: decline kindly instead of answering ``main`` as usual."""


def detect_intents(message: str) -> list[Intent]:
    """Every intent found in ``message``, most important first; never empty."""
    text = _POLITE_MEET.sub(" ", message)
    found = [intent for intent, pattern in _PATTERNS.items() if pattern.search(text)]
    if _HOW_ARE_YOU.search(text) and Intent.GREETING not in found:
        found.append(Intent.GREETING)
    if _questions(text) and set(found) <= {Intent.GREETING}:
        found.append(Intent.QUESTION)
    order = list(Intent)
    return sorted(found, key=order.index) or [Intent.FALLBACK]


def _questions(text: str) -> str:
    """The question sentences of ``text``, leaving out a mere "how are you?"."""
    sentences = re.findall(r"[^.!?]*\?", text)
    return " ".join(s for s in sentences if not _HOW_ARE_YOU.search(s)).strip()


def _analyse(request: DraftRequest) -> _Analysis:
    text = _POLITE_MEET.sub(" ", request.message)
    main = detect_intents(text)[0]
    asks = main in _REQUEST_INTENTS or bool(_REQUEST.search(text))
    decline = main not in _NO_BOUNDARY_REPLY and asks and _breaks_boundary(text, request.persona.boundaries)
    return _Analysis(main=main, how_are_you=bool(_HOW_ARE_YOU.search(text)), decline=decline)


_STOPWORDS = frozenset(
    """a about after again all also am an and any anything are as ask asked at be been being but
    by can come could did do does doing don't dont ever feel for from get go going gonna got gotta
    guess had has have having he her here hers him his how i i'd i'll i'm i've if in into is it it's
    its just kind know let let's like lol lmao haha hahaha hehe look lot love make maybe me mean
    might more much must my myself never no not now of oh ok okay on one or our out really right
    said same say see she should so some something sort still such take talk tell than thanks thank
    that that's the their them then there these they thing things think this those to today
    tomorrow tonight too try u ur up us very want wanna was we well went were what what's whats
    when where which while who why will with wonder would yeah yes yet you you're your yours ya yep
    hey hi hello babe baby please bit actually literally real good bad great nice fine cool hot
    cold tired bored busy happy""".split()
)
_PHRASE_PREFIX = {"my": "your", "your": "my", "ur": "my", "our": "our", "the": "the", "a": "a"}


def _topic(text: str) -> str | None:
    """The key phrase of ``text`` to echo, from the creator's side: "your movie" → "my movie"."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'-]*", text.lower() if text.isupper() else text)
    phrases: list[list[str]] = []
    current: list[str] = []
    previous = ""
    for index, token in enumerate(tokens):
        lower = token.lower()
        if lower in _STOPWORDS or len(lower) < 3:
            if current:
                phrases.append(current)
                current = []
        elif len(current) < 3:
            if not current and previous in _PHRASE_PREFIX:
                current.append(_PHRASE_PREFIX[previous])
            current.append(lower if index == 0 else token[:20])
        previous = lower
    if current:
        phrases.append(current)
    # A phrase led by "the/my/your/a" is most likely the thing talked about; then the longest.
    best = max(phrases, key=lambda p: (p[0] in _PHRASE_PREFIX.values(), len(p)), default=None)
    return " ".join(best) if best else None


def _media(text: str) -> str:
    """What the fan wants more of: "pics", "videos", "pics and videos" or "content"."""
    kinds = {"pics": _PICS, "videos": _VIDEOS}
    found = [kind for kind, pattern in kinds.items() if re.search(pattern, text, re.IGNORECASE)]
    return " and ".join(found) or "content"


def _thanks_for(text: str) -> str:
    lowered = text.lower()
    if re.search(r"\btip", lowered):
        return "the tip"
    if re.search(r"\b(?:subscribed|subbed|resubbed|renewed|joined|new (?:sub|fan))", lowered):
        return "subscribing"
    if re.search(r"\b(?:bought|purchased|unlocked)\b", lowered):
        return "unlocking that"
    return "your support"


# --- history ----------------------------------------------------------------------------


def _creator_greeted_recently(history: Sequence[HistoryLine]) -> bool:
    recent = history[-_RECENT_LINES:]
    return any(line.speaker is Speaker.CREATOR and _CREATOR_GREETING.search(line.text) for line in recent)


def _fan_raised_before(history: Sequence[HistoryLine], intent: Intent) -> bool:
    return any(line.speaker is Speaker.FAN and intent in detect_intents(line.text) for line in history)


def _normalise(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", sentence.lower()))


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def _last_creator_opening(history: Sequence[HistoryLine]) -> str | None:
    said = [line.text for line in history if line.speaker is Speaker.CREATOR]
    return _normalise(_first_sentence(said[-1])) if said else None
