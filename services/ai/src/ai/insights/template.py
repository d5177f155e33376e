"""The weekly review written by rules: the fallback when a model's text is not grounded (pure).

It states only numbers :func:`~ai.insight_facts.allowed_numbers` allows, each by the rule that
allows it: money as "USD 1,234.56" (exact, 2 places; a change as its absolute value after "up" or
"down"), the percentage change at 1 decimal, counts as they are, and the period as day, month name
and year. It computes nothing (no sums, shares or list lengths), so it passes the grounding check
for any facts (a property test holds it to that over random facts).

The review, in order: the period; revenue this week against the week before; what moved it, one
line per dimension that has movers (the mover that moved most in the direction of the week's
change, else the one that moved most); subscribers; and at most three next steps from the facts:
post more like the best-selling post, follow up with lapsed fans when more left than joined, look
into the source that fell most, share the best link again, give the best chatter more shifts.
Labels are quoted verbatim between curly quotes; a label of figures only is not quotable (its digits
would not be excused, :func:`~ai.insight_facts.quotable`) and is named "an unnamed <thing>".
"""

from __future__ import annotations

from ai.insights.facts import Mover, WeeklyFacts, major_units, quotable

MAX_STEPS = 3
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_DIMENSIONS = (
    ("by_source", "Source", "source"),
    ("by_segment", "Fan segment", "segment"),
    ("top_posts", "Post", "post"),
    ("top_links", "Link", "link"),
    ("top_media", "Media", "media item"),
    ("chatters", "Chatter", "chatter"),
)


def _money(facts: WeeklyFacts, cents: int) -> str:
    return f"{facts.currency} {major_units(cents):,.2f}"


def _name(mover: Mover, noun: str) -> str:
    return f"“{mover.label}”" if quotable(mover.label) else f"an unnamed {noun}"


def _period(facts: WeeklyFacts) -> str:
    start, end = facts.period_start, facts.period_end
    first = f"{start.day} {_MONTHS[start.month - 1]}"
    if start.year != end.year:
        first += f" {start.year}"
    return f"{first} to {end.day} {_MONTHS[end.month - 1]} {end.year}"


def _revenue(facts: WeeklyFacts) -> str:
    now, before = _money(facts, facts.revenue_cents), _money(facts, facts.previous_revenue_cents)
    if facts.change_cents == 0:
        return f"Revenue was {now}, the same as the week before."
    direction = "up" if facts.change_cents > 0 else "down"
    pct = f" ({abs(facts.change_pct):.1f}%)" if facts.change_pct is not None else ""
    return (
        f"Revenue was {now}, {direction} {_money(facts, abs(facts.change_cents))}{pct} from {before} the week before."
    )


def _mover(movers: tuple[Mover, ...], direction: int) -> Mover:
    """The mover that went most the week's way; else the one that moved most (ties: listed first)."""
    along = [m for m in movers if m.change_cents * direction > 0]
    pool = along or list(movers)
    return max(pool, key=lambda m: abs(m.change_cents))


def _moved(facts: WeeklyFacts, mover: Mover, noun: str) -> str:
    name, now = _name(mover, noun), _money(facts, mover.revenue_cents)
    if mover.change_cents == 0:
        return f"{name} held steady at {now}."
    verb = "rose" if mover.change_cents > 0 else "fell"
    return f"{name} {verb} the most, by {_money(facts, abs(mover.change_cents))} ({now} this week)."


def _what_moved(facts: WeeklyFacts) -> list[str]:
    direction = (facts.change_cents > 0) - (facts.change_cents < 0)
    lines = []
    for field, title, noun in _DIMENSIONS:
        movers: tuple[Mover, ...] = getattr(facts, field)
        if movers:
            lines.append(f"- {title}: {_moved(facts, _mover(movers, direction), noun)}")
    return lines


def _subscribers(facts: WeeklyFacts) -> str:
    new, left = facts.new_subscribers, facts.churned_subscribers
    return f"Subscribers: {new:,} new, {left:,} left."


def _best(movers: tuple[Mover, ...]) -> Mover | None:
    earning = [m for m in movers if m.revenue_cents > 0]
    return max(earning, key=lambda m: m.revenue_cents) if earning else None


def _next_steps(facts: WeeklyFacts) -> list[str]:
    steps: list[str] = []
    if post := _best(facts.top_posts):
        steps.append(f"Post more like {_name(post, 'post')}: it brought in {_money(facts, post.revenue_cents)}.")
    if facts.churned_subscribers > facts.new_subscribers:
        steps.append(
            f"Follow up with lapsed fans: {facts.churned_subscribers:,} left and {facts.new_subscribers:,} joined."
        )
    falling = [m for m in facts.by_source if m.change_cents < 0]
    if falling:
        source = min(falling, key=lambda m: m.change_cents)
        steps.append(f"Look into {_name(source, 'source')}: it fell by {_money(facts, abs(source.change_cents))}.")
    if link := _best(facts.top_links):
        steps.append(f"Share {_name(link, 'link')} again: it brought in {_money(facts, link.revenue_cents)}.")
    if chatter := _best(facts.chatters):
        steps.append(
            f"Give {_name(chatter, 'chatter')} more of the busy hours: "
            f"their chats brought in {_money(facts, chatter.revenue_cents)}."
        )
    return steps[:MAX_STEPS] or ["Keep your usual posting rhythm and check back next week."]


def write_weekly_review(facts: WeeklyFacts) -> str:
    """A short English review of the week, grounded by construction."""
    lines = [f"Your week, {_period(facts)}.", _revenue(facts)]
    moved = _what_moved(facts)
    lines += ["What moved it:", *moved] if moved else ["No breakdown by source, fans or content this week."]
    lines.append(_subscribers(facts))
    lines += ["Next steps:", *(f"- {step}" for step in _next_steps(facts))]
    return "\n".join(lines)
