"""Use cases of the fans service: each takes the unit of work (``uow.repo`` is a FansRepository).

- activity: fan messages keep the profile (message.received);
- revenue: transactions (connector and statements) and subscription reports;
- imports: statement uploads, applied a chunk at a time by a durable timer;
- crm: lists, profiles, notes, tags, preferences, segments, settings, and the review timer;
- erasure: a fan's personal data erased (fan.erased) and exported.
"""

from .activity import get_fan, track_fan_messages
from .publish import Uow

__all__ = ["Uow", "get_fan", "track_fan_messages"]
