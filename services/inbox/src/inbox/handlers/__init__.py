"""Use cases of the inbox: each takes the unit of work (``uow.repo`` is an InboxRepository).

- conversations: fan messages in, AI drafts, approvals and the ``send_reply`` call's outcome;
- offers: paid messages (PPV) one to one, their unlocks and their expiry.
"""

from .base import NotFound, Uow
from .conversations import (
    SEND_REPLY,
    Received,
    ReceiveMessage,
    approve_draft,
    get_conversation,
    get_draft,
    list_conversations,
    receive_message,
    record_draft,
    record_send_failure,
    record_sent,
    regenerate_draft,
    withheld_shown,
)

__all__ = [
    "SEND_REPLY",
    "NotFound",
    "ReceiveMessage",
    "Received",
    "Uow",
    "approve_draft",
    "get_conversation",
    "get_draft",
    "list_conversations",
    "receive_message",
    "record_draft",
    "record_send_failure",
    "record_sent",
    "regenerate_draft",
    "withheld_shown",
]
