"""Offline drafting: a deterministic, rule-based provider needing no network and no model.

It is the default provider when no OpenAI key is configured, so its drafts have to read as
replies a creator could approve as they are. A draft is built in five steps:

1. Intents. The fan's message is matched case-insensitively against keyword regexes
   (greeting, compliment, customs, price, content request, meetup, ...). A message can match
   several; the one listed first in ``Intent`` is answered, and a greeting or "how are you"
   is acknowledged in the opening sentence.
2. Boundaries. Each of the persona's boundaries ("no meetups", "no face pics") is reduced to
   its meaningful words; when the fan asks for something mentioning one of its specific words,
   the reply declines that kindly instead of agreeing.
3. History. If the creator greeted the fan in the last few lines, the reply does not greet
   again; if the fan raised the same topic before, the reply says so; and the reply never
   opens with the same sentence as the creator's last line.
4. Wording. Templates are chosen per intent and tone (professional: no pet names, no
   flirting). Every choice is made with a SHA-256 of the message id and a salt, so the same
   request always gives the same draft while different messages get varied wording.
5. Style. Emoji per ``persona.emoji_use`` (none, one, or two to three), then the signature.

Replies never quote a price (the creator sets prices), never promise money back and never say
they were written by software. Personas in other languages are answered in English.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ai.adapters.offline_occasions import compose_occasion
from ai.domain import Draft, DraftRequest, EmojiUse, HistoryLine, Speaker, Tone, first_name

MAX_CHARS = 400
_RECENT_LINES = 4
"""How far back a creator's greeting counts as "already greeted"."""
_MAX_ATTEMPTS = 6
"""Re-rolls allowed to avoid repeating the opening of the creator's last line."""


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


# --- wording ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    hellos: tuple[str, ...]
    how_are_you: tuple[str, ...]
    """Openings that answer a "how are you" when the message is mainly about something else."""
    pets: tuple[str, ...]
    emojis: tuple[str, ...]


_STYLES = {
    Tone.FRIENDLY: _Style(
        hellos=("Hey {name}!", "Hi {name}!", "Hey there, {name}!"),
        how_are_you=(
            "Hey {name}, I'm doing great, thanks for asking!",
            "Hi {name}, all good here!",
        ),
        pets=("",),
        emojis=("😊", "💕", "✨", "🌸"),
    ),
    Tone.FLIRTY: _Style(
        hellos=("Hey {name}!", "Well hello, {name}!", "Hi there, {name}!"),
        how_are_you=("Hey {name}, even better now that you're here!", "Hi {name}, I'm great now!"),
        pets=(", babe", ", love", ", hun"),
        emojis=("😘", "😏", "💋", "🔥", "😉"),
    ),
    Tone.PLAYFUL: _Style(
        hellos=("Heyyy {name}!", "Ooh hi {name}!", "Well well, {name}!"),
        how_are_you=("Heyyy {name}, doing awesome, thanks!", "Ooh hi {name}, all good over here!"),
        pets=(", cutie", ", trouble", ""),
        emojis=("😜", "🙈", "😆", "🎉", "😋"),
    ),
    Tone.PROFESSIONAL: _Style(
        hellos=("Hi {name}!", "Hello {name}!", "Hi there, {name}!"),
        how_are_you=("Hi {name}, I'm doing well, thank you!", "Hello {name}, all good, thanks."),
        pets=("",),
        emojis=("🙂", "✨", "🙏"),
    ),
}
_SOFT_EMOJIS = ("🙏", "💛", "🤗")
_SOFT_INTENTS = frozenset({Intent.COMPLAINT, Intent.SAD})
_FAREWELLS = frozenset({Intent.GOODNIGHT, Intent.GOODBYE})

_FOLLOW_UPS = {
    Intent.COMPLAINT: "Thanks for bearing with me on this, {name}.",
    Intent.CUSTOMS: "Still thinking about that custom, {name}?",
    Intent.PRICE: "I haven't forgotten what you asked, {name}.",
    Intent.CONTENT: "I haven't forgotten what you asked, {name}.",
    Intent.MEETUP: "I know you've asked before, {name}.",
    Intent.OFF_PLATFORM: "I know you've asked before, {name}.",
}

_ANY = "*"
_WORDINGS = """
[complaint]
I'm so sorry about that, I'll look into it right away and get back to you here.
Thank you for telling me, and I'm sorry it didn't go smoothly. I'll check what happened right away.
Oh no, I'm really sorry! Let me look into it and I'll follow up with you shortly.
[complaint/professional]
I'm sorry for the trouble and thank you for letting me know. I'll look into it and follow up here.
Thanks for flagging this, I'm sorry it wasn't as expected. I'll check what happened and reply here.
[meetup]
That's really sweet{pet}, but I don't meet up with fans in person. I love keeping our chats here!
I keep things on here and don't do meetups{pet}, but I'm always happy to chat with you right here.
Aww, I appreciate that{pet}, but meeting in person isn't something I do. I love our chats here!
[meetup/professional]
Thank you for the offer, but I don't meet fans in person. I'm always happy to chat with you here.
I appreciate it, but I don't do meetups. Let's keep our conversation here.
[off_platform]
I only chat on here{pet}, it's the one place I keep up with everyone. Message me here anytime!
I don't give out my number or other accounts{pet}, but I'm always right here for you.
I keep all my chats on this app{pet}, so this is the best place to reach me!
[off_platform/professional]
I keep all conversations on this platform, so this is the best place to reach me.
I don't share contact details or other accounts, but I'm happy to keep chatting here.
[sad]
I'm really sorry you're going through that{pet}. I'm here if you want to talk about it.
Sending you a big hug{pet}, you don't have to carry that alone. Want to tell me what's on your mind?
That sounds really hard{pet}, I'm glad you told me. I'm here to listen whenever you need.
[sad/professional]
I'm sorry to hear you're having a hard time. I'm here if you'd like to talk.
That sounds really difficult, thank you for sharing it with me. I'm here to listen.
[customs]
I'd love to make a custom for you{pet}! Tell me what you have in mind and I'll send you the price.
Customs are my favorite{pet}! Send me the details of what you'd like and I'll send you an offer.
Ooh, a custom just for you? Tell me your idea and I'll send you the price for it.
[customs/flirty]
Mmm, I love making customs{pet}! Tell me exactly what you want and I'll send you the price.
A custom just for you? I like the sound of that{pet}. Tell me your idea and I'll send you an offer.
[customs/professional]
I do offer custom content. Send me the details of what you'd like and I'll send you the price.
Happy to discuss a custom request. Tell me what you have in mind and I'll send you an offer.
[price]
Prices depend on what you're after{pet}, tell me what caught your eye and I'll send you the price.
Good question{pet}! Let me know which one you mean and I'll send you an offer.
I'll send you the price in a message{pet}, just tell me what you'd like to see.
[price/professional]
Pricing depends on the content. Let me know what you're interested in and I'll send you the details.
Thanks for asking! Tell me which content you mean and I'll send you an offer.
[content]
I've got new {media} coming very soon{pet}, I'll make sure you're the first to know!
You want more {media}? I'm working on something new right now{pet}, I'll send it your way soon.
I love that you want to see more{pet}! I'm putting together new {media} for you right now.
[content/flirty]
Mmm, you want to see more{pet}? I've got new {media} coming that I think you'll love.
I was hoping you'd ask{pet}. Fresh {media} is coming your way soon, keep an eye on your messages.
[content/playful]
Ooh, someone's eager{pet}! Fresh {media} coming your way very soon.
Patience{pet}, good things are coming! I'm working on new {media} right now.
[content/professional]
Thanks for your interest! I have new {media} in the works and I'll let you know when it's out.
I'm glad you're enjoying my page. I'll message you as soon as something new is ready.
[thanks]
Thank you so much for {thanks_for}{pet}, it really means a lot!
You're the best, thank you for {thanks_for}{pet}! I hope you love what's coming.
Aww, thank you for {thanks_for}{pet}, I really appreciate you!
[thanks/flirty]
Mmm, thank you for {thanks_for}{pet}, you know how to make me smile!
You spoil me{pet}, thank you for {thanks_for}!
[thanks/professional]
Thank you for {thanks_for}, I really appreciate your support.
Thanks so much for {thanks_for}! I hope you enjoy everything here.
[activity]
Just having a cozy day and planning some new content{pet}, what about you?
Today's been pretty chill{pet}, I've been working on a few new ideas. How's your day going?
Honestly just relaxing and catching up on messages like yours{pet}! What are you up to?
[activity/flirty]
Just relaxing and thinking about my next shoot{pet}. What are you up to?
Taking it easy today{pet}, and it just got better now that you're here. What about you?
[activity/playful]
Oh you know, snacks, music and way too many ideas{pet}! What are you up to?
Trying to be productive and failing a little{pet}, haha. How's your day?
[activity/professional]
Today I'm mostly working on new content. How has your day been?
It's been a productive day here, thanks for asking. What are you up to?
[goodnight]
Good night{pet}, sleep well and talk soon!
Sweet dreams{pet}, thanks for the chat!
Sleep tight{pet}, I'll be here when you wake up!
[goodnight/flirty]
Good night{pet}, dream of me!
Sweet dreams{pet}, I'll be thinking of you.
[goodnight/professional]
Good night, and thanks for the chat!
Have a good night, talk soon.
[goodbye]
Talk soon{pet}, have a great rest of your day!
Bye for now{pet}, thanks for stopping by!
Catch you later{pet}, I'll be right here!
[goodbye/professional]
Thanks for the chat, talk soon!
Have a great rest of your day!
[compliment]
Aww, thank you so much{pet}, that made my day!
You're too sweet{pet}, thank you! Messages like yours make me smile.
Aww, you calling me {adj} just made my day{pet}!
[compliment/flirty]
Mmm, you're making me blush{pet}! Keep talking like that.
You think I'm {adj}? Careful{pet}, you might make me blush.
You know exactly what to say{pet}, thank you!
[compliment/playful]
Stop it, you're making me blush{pet}! Thank you!
Me, {adj}? Haha, you're too much{pet}, thank you!
[compliment/professional]
Thank you, that's very kind of you!
Thank you so much, I really appreciate the kind words.
[question]
Ooh, {topic}? Good question{pet}, what made you curious about that?
I love that you asked about {topic}{pet}! Tell me your take first and I'll share mine.
Now you've got me thinking about {topic}{pet}! What about you?
Good question{pet}! Tell me a bit more and I'll answer properly.
[question/professional]
Good question about {topic}. I'm happy to share more, what would you like to know?
Thanks for asking about {topic}! Tell me a bit more about what you'd like to know.
Good question! Tell me a bit more and I'll answer properly.
[greeting]
So happy to see your message{pet}, how's your day going?
It's so nice to hear from you{pet}, what are you up to today?
You just made my day by messaging{pet}, how are things with you?
[greeting/professional]
Thanks for reaching out, how's your day going?
Nice to hear from you, how can I help today?
[how_are_you]
I'm doing really well, thanks for asking{pet}! How about you?
I'm good, even better now that you messaged{pet}! How are you doing?
All good on my end{pet}, how's your day going?
[how_are_you/professional]
I'm doing well, thank you for asking! How are you?
All good here, thanks! How has your day been?
[fallback]
I love hearing about {topic}{pet}, tell me more!
Thanks for telling me about {topic}{pet}, what else is on your mind?
Haha, {topic}! You always keep things interesting{pet}.
Haha, you always make me smile{pet}! What else is on your mind?
Love hearing from you{pet}, tell me more!
[fallback/professional]
Thanks for sharing that about {topic}! How's everything else going?
Thanks for your message about {topic}, it's always nice to hear from you.
Thanks for your message, it's always nice to hear from you.
[decline]
That's one thing I don't do{pet}, but {alternative}.
I'm going to pass on that one{pet}, it's one of my boundaries, but {alternative}.
That's a line I keep for myself{pet}, but {alternative}.
[decline/professional]
I'm afraid that's something I don't offer, but {alternative}.
That's outside of what I do, but {alternative}.
"""
"""One wording per line under ``[key]`` (any tone) or ``[key/tone]`` (that tone only).

Slots: {pet} (pet name or nothing), {media}, {thanks_for}, {adj}, {topic}, {alternative}."""


def _parse_wordings(text: str) -> dict[str, dict[str, tuple[str, ...]]]:
    table: dict[str, dict[str, list[str]]] = {}
    current: list[str] = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        if header := re.fullmatch(r"\[(\w+)(?:/(\w+))?\]", line):
            current = table.setdefault(header[1], {}).setdefault(header[2] or _ANY, [])
        else:
            current.append(line)
    return {key: {tone: tuple(texts) for tone, texts in by_tone.items()} for key, by_tone in table.items()}


_TEMPLATES = _parse_wordings(_WORDINGS)
_ALTERNATIVES = {
    Intent.CUSTOMS: ("I'd love to make you something else you'll enjoy",),
    Intent.CONTENT: ("there's plenty of other content here I think you'll love",),
    Intent.PRICE: ("I'd love to send you an offer on something else",),
}
_DEFAULT_ALTERNATIVE = ("I'm always happy to keep chatting with you here",)


# --- composition ------------------------------------------------------------------------


class _Picker:
    """Stable choices: SHA-256 of the message id, the attempt and a salt per decision."""

    def __init__(self, message_id: uuid.UUID, attempt: int) -> None:
        self._seed = f"{message_id}:{attempt}"

    def __call__(self, options: Sequence[str], salt: str) -> str:
        digest = hashlib.sha256(f"{self._seed}:{salt}".encode()).digest()
        return options[int.from_bytes(digest[:8], "big") % len(options)]


def _templates(key: str, tone: Tone, slots: dict[str, str]) -> list[str]:
    """The wordings for ``key`` in ``tone`` whose slots can be filled; topic-echoing ones first."""
    table = _TEMPLATES[key]
    options = table.get(tone.value, table[_ANY])
    usable = [t for t in options if all(s in slots for s in re.findall(r"\{(\w+)\}", t))]
    return [t for t in usable if "{topic}" in t] or usable


def _body(request: DraftRequest, analysis: _Analysis, pick: _Picker) -> str:
    tone, text = request.persona.tone, request.message
    main = analysis.main
    slots = {"pet": pick(_STYLES[tone].pets, "pet"), "media": _media(text)}
    slots["thanks_for"] = _thanks_for(text)
    if adjective := _ADJECTIVE.search(text):
        slots["adj"] = adjective.group(1).lower()
    if topic := _topic(_questions(text) if main is Intent.QUESTION else text):
        slots["topic"] = topic[:60]
    if analysis.decline:
        slots["alternative"] = pick(_ALTERNATIVES.get(main, _DEFAULT_ALTERNATIVE), "alternative")
        key = "decline"
    elif main is Intent.GREETING and analysis.how_are_you:
        key = "how_are_you"
    else:
        key = main.value
    return pick(_templates(key, tone, slots), "body").format(**slots)


def _opening(request: DraftRequest, analysis: _Analysis, name: str, pick: _Picker) -> str | None:
    """The first sentence, or None when the body should just address the fan by name."""
    style = _STYLES[request.persona.tone]
    if analysis.main in _FOLLOW_UPS and _fan_raised_before(request.history, analysis.main):
        return _FOLLOW_UPS[analysis.main].format(name=name)
    if analysis.main in _FAREWELLS or _creator_greeted_recently(request.history):
        return None
    if analysis.how_are_you and analysis.main is not Intent.GREETING:
        return pick(style.how_are_you, "opening").format(name=name)
    return pick(style.hellos, "opening").format(name=name)


def _address(name: str, body: str) -> str:
    """ "Jake, i'd…" is wrong, "Jake, I'd…" and "Jake, thank you…" are right."""
    head = body if re.match(r"I\b", body) else body[:1].lower() + body[1:]
    return f"{name}, {head}"


def _add_emoji(text: str, request: DraftRequest, main: Intent, pick: _Picker) -> str:
    use = request.persona.emoji_use
    if use is EmojiUse.NONE:
        return text
    palette = _SOFT_EMOJIS if main in _SOFT_INTENTS else _STYLES[request.persona.tone].emojis
    count = 1 if use is EmojiUse.LIGHT else 2 + int(pick(("0", "1"), "emoji-count"))
    start = palette.index(pick(palette, "emoji"))
    chosen = [palette[(start + i) % len(palette)] for i in range(count)]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    if len(sentences) > 1 and count > 1:
        sentences[0] += " " + chosen.pop(0)
    sentences[-1] += " " + "".join(chosen)
    return " ".join(sentences)


def _compose(request: DraftRequest, analysis: _Analysis, attempt: int) -> str:
    pick = _Picker(request.message_id, attempt)
    name = first_name(request.fan_name)[:24]
    body = _body(request, analysis, pick)
    opening = _opening(request, analysis, name, pick)
    text = f"{opening} {body}" if opening else _address(name, body)
    if extra := _standing_sentence(request, pick):
        text = f"{text} {extra}"
    if request.instruction and _SHORTER.search(request.instruction):
        text = _first_sentence(text) if opening is None else f"{opening} {_first_sentence(body)}"
    return _add_emoji(text, request, analysis.main, pick)


_SHORTER = re.compile(r"\b(short|shorter|brief|less)\b", re.IGNORECASE)
_STANDING_SENTENCES = {
    "whale": ("You're one of my absolute favourites, you know that?", "I always love hearing from you."),
    "new": ("Welcome to my page, so happy you're here!", "Welcome! So glad you joined me."),
    "expiring": (
        "Btw your sub ends {ends} — renew so we don't lose each other?",
        "Your sub runs out {ends}, stay with me?",
    ),
    "lapsed": ("I've missed you around here, come back?", "It's not the same without you here."),
}


def _standing_sentence(request: DraftRequest, pick: _Picker) -> str | None:
    """One sentence for who the fan is to the creator (expiring first: it is the one that can't wait)."""
    for standing in ("expiring", "whale", "new", "lapsed"):
        if standing in request.standing:
            return pick(_STANDING_SENTENCES[standing], "standing").format(ends=request.ends or "soon")
    return None


def compose_reply(request: DraftRequest) -> str:
    """The draft text for ``request``: deterministic, short, signed."""
    analysis = _analyse(request)
    previous = _last_creator_opening(request.history)
    text = _compose(request, analysis, 0)
    for attempt in range(1, _MAX_ATTEMPTS):
        if _normalise(_first_sentence(text)) != previous:
            break
        text = _compose(request, analysis, attempt)
    signature = (request.persona.signature or "").strip()
    if signature:
        text = f"{text}\n{signature[: max(MAX_CHARS - len(text) - 2, 0)]}".rstrip()
    return text


class OfflineProvider:
    """DraftingProvider that writes replies from rules and templates, without any network."""

    name = "offline"

    def __init__(self) -> None:
        """Nothing to configure: no key, no network, no model files."""

    async def draft(self, request: DraftRequest) -> Draft:
        text = compose_occasion(request) if request.occasion else compose_reply(request)
        return Draft(text=text, provider=self.name, model=None)
