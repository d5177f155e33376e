"""Restricted words: nothing leaves Huntaze for a fan with a term OnlyFans' acceptable use policy
forbids, or one the creator added to their own list (pure; the use cases apply it).

Text and terms are compared normalised — Unicode NFKC, case-folded, every run of non-letters and
non-digits one space — on whole words, so ``Cash-App``, ``CASHAPP`` and ``cash app`` are caught while
``minority`` is not ``minor``. The default list is deliberately small and explainable: categories of
the policy (off-platform payment or contact, minors, non-consent, banned content), each term a word
or a phrase; a creator's own list comes on top of it, never instead of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

DEFAULT_RESTRICTED: dict[str, tuple[str, ...]] = {
    "off-platform payment": ("cashapp", "cash app", "venmo", "paypal", "zelle", "western union", "gift card"),
    "off-platform contact": ("snapchat", "telegram", "whatsapp", "kik", "my number"),
    "minors": ("underage", "minor", "teen", "schoolgirl", "jailbait", "lolita"),
    "non-consent": ("rape", "non consent", "nonconsent", "drugged", "unconscious"),
    "banned content": ("incest", "bestiality", "necrophilia", "blood play", "scat"),
    "in-person services": ("escort", "meet up", "meetup", "in person"),
}
"""Category → terms (normalised form). Shown by ``GET /v1/inbox/restricted-words``."""

MAX_OWN_WORDS = 200
MAX_WORD_CHARS = 60

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def default_terms() -> tuple[str, ...]:
    return tuple(term for terms in DEFAULT_RESTRICTED.values() for term in terms)


def find_restricted(text: str, own: Iterable[str] = ()) -> str | None:
    """The first restricted term in ``text`` (the default list, then the creator's), or None."""
    haystack = f" {normalise(text)} "
    for term in (*default_terms(), *own):
        needle = normalise(term)
        if needle and f" {needle} " in haystack:
            return term
    return None


def clean_words(words: Iterable[str]) -> list[str]:
    """A creator's list as stored: normalised, without blanks and duplicates, in the given order."""
    return list(dict.fromkeys(n for w in words if (n := normalise(w))))


class RestrictedText(Exception):
    """An outgoing text holds a restricted term: it is refused, never sent."""

    def __init__(self, term: str) -> None:
        super().__init__(f"the text contains the restricted term {term!r}")
        self.term = term
