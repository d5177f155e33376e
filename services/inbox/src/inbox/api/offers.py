"""Paid offers (PPV) one to one: made and approved by a person, sent like a reply, unlocked by the
sale that names them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from huntaze_service import ApiError, CreatorId, RuntimeDep, ShiftId, UserId, not_found
from huntaze_service.vault_media import MediaRefused

from ..config import InboxSettings
from ..guardrails import RestrictedText
from ..handlers import NotFound, offers
from ..offers import PriceOutOfRange
from .models import OfferIn, OfferOut

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


@router.post(
    "/conversations/{conversation_id}/offers",
    status_code=202,
    response_model=OfferOut,
    responses={
        404: {"description": "No such conversation for this creator."},
        422: {
            "description": "Invalid input: price outside OnlyFans' range (code `price_out_of_range`), "
            "a restricted term in the text (code `restricted_word`), no media or a medium twice, a medium "
            "not of this creator's vault (code `unknown_media`) or deleted from it (code `media_deleted`)."
        },
    },
)
async def make_offer(
    conversation_id: uuid.UUID,
    body: OfferIn,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    user_id: UserId,
    shift_id: ShiftId,
) -> OfferOut:
    """Offers media locked at a price to the conversation's fan. The caller writes and approves it in
    one step; it leaves through the connector like a reply (status `sent`, or `failed` with
    `send_error`), shows `unlocked` with its revenue when the fan pays, `expired` when they do not
    within the offer window."""
    settings: InboxSettings = runtime.settings  # type: ignore[assignment]
    async with runtime.uow() as uow:
        try:
            offer = await offers.make_offer(
                uow,
                offers.MakeOffer(
                    creator_id, user_id, conversation_id, body.text, body.price_cents, body.media_ids, shift_id
                ),
                settings.offer_terms(),
            )
        except NotFound:
            raise not_found("conversation") from None
        except PriceOutOfRange as exc:
            raise ApiError(422, str(exc), "price_out_of_range") from None
        except RestrictedText as exc:
            raise ApiError(422, str(exc), "restricted_word") from None
        except MediaRefused as exc:
            raise ApiError(422, str(exc), exc.code) from None
    return OfferOut.of(offer)


@router.get("/offers/{offer_id}", response_model=OfferOut, responses={404: {"description": "No such offer."}})
async def get_offer(offer_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> OfferOut:
    async with runtime.uow() as uow:
        try:
            return OfferOut.of(await offers.get_offer(uow, creator_id, offer_id))
        except NotFound:
            raise not_found("offer") from None
