"""The offline provider's wording (step 4 of :mod:`.offline`): styles per tone, follow-ups, and the
templates per intent and tone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ai.adapters.offline_reading import Intent
from ai.domain import Tone

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
