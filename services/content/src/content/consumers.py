"""Everything the content workers do, in one place: each part of the service adds its own."""

from __future__ import annotations

from huntaze_service import Subscriptions

from . import calendar_handlers, export_import, ideas_handlers, plans, uploads, usage_handlers, vault_deletion
from .adapters.s3 import shared_store


def subscriptions() -> Subscriptions:
    subs = Subscriptions()
    ideas_handlers.subscribe(subs)
    calendar_handlers.subscribe(subs)
    usage_handlers.subscribe(subs)
    export_import.subscribe(subs)
    plans.subscribe(subs)
    uploads.subscribe(subs, shared_store)
    vault_deletion.subscribe(subs, shared_store)
    return subs
