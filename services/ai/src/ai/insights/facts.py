"""The facts a weekly insight is written from, and the numbers its text may state (pure).

:class:`WeeklyFacts` is everything the writer (the LLM provider, the offline one, or the template)
is told about a creator's week: revenue against the week before, the movers per dimension (sources,
fan segments, posts, links, media, chatters) and subscriber counts. Money is integer minor units of
one currency. Labels are untrusted text (a caption excerpt, a chatter's name), whitespace-collapsed
so a text can quote them verbatim.

:func:`allowed_numbers` is the whitelist the grounding check (:mod:`ai.grounding`) holds a written
text to. A number is allowed only when ONE documented rule derives it from ONE fact:

- a count (new, churned subscribers): the integer itself;
- money (every ``*_cents`` field, of the week and of each mover): the exact value in major units at
  2 places (123456 → 1234.56) and that value rounded half-up to whole units (→ 1235; 1234 is NOT
  allowed: "about 1,234" would be a truncation, not a rounding), each also as its absolute value so
  a text may say "down 120.50" for a change of −12050;
- the percentage change: at 1 decimal (12.4) and rounded half-up to a whole (12; 13 is not
  allowed), each also as its absolute value;
- the period: year, month number and day of month of its first and last dates.

Nothing else: no sums, differences or shares the writer would compute itself, no list lengths
("your 3 top posts"), no week length ("7 days"). The check proves that every number comes from a
fact, not that it is attached to the right one: that would need reading the sentence's meaning.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_MOVERS = 10
"""Movers per dimension: the facts are a prompt, kept short."""
MAX_LABEL = 100

NUMBER_WORDS: dict[str, int] = {
    **dict(
        zip(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen".split(),
            range(20),
            strict=True,
        )
    ),
    **dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True)),
    "fourty": 40,
    "dozen": 12,
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
"""Spelled-out numbers a reader reads as numbers (their values); see :mod:`ai.grounding`."""
_NOT_A_NAME = {*NUMBER_WORDS, "a", "and", "k", "m", "bn"}
_LETTERS = re.compile(r"[^\W\d_]+")


def normalise(text: str) -> str:
    """NFKC (full-width and superscript digits become plain ones) and invisible characters removed,
    so a number cannot hide as "１２" or "1\u200b2"; applied alike to texts and to labels."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def quotable(label: str) -> bool:
    """Whether a text may quote ``label`` with the digits in it excused: it must hold a word that is not a
    number ("Top 10 pics", "promo2"). A label of figures or number words only ("2026", "ten", "1.5k")
    would excuse that number anywhere in the text, so it is never excused (nor written by the template)."""
    return any(word not in _NOT_A_NAME for word in _LETTERS.findall(normalise(label).casefold()))


def pct_change(current_cents: int, previous_cents: int) -> float | None:
    """The week-on-week change in percent at 1 decimal (half-up), None when there was nothing before:
    the one rule :attr:`WeeklyFacts.change_pct` must follow."""
    if previous_cents == 0:
        return None
    ratio = Decimal(current_cents - previous_cents) * 100 / Decimal(abs(previous_cents))
    return float(ratio.quantize(Decimal("0.1"), ROUND_HALF_UP))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Mover(_Frozen):
    """One source, segment, post, link, media item or chatter, and its revenue this week and last."""

    label: str = Field(min_length=1, max_length=MAX_LABEL)
    """Untrusted text (a caption excerpt, a link's name, a chatter's name): data, never instructions."""
    revenue_cents: int
    previous_revenue_cents: int
    change_cents: int

    @field_validator("label", mode="before")
    @classmethod
    def _collapse(cls, value: object) -> object:
        return " ".join(normalise(value).split()) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Mover:
        if self.change_cents != self.revenue_cents - self.previous_revenue_cents:
            raise ValueError("change_cents must be revenue_cents - previous_revenue_cents")
        return self


class WeeklyFacts(_Frozen):
    """A creator's week as the analytics read models saw it: the only numbers a review may state."""

    creator_id: UUID
    period_start: date
    period_end: date
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    revenue_cents: int
    previous_revenue_cents: int
    change_cents: int
    change_pct: float | None = Field(default=None, allow_inf_nan=False)
    """:func:`pct_change` of the two revenues (None when the week before had none)."""
    by_source: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    by_segment: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    top_posts: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    top_links: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    top_media: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    chatters: tuple[Mover, ...] = Field(default=(), max_length=MAX_MOVERS)
    new_subscribers: int = Field(ge=0)
    churned_subscribers: int = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> WeeklyFacts:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.change_cents != self.revenue_cents - self.previous_revenue_cents:
            raise ValueError("change_cents must be revenue_cents - previous_revenue_cents")
        if self.change_pct != pct_change(self.revenue_cents, self.previous_revenue_cents):
            raise ValueError("change_pct must be pct_change(revenue_cents, previous_revenue_cents)")
        return self

    @property
    def movers(self) -> tuple[Mover, ...]:
        return self.by_source + self.by_segment + self.top_posts + self.top_links + self.top_media + self.chatters


def major_units(cents: int) -> Decimal:
    """Minor units as the exact major-unit amount at 2 places (123456 → 1234.56)."""
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def _money_forms(cents: int) -> set[Decimal]:
    exact = major_units(cents)
    whole = exact.quantize(Decimal(1), ROUND_HALF_UP)
    return {exact, abs(exact), whole, abs(whole)}


def _percent_forms(pct: float) -> set[Decimal]:
    one_decimal = Decimal(format(pct, ".1f"))
    whole = one_decimal.quantize(Decimal(1), ROUND_HALF_UP)
    return {one_decimal, abs(one_decimal), whole, abs(whole)}


def allowed_numbers(facts: WeeklyFacts) -> frozenset[Decimal]:
    """Every number a text about ``facts`` may state (the rules are in the module docstring)."""
    allowed: set[Decimal] = {Decimal(facts.new_subscribers), Decimal(facts.churned_subscribers)}
    cents = [facts.revenue_cents, facts.previous_revenue_cents, facts.change_cents]
    for mover in facts.movers:
        cents += [mover.revenue_cents, mover.previous_revenue_cents, mover.change_cents]
    for amount in cents:
        allowed |= _money_forms(amount)
    if facts.change_pct is not None:
        allowed |= _percent_forms(facts.change_pct)
    for day in (facts.period_start, facts.period_end):
        allowed |= {Decimal(day.year), Decimal(day.month), Decimal(day.day)}
    return frozenset(allowed)
