"""Grounding: every number in a weekly review must come from its facts (pure).

The model writes the review from :class:`~ai.insight_facts.WeeklyFacts` only, and is told so; this
module checks that it did before the text is returned, and falls back to the deterministic template
(:mod:`ai.insight_template`) when it did not (:func:`ground_or_fallback`).

What counts as a number (:func:`numbers_in`): everything a reader would read as one.

- Figures, with English thousands separators and decimals: "1,234.56", "0.5", ".99"; a currency
  symbol before them is part of the match ("$1,234.56", "€12"), a code is just a word ("USD 12").
- A sign not glued to a word ("-3", "−3", "+12"): "-3" is −3, which is allowed only when a fact is
  −3 (a minus is a claim); "+12" is 12, like "up 12" (direction words are not checked). A hyphen
  inside "2026-11-23" or "10-20" is not a sign.
- Percentages ("12.5%", "+12 %"): the figure; the set of allowed numbers does not tell kinds apart.
- Scales: "1.2k" → 1200, "3K" → 3000, "2.5M"/"2.5m" → 2500000, "5bn", "5 thousand", "2.5 million".
- Figures inside words and codes ("3rd" → 3, "promo2" → 2, "18:00" → 18 and 0, "2026-11-23" →
  2026, 11 and 23, "23 Nov" → 23): a figure is read wherever it is, so nothing hides in a token.
- Spelled-out numbers "zero" … "nineteen", "twenty" … "ninety", "hundred", "thousand", "million",
  "billion", "dozen", combined as a reader would: "twenty-five" → 25, "two hundred and five" → 205,
  "a dozen" → 12, "three thousand" → 3000. Plurals ("hundreds of fans") are vague, not numbers.
- Text is NFKC-normalised and stripped of invisible characters first ("１２", "1\u200b2" → 12).

The 0/1 policy. Digits "0" and "1" are numbers like any other: "1 new subscriber" is a claim and
must be a fact. The words "no" and "none" are never read ("no change" is negation, not a figure);
"zero" is. The word "one" is read, except as a pronoun: before "of" ("one of your links") or after
the, this, that, each, every, any, which, another ("the one that sold"), where it counts nothing.
Ordinal words ("first", "second"), "half", "twice" are not read.

Labels: a mover's label is untrusted text that may hold digits ("Top 10 pics", "promo2"). Before
numbers are read, every verbatim occurrence of a quotable label of the facts (one with a word that
is not a number, :func:`~ai.insight_facts.quotable`) is removed from the text, case-insensitively,
whitespace-tolerant, not inside a longer word; longest labels first. A paraphrased label keeps its
digits and fails the check. Limit: a label is quoted as it is, so a caption that itself reads
"revenue 99,999" could be quoted; the model is told labels are data, and the template quotes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ai.insights.facts import NUMBER_WORDS, WeeklyFacts, allowed_numbers, normalise, quotable
from ai.insights.template import write_weekly_review

_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_SCALES = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000, "hundred": 100, "thousand": 1_000}
_SCALES |= {"million": 1_000_000, "billion": 1_000_000_000}
_NUMBER = re.compile(
    rf"""
    (?P<sign>(?<![\w.,])[-+\u2212\u2013])?
    (?:[$€£¥₹]\s?)?
    (?P<figure>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|(?<!\d)\.\d+)
    (?:(?P<suffix>k|m|bn)(?![^\W_])|\s+(?P<scale>hundred|thousand|million|billion)\b)?
    (?:\s?%)?
    |
    (?P<words>
        (?:\ba\s+(?=(?:dozen|hundred|thousand|million|billion)\b))?
        \b(?:{_WORD})\b
        (?:(?:\s+and\s+|[\s-]+)(?:{_WORD})\b)*
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PRONOUN_BEFORE = re.compile(r"\b(?:the|this|that|each|every|any|which|another)\s+$", re.IGNORECASE)
_PRONOUN_AFTER = re.compile(r"\s+of\b", re.IGNORECASE)
_MINUS = "-\u2212\u2013"


@dataclass(frozen=True)
class Found:
    raw: str
    """As written (with its sign, symbol, scale and percent sign)."""
    value: Decimal


@dataclass(frozen=True)
class Grounding:
    ok: bool
    unsupported: list[str]
    """The numbers as written that no fact supports, in text order, each once."""


def _joins(word: str, total: int, current: int, previous: str) -> bool:
    """Whether ``word`` continues the number read so far, as in "twenty-five", "two hundred and five",
    "three thousand two hundred"; "five six" or "a dozen fifty" are two numbers."""
    value, rest = NUMBER_WORDS[word], current % 100
    if previous == "dozen" or word == "zero":
        return False
    if word in ("hundred", "dozen"):
        return 0 < current < 100
    if value >= 1_000:
        return current > 0
    after_scale = rest == 0 and (current > 0 or total > 0)
    if value < 10:
        return after_scale or (rest >= 20 and rest % 10 == 0)
    return after_scale


def _word_numbers(words: str) -> list[tuple[str, int]]:
    """A run of number words as the numbers a reader reads in it, each with its words."""
    numbers: list[tuple[str, int]] = []
    said: list[str] = []
    total = current = 0
    for word in re.findall(r"[a-z]+", words.casefold()):
        if word in ("a", "and"):
            continue
        if said and not _joins(word, total, current, said[-1]):
            numbers.append((" ".join(said), total + current))
            said, total, current = [], 0, 0
        said.append(word)
        value = NUMBER_WORDS[word]
        if word in ("hundred", "dozen"):
            current = (current or 1) * value
        elif value >= 1_000:
            total += (current or 1) * value
            current = 0
        else:
            current += value
    numbers.append((" ".join(said), total + current))
    return numbers


def _pronoun(text: str, match: re.Match[str]) -> bool:
    """ "one" counting nothing: "one of your links", "the one that sold"."""
    if match.group("words").casefold() != "one":
        return False
    before = text[max(0, match.start() - 12) : match.start()]
    return bool(_PRONOUN_AFTER.match(text, match.end()) or _PRONOUN_BEFORE.search(before))


def _without_labels(text: str, labels: list[str]) -> str:
    for label in sorted({normalise(label) for label in labels if quotable(label)}, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(part) for part in label.split())
        text = re.sub(rf"(?<!\w){pattern}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def numbers_in(text: str, labels: list[str] | None = None) -> list[Found]:
    """Every number a reader would read in ``text`` (rules in the module docstring), after removing the
    verbatim occurrences of ``labels`` that are quotable."""
    text = _without_labels(normalise(text), labels or [])
    found: list[Found] = []
    for match in _NUMBER.finditer(text):
        if match.group("words") is not None:
            if not _pronoun(text, match):
                numbers = _word_numbers(match.group("words"))
                if len(numbers) == 1:
                    numbers = [(match.group(0).strip(), numbers[0][1])]
                found += [Found(raw, Decimal(value)) for raw, value in numbers]
            continue
        value = Decimal(match.group("figure").replace(",", ""))
        scale = (match.group("suffix") or match.group("scale") or "").casefold()
        value *= _SCALES.get(scale, 1)
        if match.group("sign") and match.group("sign") in _MINUS:
            value = -value
        found.append(Found(match.group(0).strip(), value))
    return found


def check(text: str, facts: WeeklyFacts) -> Grounding:
    """ok when every number in ``text`` is one :func:`~ai.insight_facts.allowed_numbers` allows."""
    allowed = allowed_numbers(facts)
    unsupported: list[str] = []
    for number in numbers_in(text, [mover.label for mover in facts.movers]):
        if number.value not in allowed and number.raw not in unsupported:
            unsupported.append(number.raw)
    return Grounding(ok=not unsupported, unsupported=unsupported)


FALLBACK_NOTE = "Your weekly review could not be written this week; the figures are on your analytics dashboard."
"""Last resort, number-free: only if the template itself failed the check (a bug its tests rule out)."""


def ground_or_fallback(text: str, facts: WeeklyFacts) -> tuple[str, Literal["model", "template"], list[str]]:
    """The model's text when it is grounded (and not blank); otherwise the template's review, with the
    numbers that failed. No number outside the facts survives either way."""
    grounding = check(text, facts)
    if grounding.ok and text.strip():
        return text, "model", []
    review = write_weekly_review(facts)
    return (review if check(review, facts).ok else FALLBACK_NOTE), "template", grounding.unsupported
