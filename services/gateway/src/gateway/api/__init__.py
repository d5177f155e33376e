"""The gateway's HTTP API: its own routes (identity, the organisation, the fan export), then the
forwarding of every service's routes. Order matters: the gateway's own routes match first."""

from . import audit_log, auth, billing_webhook, calendar_feed, creators, export, forward, links, shifts, staff

ROUTERS = [
    auth.router,
    creators.router,
    staff.router,
    shifts.router,
    audit_log.router,
    export.router,
    links.router,
    calendar_feed.router,
    billing_webhook.router,
    forward.router,
]

__all__ = ["ROUTERS"]
