"""The calendar's commands (from the content service), applied like a person's own request and
answered with ``post.scheduled`` (carrying the command's id) or ``post.command_refused``:

- ``post.move_requested``: a PATCH of the post's time — only while it is scheduled, never to a time
  in the past; its publication timer moves with it. Answered once per ``command_id``: the command is
  recorded (applied or refused) in the transaction that answers it, so a second delivery of the same
  command moves nothing and says nothing again.
- ``post.requested`` (a row of a calendar import): a POST of a post on one of the creator's accounts,
  checked against its network's rules and its media against the vault's
  (:mod:`huntaze_service.vault_media`: another creator's → ``unknown_media``, deleted →
  ``media_deleted``, as the refusal's reason). One post per ``command_id`` (stored on the post, unique
  per creator): a second delivery finds it and does nothing. A refusal changes nothing and is not
  recorded, so asking again (a re-import once the account is connected) is checked again.

A business refusal is an answer, never a dead letter.
"""

from __future__ import annotations

from huntaze_events import Envelope, PostCommandRefused, PostMoveRequested, PostRequested

from . import domain, handlers, publishing
from .calendar import announce
from .domain import Conflict, Content, Refused
from .ports import Uow

MAX_REASON = 300


def _refuse(uow: Uow, event: Envelope[PostMoveRequested] | Envelope[PostRequested], reason: str) -> None:
    post_id = getattr(event.payload, "post_id", None)
    uow.emit(
        PostCommandRefused(command_id=event.payload.command_id, post_id=post_id, reason=reason[:MAX_REASON]),
        cause=event,
    )


def _reason(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    return f"{code}: {exc}" if code else str(exc)


async def move_post(uow: Uow, event: Envelope[PostMoveRequested]) -> None:
    move = event.payload
    creator_id, now = event.creator_id, uow.now()
    if not await uow.repo.claim_command(creator_id, move.command_id, move.post_id, now):
        return  # answered already
    post = await uow.repo.post(creator_id, move.post_id, lock=True)
    if post is None:
        _refuse(uow, event, "unknown_post: no post with this id")
        return
    try:
        moved = domain.edit(post, None, move.publish_at, now)
    except (Conflict, Refused) as exc:
        _refuse(uow, event, _reason(exc))
        return
    await uow.repo.save_post(moved)
    publishing.schedule_publication(uow, moved)
    announce(uow, moved, move.command_id)


def _content(asked: PostRequested) -> Content:
    texts = (asked.caption, asked.title or "", asked.subreddit or "")
    if any("\x00" in text for text in texts):
        raise Refused("invalid_text", "the caption, title or subreddit contains a NUL character")
    return Content(asked.caption, tuple(asked.media_ids), title=asked.title, subreddit=asked.subreddit)


async def request_post(uow: Uow, event: Envelope[PostRequested]) -> None:
    asked = event.payload
    creator_id = event.creator_id
    if await uow.repo.post_by_command(creator_id, asked.command_id) is not None:
        return  # made already, by an earlier delivery of this command
    try:
        await handlers.add_scheduled_post(
            uow, creator_id, asked.account_id, _content(asked), asked.publish_at, command_id=asked.command_id
        )
    except handlers.NotFound:
        _refuse(uow, event, "unknown_account: no social account with this id")
    except (Conflict, Refused) as exc:
        _refuse(uow, event, _reason(exc))
