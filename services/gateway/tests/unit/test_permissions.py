"""The permission table: complete, consistent, and matched the way requests arrive."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.permissions import (
    PERMISSIONS,
    PUBLIC,
    ROUTES,
    SIGNED_IN,
    STAFF_ROLES,
    Role,
    allowed,
    markdown_table,
    rule_for,
)

ROOT = Path(__file__).resolve().parents[4]


def test_every_rule_names_a_known_permission_and_a_scope_and_no_route_is_listed_twice() -> None:
    for rule in ROUTES:
        assert rule.permission in PERMISSIONS or rule.permission in (PUBLIC, SIGNED_IN), rule
        assert rule.scope in ("creator", "org", "user", "none"), rule
        assert (rule.permission == PUBLIC) == (rule.scope == "none"), rule
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(permission for permission in PERMISSIONS if any(r.permission == permission for r in ROUTES))


def test_every_documented_route_has_a_rule() -> None:
    """docs/openapi.json is every service's public routes (make docs): none may lack a permission."""
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text())
    missing = [
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if rule_for(method.upper(), path) is None or rule_for(method.upper(), path).path != path  # type: ignore[union-attr]
    ]
    assert missing == []


def test_concrete_paths_find_their_rule_literal_segments_first() -> None:
    assert rule_for("GET", "/v1/fans/segments").path == "/v1/fans/segments"  # type: ignore[union-attr]
    assert rule_for("GET", "/v1/fans/3f1c").path == "/v1/fans/{fan_id}"  # type: ignore[union-attr]
    assert rule_for("GET", "/v1/fans/3f1c/").path == "/v1/fans/{fan_id}"  # type: ignore[union-attr]
    assert rule_for("DELETE", "/v1/fans/3f1c") is None  # no such method
    assert rule_for("GET", "/v1/fans/a/b/c") is None
    assert rule_for("GET", "/v1/inbox/metrics") is None


def test_roles_follow_the_product_rules() -> None:
    chatter, analyst, manager = Role.CHATTER, Role.ANALYST, Role.MANAGER
    assert allowed(chatter, "inbox.reply") and allowed(chatter, "fans.annotate")
    assert not allowed(chatter, "analytics.read") and not allowed(chatter, "fans.personal_data")
    assert not allowed(chatter, "ai.settings.write") and not allowed(chatter, "revenue.settings.read")
    assert allowed(analyst, "analytics.read") and allowed(analyst, "fans.read")
    assert not allowed(analyst, "inbox.read") and not allowed(analyst, "fans.personal_data")
    assert not allowed(manager, "staff.manage") and allowed(manager, "fans.personal_data")
    assert all(allowed(Role.OWNER, p) for p in PERMISSIONS)
    connector = {p for p in PERMISSIONS if allowed(Role.CONNECTOR, p)}
    assert connector == {"inbox.ingest", "revenue.ingest"}
    assert Role.CONNECTOR not in STAFF_ROLES


def test_the_readme_shows_the_table_generated_from_the_code() -> None:
    assert markdown_table() in (ROOT / "README.md").read_text()
