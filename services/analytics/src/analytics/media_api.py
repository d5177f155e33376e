"""HTTP API of the media ROI: ``GET /v1/analytics/media`` — per vault item, what its offers sold, to
whom (the fans' segments at offer time) and at which price. Every figure is defined in
:mod:`.media_roi`; the read models and the order-independence in :mod:`.media`.

``from``/``to`` are read like the other reports' (ISO dates or datetimes, local to ``tz``; default the
last 30 days up to the end of today), at most 366 days apart; the offers counted are those sent in
[from, to). Bad parameters answer 422.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep
from huntaze_service.pagination import Cursor, decode_cursor, encode_cursor

from . import media
from .api import From, To, Tz, answerable
from .media_roi import SPLIT_RULE, Figures, MediaRow, Position
from .reports import Window
from .timegrid import resolve_range, zone

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

MAX_RANGE = timedelta(days=366)
OptionalCurrency = Annotated[
    str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code: only offers priced in it (default: all).")
]
PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page (1-200).")]


class FiguresOut(BaseModel):
    offers: int = Field(description="Offers sent in the window (a bundle offer counts for each of its items).")
    unlocks: int = Field(description="Those of them unlocked (whenever).")
    unlock_rate: float | None = Field(description="unlocks ÷ offers, 4 decimals (None: no offer).")
    gross_cents: int = Field(description="Unlocks less the refunds and chargebacks naming the offers, minor units.")
    net_cents: int

    @staticmethod
    def fields(f: Figures) -> dict[str, int | float | None]:
        return {
            "offers": f.offers,
            "unlocks": f.unlocks,
            "unlock_rate": f.unlock_rate,
            "gross_cents": f.gross_cents,
            "net_cents": f.net_cents,
        }


class PerOfferOut(FiguresOut):
    gross_per_offer_cents: int | None = Field(description="gross ÷ offers, rounded half away from zero.")
    net_per_offer_cents: int | None

    @staticmethod
    def fields(f: Figures) -> dict[str, int | float | None]:
        return {
            **FiguresOut.fields(f),
            "gross_per_offer_cents": f.gross_per_offer_cents,
            "net_per_offer_cents": f.net_per_offer_cents,
        }


class SegmentOut(FiguresOut):
    segment: str | None = Field(description="`whales`, `custom:<id>`, …; None: the fan was in no segment.")
    name: str | None = Field(description="The segment's display name, when known.")


class PriceOut(PerOfferOut):
    price_cents: int = Field(description="The offer's price (a bundle's: the whole bundle's).")
    bundle_of: int = Field(description="How many media the offer held (1: this item alone).")


class MediaItemOut(PerOfferOut):
    media_id: uuid.UUID
    currency: str
    known: bool = Field(description="Whether the vault described it (media.uploaded / media.updated).")
    title: str | None
    kind: str | None
    tags: list[str]
    deleted: bool
    bundle_offers: int = Field(description="Offers of it that were bundles (their revenue split, see split_rule).")
    by_segment: list[SegmentOut] = Field(description="Segments overlap: these may add up to more than the item.")
    by_price: list[PriceOut] = Field(description="By price point, cheapest first.")

    @classmethod
    def of(cls, r: MediaRow) -> MediaItemOut:
        info = r.info
        return cls(
            media_id=r.media_id,
            currency=r.currency,
            known=info is not None,
            title=info.title if info else None,
            kind=info.kind if info else None,
            tags=list(info.tags) if info else [],
            deleted=info.deleted if info else False,
            bundle_offers=r.bundle_offers,
            by_segment=[
                SegmentOut(segment=s.segment, name=s.name, **FiguresOut.fields(s.figures)) for s in r.by_segment
            ],
            by_price=[
                PriceOut(price_cents=p.price_cents, bundle_of=p.bundle_of, **PerOfferOut.fields(p.figures))
                for p in r.by_price
            ],
            **PerOfferOut.fields(r.figures),
        )


class TotalOut(FiguresOut):
    currency: str


class MediaRoiOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    currency: str | None
    split_rule: str
    totals: list[TotalOut] = Field(
        description="Per currency over every offer of the window (every page): the items' revenue adds up to it."
    )
    items: list[MediaItemOut] = Field(description="Net revenue first (then gross, offers, currency, media id).")
    next_cursor: str | None


def _window(start: str | None, end: str | None, tz: str, now: datetime) -> Window:
    window = Window(*resolve_range(start, end, "day", zone(tz), now))
    if window.end - window.start > MAX_RANGE:
        raise ApiError(422, "`from` and `to` are at most 366 days apart", "range_too_long")
    return window


def _after(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    net, gross, offers, currency, media_id = decode_cursor(cursor, 5)
    try:
        return Position(int(net), int(gross), int(offers), currency, uuid.UUID(media_id))
    except ValueError:
        raise ApiError(422, "cursor is not valid; use next_cursor from a previous page") from None


@router.get("/media", response_model=MediaRoiOut, response_model_by_alias=True)
async def media_roi(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    start: From = None,
    end: To = None,
    tz: Tz = "UTC",
    currency: OptionalCurrency = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> MediaRoiOut:
    """Per media item offered in [from, to): offers, unlocks, unlock rate, revenue gross and net
    (refunds subtracted, exact to the cent, per currency), revenue per offer, and the same by the
    fans' segment at offer time and by price point — what sells, to whom, at which price."""
    after = _after(cursor)
    code = currency.upper() if currency else None
    with answerable():
        async with runtime.uow() as uow:
            window = _window(start, end, tz, uow.now())
            found = await media.report(uow, creator_id, window, code, after, limit)
    following = found.next_after
    return MediaRoiOut(
        start=window.start,
        end=window.end,
        currency=code,
        split_rule=SPLIT_RULE,
        totals=[TotalOut(currency=c, **FiguresOut.fields(f)) for c, f in found.totals.items()],
        items=[MediaItemOut.of(r) for r in found.items],
        next_cursor=None
        if following is None
        else encode_cursor(
            following.net_cents, following.gross_cents, following.offers, following.currency, following.media_id
        ),
    )
