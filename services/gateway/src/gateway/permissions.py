"""The permission table: what each role may do, and which permission every public route needs.

One place in code (the README's table is generated from it by ``python -m gateway.permissions``). The
gateway refuses a request before forwarding it: a route that is not in :data:`ROUTES` answers 404
(deny by default, so a service's new route is unreachable until it is given a permission here, and
the role × route matrix test fails until then); a role without the route's permission answers 403.

Roles are per organisation (an agency, or a solo creator's own), optionally narrowed to some of its
creator accounts. ``connector`` is not a staff role: it is what a connector API key acts as.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CHATTER = "chatter"
    ANALYST = "analyst"
    CONNECTOR = "connector"


STAFF_ROLES = (Role.OWNER, Role.MANAGER, Role.CHATTER, Role.ANALYST)
"""The roles a membership (or an invitation) can have."""

PUBLIC = "public"
"""No credentials: sign-up, log-in, refresh, accepting an invitation."""
SIGNED_IN = "signed_in"
"""Any signed-in user, whatever their role (their own profile, log-out, password)."""

OWN, MAN, CHA, ANA, CON = Role.OWNER, Role.MANAGER, Role.CHATTER, Role.ANALYST, Role.CONNECTOR

PERMISSIONS: dict[str, frozenset[Role]] = {
    # the inbox
    "inbox.read": frozenset({OWN, MAN, CHA}),
    "inbox.reply": frozenset({OWN, MAN, CHA}),  # edit, approve drafts
    "inbox.sell": frozenset({OWN, MAN, CHA}),  # paid offers (PPV) to one fan
    "inbox.mass": frozenset({OWN, MAN}),  # mass messages to segments: preview, send, cancel
    "inbox.automations": frozenset({OWN, MAN}),  # automations, their autopilot and what each trigger did
    "inbox.ingest": frozenset({OWN, MAN, CON}),  # messages from OnlyFans, pushed by the connector
    "inbox.settings.read": frozenset({OWN, MAN, CHA}),  # chatters see which words are refused
    "inbox.settings.write": frozenset({OWN, MAN}),
    # the AI persona (a setting)
    "ai.settings.read": frozenset({OWN, MAN}),
    "ai.settings.write": frozenset({OWN, MAN}),
    "ai.insights": frozenset({OWN, MAN, ANA}),  # price suggestions, anomaly alerts, the weekly review
    "ai.pricing.manage": frozenset({OWN, MAN}),  # price tests: start and stop
    # fans and the CRM
    "fans.read": frozenset({OWN, MAN, CHA, ANA}),
    "fans.annotate": frozenset({OWN, MAN, CHA}),  # notes, tags, preferences
    "fans.segments.write": frozenset({OWN, MAN}),
    "fans.personal_data": frozenset({OWN, MAN}),  # export and erasure (GDPR)
    # revenue
    "revenue.ingest": frozenset({OWN, MAN, CON}),  # connector batches and statement imports
    "revenue.imports.read": frozenset({OWN, MAN}),
    "revenue.settings.read": frozenset({OWN, MAN}),
    "revenue.settings.write": frozenset({OWN, MAN}),
    # analytics
    "analytics.read": frozenset({OWN, MAN, ANA}),
    "analytics.chatters": frozenset({OWN, MAN, ANA, CHA}),  # a chatter: their own ledger lines and row only
    # marketing
    "marketing.read": frozenset({OWN, MAN, ANA}),
    "marketing.post": frozenset({OWN, MAN}),  # schedule, edit, cancel posts
    "marketing.accounts": frozenset({OWN, MAN}),  # social accounts and their credentials
    "marketing.links": frozenset({OWN, MAN}),  # tracking links and the domains they may lead to
    "marketing.campaigns": frozenset({OWN, MAN}),  # campaigns and their cost
    # content: the media vault, ideas, and the one calendar
    "content.read": frozenset({OWN, MAN, CHA, ANA}),  # the vault, a fan's sent/bought flags, ideas
    "content.write": frozenset({OWN, MAN}),  # upload, describe, delete media
    "content.ideas": frozenset({OWN, MAN}),  # ask the AI for ideas, edit, dismiss, accept them
    "calendar.read": frozenset({OWN, MAN, CHA, ANA}),
    "calendar.write": frozenset({OWN, MAN}),  # plan drops and notes, move items, import
    "calendar.feed": frozenset({OWN, MAN, CHA, ANA}),  # one's own private .ics feed link
    # the organisation
    "creators.read": frozenset({OWN, MAN, CHA, ANA}),
    "creators.create": frozenset({OWN}),
    "connector_keys.manage": frozenset({OWN, MAN}),
    "staff.manage": frozenset({OWN}),  # invitations, members
    "shifts.read": frozenset({OWN, MAN, CHA}),
    "shifts.manage": frozenset({OWN, MAN}),
    "audit.read": frozenset({OWN}),
    # billing: the plans (what a 402 points to) and the organisation's subscription
    "billing.plans": frozenset({OWN, MAN, CHA, ANA}),
    "billing.manage": frozenset({OWN}),  # checkout, the customer portal, the subscription and its usage
    # notifications: each member's own list (what their role sees), and webhooks to the creator's tools
    "notifications.read": frozenset({OWN, MAN, CHA, ANA}),
    "webhooks.manage": frozenset({OWN, MAN}),  # endpoints, their secrets, the delivery log, re-delivery
}
"""Permission → the roles that have it."""


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    """The OpenAPI path template, e.g. ``/v1/inbox/drafts/{draft_id}/approve``."""
    permission: str
    audited: bool = False
    """A staff action written to the organisation's audit log (GET /v1/org/audit)."""
    scope: str = "creator"
    """What the request acts on: ``creator`` (one creator account: ``X-Creator-Id``, optional when the
    caller has exactly one), ``org`` (the organisation), ``user`` (the caller only), ``none`` (public)."""


def _r(method: str, path: str, permission: str, *, audited: bool = False, scope: str = "creator") -> RouteRule:
    return RouteRule(method, path, permission, audited, scope)


ROUTES: tuple[RouteRule, ...] = (
    # identity and the organisation (the gateway's own routes)
    _r("POST", "/v1/auth/signup", PUBLIC, scope="none"),
    _r("POST", "/v1/auth/token", PUBLIC, scope="none"),
    _r("POST", "/v1/auth/refresh", PUBLIC, scope="none"),
    _r("POST", "/v1/auth/accept-invitation", PUBLIC, scope="none"),
    _r("POST", "/v1/auth/logout", SIGNED_IN, scope="user"),
    _r("POST", "/v1/auth/password", SIGNED_IN, scope="user"),
    _r("GET", "/v1/me", SIGNED_IN, scope="user"),
    _r("GET", "/v1/creators", "creators.read", scope="org"),
    _r("POST", "/v1/creators", "creators.create", audited=True, scope="org"),
    _r("GET", "/v1/creators/{creator_id}/connector-keys", "connector_keys.manage"),
    _r("POST", "/v1/creators/{creator_id}/connector-keys", "connector_keys.manage", audited=True),
    _r("DELETE", "/v1/creators/{creator_id}/connector-keys/{key_id}", "connector_keys.manage", audited=True),
    _r("GET", "/v1/org/invitations", "staff.manage", scope="org"),
    _r("POST", "/v1/org/invitations", "staff.manage", audited=True, scope="org"),
    _r("DELETE", "/v1/org/invitations/{invitation_id}", "staff.manage", audited=True, scope="org"),
    _r("GET", "/v1/org/members", "staff.manage", scope="org"),
    _r("GET", "/v1/org/members/{user_id}", "staff.manage", scope="org"),
    _r("PATCH", "/v1/org/members/{user_id}", "staff.manage", audited=True, scope="org"),
    _r("DELETE", "/v1/org/members/{user_id}", "staff.manage", audited=True, scope="org"),
    _r("GET", "/v1/org/shifts", "shifts.read", scope="org"),
    _r("POST", "/v1/org/shifts", "shifts.manage", audited=True, scope="org"),
    _r("DELETE", "/v1/org/shifts/{shift_id}", "shifts.manage", audited=True, scope="org"),
    _r("GET", "/v1/org/audit", "audit.read", scope="org"),
    # inbox
    _r("POST", "/v1/inbox/messages", "inbox.ingest"),
    _r("GET", "/v1/inbox/conversations", "inbox.read"),
    _r("GET", "/v1/inbox/conversations/{conversation_id}", "inbox.read"),
    _r("GET", "/v1/inbox/drafts/{draft_id}", "inbox.read"),
    _r("POST", "/v1/inbox/drafts/{draft_id}/approve", "inbox.reply", audited=True),
    _r("POST", "/v1/inbox/drafts/{draft_id}/regenerate", "inbox.reply"),
    _r("POST", "/v1/inbox/conversations/{conversation_id}/offers", "inbox.sell", audited=True),
    _r("GET", "/v1/inbox/offers/{offer_id}", "inbox.read"),
    _r("POST", "/v1/inbox/mass-messages/preview", "inbox.mass"),
    _r("POST", "/v1/inbox/mass-messages", "inbox.mass", audited=True),
    _r("GET", "/v1/inbox/mass-messages", "inbox.mass"),
    _r("GET", "/v1/inbox/mass-messages/{mass_message_id}", "inbox.mass"),
    _r("POST", "/v1/inbox/mass-messages/{mass_message_id}/cancel", "inbox.mass", audited=True),
    _r("GET", "/v1/inbox/automations", "inbox.automations"),
    _r("PUT", "/v1/inbox/automations", "inbox.automations", audited=True),
    _r("GET", "/v1/inbox/automations/runs", "inbox.automations"),
    _r("GET", "/v1/inbox/fans/{fan_id}/personal-data", "fans.personal_data", audited=True),
    _r("GET", "/v1/inbox/restricted-words", "inbox.settings.read"),
    _r("PUT", "/v1/inbox/restricted-words", "inbox.settings.write", audited=True),
    # ai
    _r("GET", "/v1/ai/persona", "ai.settings.read"),
    _r("PUT", "/v1/ai/persona", "ai.settings.write", audited=True),
    _r("GET", "/v1/ai/fans/{fan_id}/personal-data", "fans.personal_data", audited=True),
    _r("POST", "/v1/ai/captions", "marketing.post"),  # suggestions only: nothing stored or posted
    _r("GET", "/v1/ai/pricing", "ai.insights"),
    _r("POST", "/v1/ai/pricing/experiments", "ai.pricing.manage"),
    _r("GET", "/v1/ai/pricing/experiments", "ai.insights"),
    _r("GET", "/v1/ai/pricing/experiments/{experiment_id}", "ai.insights"),
    _r("POST", "/v1/ai/pricing/experiments/{experiment_id}/stop", "ai.pricing.manage"),
    _r("GET", "/v1/ai/insights", "ai.insights"),  # the weekly review (?period=week&start=YYYY-MM-DD)
    _r("GET", "/v1/ai/insights/weeks", "ai.insights"),
    _r("GET", "/v1/ai/anomalies", "ai.insights"),
    # fans
    _r("GET", "/v1/fans", "fans.read"),
    _r("GET", "/v1/fans/segments", "fans.read"),
    _r("POST", "/v1/fans/segments", "fans.segments.write", audited=True),
    _r("DELETE", "/v1/fans/segments/{segment_id}", "fans.segments.write", audited=True),
    _r("GET", "/v1/fans/{fan_id}", "fans.read"),
    _r("PATCH", "/v1/fans/{fan_id}", "fans.annotate", audited=True),
    _r("POST", "/v1/fans/{fan_id}/notes", "fans.annotate", audited=True),
    _r("PUT", "/v1/fans/{fan_id}/tags", "fans.annotate", audited=True),
    _r("POST", "/v1/fans/{fan_id}/erase", "fans.personal_data", audited=True),
    _r("GET", "/v1/fans/{fan_id}/export", "fans.personal_data", audited=True),
    _r("GET", "/v1/fans/{fan_id}/personal-data", "fans.personal_data", audited=True),
    # revenue (answered by the fans service)
    _r("POST", "/v1/revenue/transactions", "revenue.ingest"),
    _r("POST", "/v1/revenue/subscriptions", "revenue.ingest"),
    _r("POST", "/v1/revenue/imports", "revenue.ingest"),
    _r("GET", "/v1/revenue/imports/{import_id}", "revenue.imports.read"),
    _r("GET", "/v1/revenue/settings", "revenue.settings.read"),
    _r("PUT", "/v1/revenue/settings", "revenue.settings.write", audited=True),
    # analytics
    _r("GET", "/v1/analytics/summary", "analytics.read"),
    _r("GET", "/v1/analytics/revenue", "analytics.read"),
    _r("GET", "/v1/analytics/sales-hours", "analytics.read"),
    _r("GET", "/v1/analytics/retention", "analytics.read"),
    _r("GET", "/v1/analytics/conversion", "analytics.read"),
    _r("GET", "/v1/analytics/best-times", "analytics.read"),
    _r("GET", "/v1/analytics/chatters", "analytics.chatters"),
    _r("GET", "/v1/analytics/chatters/ledger", "analytics.chatters"),
    # marketing
    _r("POST", "/v1/marketing/accounts", "marketing.accounts", audited=True),
    _r("GET", "/v1/marketing/accounts", "marketing.read"),
    _r("DELETE", "/v1/marketing/accounts/{account_id}", "marketing.accounts", audited=True),
    _r("GET", "/v1/marketing/accounts/{account_id}/slots", "marketing.read"),
    _r("PUT", "/v1/marketing/accounts/{account_id}/slots", "marketing.post", audited=True),
    _r("POST", "/v1/marketing/posts", "marketing.post", audited=True),
    _r("GET", "/v1/marketing/posts", "marketing.read"),
    _r("GET", "/v1/marketing/posts/{post_id}", "marketing.read"),
    _r("PATCH", "/v1/marketing/posts/{post_id}", "marketing.post", audited=True),
    _r("POST", "/v1/marketing/posts/{post_id}/cancel", "marketing.post", audited=True),
    _r("GET", "/v1/marketing/posts/{post_id}/results", "marketing.read"),
    _r("GET", "/v1/marketing/posts/{post_id}/cta", "marketing.read"),
    _r("GET", "/v1/marketing/link-domains", "marketing.read"),
    _r("PUT", "/v1/marketing/link-domains", "marketing.links", audited=True),
    _r("POST", "/v1/marketing/links", "marketing.links", audited=True),
    _r("GET", "/v1/marketing/links", "marketing.read"),
    _r("GET", "/v1/marketing/links/{link_id}", "marketing.read"),
    _r("POST", "/v1/marketing/campaigns", "marketing.campaigns", audited=True),
    _r("GET", "/v1/marketing/campaigns", "marketing.read"),
    _r("GET", "/v1/marketing/campaigns/{campaign_id}", "marketing.read"),
    # content
    _r("POST", "/v1/content/media/uploads", "content.write", audited=True),
    _r("POST", "/v1/content/media/uploads/{upload_id}/complete", "content.write", audited=True),
    _r("POST", "/v1/content/media/bundles", "content.write", audited=True),
    _r("GET", "/v1/content/media/uploads/{upload_id}", "content.read"),
    _r("GET", "/v1/content/media", "content.read"),
    _r("GET", "/v1/content/media/{media_id}", "content.read"),
    _r("GET", "/v1/content/media/{media_id}/download", "content.read"),
    _r("GET", "/v1/content/media/{media_id}/usage", "content.read"),
    _r("GET", "/v1/content/fans/{fan_id}/media-flags", "content.read"),
    _r("PATCH", "/v1/content/media/{media_id}", "content.write", audited=True),
    _r("DELETE", "/v1/content/media/{media_id}", "content.write", audited=True),
    _r("POST", "/v1/content/ideas/generate", "content.ideas"),
    _r("GET", "/v1/content/ideas", "content.read"),
    _r("PATCH", "/v1/content/ideas/{idea_id}", "content.ideas"),
    _r("POST", "/v1/content/ideas/{idea_id}/accept", "content.ideas", audited=True),
    # the calendar (answered by the content service)
    _r("GET", "/v1/calendar", "calendar.read"),
    _r("POST", "/v1/calendar/items", "calendar.write", audited=True),
    _r("PATCH", "/v1/calendar/items/{item_id}", "calendar.write", audited=True),
    _r("GET", "/v1/calendar/entries/{entry_id}", "calendar.read"),
    _r("POST", "/v1/calendar/entries/{entry_id}/move", "calendar.write", audited=True),
    _r("GET", "/v1/calendar/export", "calendar.read"),
    _r("POST", "/v1/calendar/import", "calendar.write", audited=True),
    _r("GET", "/v1/calendar/imports/{calendar_import_id}", "calendar.read"),
    _r("GET", "/v1/calendar/feed", "calendar.feed"),
    _r("POST", "/v1/calendar/feed", "calendar.feed", audited=True),
    _r("DELETE", "/v1/calendar/feed", "calendar.feed", audited=True),
    # the private iCalendar feed (the gateway's own route: the token in the URL is the credential)
    _r("GET", "/v1/calendar.ics", PUBLIC, scope="none"),
    # the public redirect of tracking links (the gateway's own route, passed on to marketing)
    _r("GET", "/l/{code}", PUBLIC, scope="none"),
    _r("GET", "/v1/analytics/fans/{fan_id}/personal-data", "fans.personal_data", audited=True),
    _r("GET", "/v1/analytics/media", "analytics.read"),
    # billing (organisation-scoped: forwarded with the organisation as the token's creator)
    _r("GET", "/v1/billing/plans", "billing.plans", scope="org"),
    _r("POST", "/v1/billing/checkout", "billing.manage", audited=True, scope="org"),
    _r("POST", "/v1/billing/portal", "billing.manage", audited=True, scope="org"),
    _r("GET", "/v1/billing/subscription", "billing.manage", scope="org"),
    # Stripe's webhooks (the gateway's own public route, passed on to billing with the visitor token)
    _r("POST", "/v1/billing/webhooks/stripe", PUBLIC, scope="none"),
    # notifications (one member's view of one creator account) and webhooks to the creator's own tools
    _r("GET", "/v1/notifications", "notifications.read"),
    _r("POST", "/v1/notifications/read-all", "notifications.read"),
    _r("GET", "/v1/notifications/preferences", "notifications.read"),
    _r("PUT", "/v1/notifications/preferences", "notifications.read"),
    _r("POST", "/v1/notifications/{notification_id}/read", "notifications.read"),
    _r("GET", "/v1/webhooks/events", "webhooks.manage"),
    _r("GET", "/v1/webhooks", "webhooks.manage"),
    _r("POST", "/v1/webhooks", "webhooks.manage", audited=True),
    _r("GET", "/v1/webhooks/{endpoint_id}", "webhooks.manage"),
    _r("PATCH", "/v1/webhooks/{endpoint_id}", "webhooks.manage", audited=True),
    _r("DELETE", "/v1/webhooks/{endpoint_id}", "webhooks.manage", audited=True),
    _r("POST", "/v1/webhooks/{endpoint_id}/rotate-secret", "webhooks.manage", audited=True),
    _r("POST", "/v1/webhooks/{endpoint_id}/test", "webhooks.manage"),
    _r("GET", "/v1/webhooks/{endpoint_id}/deliveries", "webhooks.manage"),
    _r("GET", "/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}", "webhooks.manage"),
    _r("POST", "/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", "webhooks.manage", audited=True),
)


def allowed(role: Role | str, permission: str) -> bool:
    if permission in (PUBLIC, SIGNED_IN):
        return True
    return Role(role) in PERMISSIONS[permission]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?$")


_COMPILED: tuple[tuple[RouteRule, re.Pattern[str]], ...] = tuple(
    # literal segments first (``/v1/fans/segments`` before ``/v1/fans/{fan_id}``)
    sorted(((rule, _compile(rule.path)) for rule in ROUTES), key=lambda rp: rp[0].path.count("{"))
)


def rule_for(method: str, path: str) -> RouteRule | None:
    """The rule of a concrete request path (``/v1/fans/3f2…``), or None: no such public route."""
    for rule, pattern in _COMPILED:
        if rule.method == method and pattern.match(path):
            return rule
    return None


def markdown_table() -> str:
    """The README's permission table (``python -m gateway.permissions``)."""
    roles = list(Role)
    lines = ["| Permission | " + " | ".join(r.value for r in roles) + " | Routes |", "|---" * (len(roles) + 2) + "|"]
    for permission, holders in PERMISSIONS.items():
        routes = ", ".join(f"`{r.method} {r.path}`" for r in ROUTES if r.permission == permission)
        marks = " | ".join("✓" if r in holders else "" for r in roles)
        lines.append(f"| `{permission}` | {marks} | {routes} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
