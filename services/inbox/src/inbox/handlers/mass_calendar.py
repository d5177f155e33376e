"""The calendar's moves of mass messages (``massmessage.move_requested``, from the content service):
``send_at`` (and the expansion timer) moves while the mass message is scheduled, never to a time in
the past, answered ``massmessage.scheduled`` with the command's id, or ``massmessage.command_refused``
(an answer, never a dead letter). Once per ``command_id``: the command is recorded (applied or
refused) in the transaction that answers it, so a second delivery moves nothing and says nothing again.
"""

from __future__ import annotations

from huntaze_events import Envelope, MassMessageCommandRefused, MassMessageMoveRequested

from ..mass import NotMovable
from .base import Uow
from .mass_messages import MASS_EXPAND, PAST_TOLERANCE
from .mass_plan import announce

MAX_REASON = 300


def _refuse(uow: Uow, event: Envelope[MassMessageMoveRequested], reason: str) -> None:
    move = event.payload
    uow.emit(
        MassMessageCommandRefused(
            command_id=move.command_id, mass_message_id=move.mass_message_id, reason=reason[:MAX_REASON]
        ),
        cause=event,
    )


async def move(uow: Uow, event: Envelope[MassMessageMoveRequested]) -> None:
    asked = event.payload
    creator_id, now = event.creator_id, uow.now()
    if not await uow.repo.claim_command(creator_id, asked.command_id, asked.mass_message_id, now):
        return  # answered already
    m = await uow.repo.mass_message(creator_id, asked.mass_message_id, lock=True)
    if m is None:
        _refuse(uow, event, "unknown_mass_message: no mass message with this id")
        return
    if asked.send_at < now - PAST_TOLERANCE:
        _refuse(uow, event, "send_at_in_past: send_at is in the past")
        return
    try:
        m.move(asked.send_at, now=now)
    except NotMovable as exc:
        _refuse(uow, event, f"not_movable: {exc}")
        return
    await uow.repo.save_mass_message(m)
    uow.schedule(MASS_EXPAND, key=str(m.id), at=m.send_at, tenant=m.creator_id)
    announce(uow, m, asked.command_id)
