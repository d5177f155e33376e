"""The pricing read model on PostgreSQL (rules: :mod:`ai.pricing.records`, :mod:`ai.pricing.review`).
Every write is idempotent; every read is one creator's, in one currency, since a given time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from huntaze_service.db import PlainSql

from ..pricing.review import OfferRow, PricingData, SubscriptionRow


class PricingStore(PlainSql):
    """Mixed into the ai repository: plain SQL on the unit of work's transaction."""

    # writes ------------------------------------------------------------------------------------------
    async def set_pricing_media(self, creator_id: uuid.UUID, media_id: uuid.UUID, kind: str) -> None:
        await self._rows(
            "INSERT INTO pricing_media (media_id, creator_id, kind) VALUES (%s, %s, %s) "
            "ON CONFLICT (media_id) DO UPDATE SET kind = EXCLUDED.kind",
            (media_id, creator_id, kind),
        )

    async def pricing_media_kinds(self, media_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self._rows("SELECT media_id, kind FROM pricing_media WHERE media_id = ANY(%s)", (list(media_ids),))
        return {r[0]: r[1] for r in rows}

    async def add_pricing_offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, fan_id: uuid.UUID, price_cents: int,
                                currency: str, kind: str, segment: str, offered_at: datetime, *,
                                unlocked_at: datetime | None, experiment_id: uuid.UUID | None = None) -> None:  # fmt: skip
        await self._rows(
            "INSERT INTO pricing_offers (offer_id, creator_id, fan_id, price_cents, currency, media_kind, segment, "
            "offered_at, unlocked_at, experiment_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (offer_id) DO UPDATE SET unlocked_at = COALESCE(pricing_offers.unlocked_at, "
            "EXCLUDED.unlocked_at), media_kind = CASE WHEN pricing_offers.media_kind = 'unknown' "
            "THEN EXCLUDED.media_kind ELSE pricing_offers.media_kind END, "
            "experiment_id = COALESCE(pricing_offers.experiment_id, EXCLUDED.experiment_id)",
            (offer_id, creator_id, fan_id, price_cents, currency, kind, segment, offered_at, unlocked_at,
             experiment_id),
        )  # fmt: skip

    async def add_pricing_tip(self, creator_id: uuid.UUID, transaction_id: uuid.UUID, gross_cents: int, currency: str,
                              occurred_at: datetime) -> None:  # fmt: skip
        await self._rows(
            "INSERT INTO pricing_tips (transaction_id, creator_id, gross_cents, currency, occurred_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (transaction_id, creator_id, gross_cents, currency, occurred_at),
        )

    async def upsert_pricing_subscription(self, creator_id: uuid.UUID, fan_id: uuid.UUID, started_at: datetime,
                                          price_cents: int, currency: str, *, via: bool | None, renewed: bool,
                                          expired: bool, started: bool) -> None:  # fmt: skip
        await self._rows(
            "INSERT INTO pricing_subscriptions (creator_id, fan_id, started_at, price_cents, currency, via_link, "
            "started, renewals, expired) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (creator_id, fan_id, started_at) DO UPDATE SET "
            "via_link = COALESCE(EXCLUDED.via_link, pricing_subscriptions.via_link), "
            "started = pricing_subscriptions.started OR EXCLUDED.started, "
            "price_cents = CASE WHEN EXCLUDED.started THEN EXCLUDED.price_cents ELSE pricing_subscriptions.price_cents END, "
            "renewals = pricing_subscriptions.renewals + EXCLUDED.renewals, "
            "expired = pricing_subscriptions.expired OR EXCLUDED.expired",
            (creator_id, fan_id, started_at, price_cents, currency, via, started, int(renewed), expired),
        )

    async def add_pricing_clicks(self, creator_id: uuid.UUID, day: date, clicks: int) -> None:
        await self._rows(
            "INSERT INTO pricing_clicks (creator_id, day, clicks) VALUES (%s, %s, %s) "
            "ON CONFLICT (creator_id, day) DO UPDATE SET clicks = pricing_clicks.clicks + EXCLUDED.clicks",
            (creator_id, day, clicks),
        )

    async def start_pricing_review(self, creator_id: uuid.UUID, now: datetime) -> bool:
        """True the first time for this creator (their daily review is to be scheduled)."""
        rows = await self._rows(
            "INSERT INTO pricing_reviews (creator_id, first_at) VALUES (%s, %s) ON CONFLICT DO NOTHING "
            "RETURNING creator_id",
            (creator_id, now),
        )
        return bool(rows)

    async def last_suggestions(self, creator_id: uuid.UUID) -> dict[str, tuple[int, str]]:
        rows = await self._rows(
            "SELECT scope_key, suggested_price_cents, currency FROM pricing_suggestions WHERE creator_id = %s",
            (creator_id,),
        )
        return {r[0]: (int(r[1]), r[2]) for r in rows}

    async def save_suggestion(self, creator_id: uuid.UUID, scope_key: str, price_cents: int, currency: str,
                              now: datetime) -> None:  # fmt: skip
        await self._rows(
            "INSERT INTO pricing_suggestions (scope_key, creator_id, suggested_price_cents, currency, suggested_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (scope_key) DO UPDATE SET "
            "suggested_price_cents = EXCLUDED.suggested_price_cents, currency = EXCLUDED.currency, "
            "suggested_at = EXCLUDED.suggested_at",
            (scope_key, creator_id, price_cents, currency, now),
        )

    # reads -------------------------------------------------------------------------------------------
    async def pricing_currency(self, creator_id: uuid.UUID, since: datetime) -> str | None:
        """The currency most of the creator's priced sales are in."""
        rows = await self._rows(
            "SELECT currency, sum(n) FROM ("
            " SELECT currency, count(*) AS n FROM pricing_offers WHERE creator_id = %(c)s AND offered_at >= %(s)s"
            " GROUP BY 1 UNION ALL"
            " SELECT currency, count(*) FROM pricing_subscriptions WHERE creator_id = %(c)s AND started_at >= %(s)s"
            " GROUP BY 1 UNION ALL"
            " SELECT currency, count(*) FROM pricing_tips WHERE creator_id = %(c)s AND occurred_at >= %(s)s GROUP BY 1"
            ") t GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            {"c": creator_id, "s": since},
        )
        return rows[0][0] if rows else None

    async def pricing_data(self, creator_id: uuid.UUID, currency: str, since: datetime, until: datetime) -> PricingData:
        params = {"c": creator_id, "cur": currency, "s": since, "u": until}
        offers = await self._rows(
            "SELECT segment, media_kind, price_cents, count(*), count(unlocked_at), max(offered_at) "
            "FROM pricing_offers WHERE creator_id = %(c)s AND currency = %(cur)s AND offered_at >= %(s)s "
            "AND offered_at < %(u)s GROUP BY 1, 2, 3",
            params,
        )
        tips = await self._rows(
            "SELECT gross_cents FROM pricing_tips WHERE creator_id = %(c)s AND currency = %(cur)s "
            "AND occurred_at >= %(s)s AND occurred_at < %(u)s",
            params,
        )
        subs = await self._rows(
            "SELECT started_at, price_cents, coalesce(via_link, false), renewals, expired FROM pricing_subscriptions "
            "WHERE creator_id = %(c)s AND currency = %(cur)s AND started AND started_at >= %(s)s "
            "AND started_at < %(u)s",
            params,
        )
        clicks = await self._rows(
            "SELECT day, clicks FROM pricing_clicks WHERE creator_id = %(c)s AND day >= %(s)s::date "
            "AND day < %(u)s::date",
            params,
        )
        return PricingData(
            currency=currency,
            since=since,
            until=until,
            offers=tuple(OfferRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in offers),
            tips=tuple(int(r[0]) for r in tips),
            subscriptions=tuple(SubscriptionRow(r[0], int(r[1]), bool(r[2]), int(r[3]), bool(r[4])) for r in subs),
            clicks={r[0]: int(r[1]) for r in clicks},
        )

    async def erase_pricing_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
        """The fan's identity leaves the pricing rows; the counts stay (they are the creator's sales)."""
        await self._rows("UPDATE pricing_offers SET fan_id = NULL WHERE creator_id = %s AND fan_id = %s",
                        (creator_id, fan_id))  # fmt: skip
        await self._rows(
            "UPDATE pricing_subscriptions SET fan_id = gen_random_uuid() WHERE creator_id = %s AND fan_id = %s",
            (creator_id, fan_id),
        )
