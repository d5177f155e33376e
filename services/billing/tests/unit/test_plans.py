"""The plan catalogue: upgrades name the cheapest higher public plan; operators' files are validated."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from billing.plans import SEED_PLANS, Catalogue, upgrades
from billing.plans_cli import parse

from .fakes import seed_plans


def test_upgrades_name_the_cheapest_plan_allowing_more() -> None:
    catalogue = Catalogue.of(seed_plans())
    free, pro, agency = (catalogue.plans[c] for c in ("free", "pro", "agency"))
    assert upgrades(free, catalogue.plans.values()) == {
        "ai_drafts_per_month": "Pro", "creators": "Pro", "seats": "Pro", "mass_messages_per_month": "Pro",
        "autopilot": "Pro", "stream_exports": "Agency", "marketing_networks": "Pro",
    }  # fmt: skip
    assert upgrades(pro, catalogue.plans.values())["stream_exports"] == "Agency"
    assert upgrades(agency, catalogue.plans.values()) == {}
    assert catalogue.by_price("price_huntaze_agency_yearly") == (agency, "year")


def test_an_operators_file_is_validated_whole() -> None:
    assert [p.code for p in parse(json.dumps(SEED_PLANS))] == ["free", "pro", "agency"]
    twice = [SEED_PLANS[1], {**SEED_PLANS[2], "stripe_price_monthly": "price_huntaze_pro_monthly"}]
    with pytest.raises(ValueError, match="price id"):
        parse(json.dumps(twice))
    with pytest.raises(ValidationError):
        parse(json.dumps([{**SEED_PLANS[1], "limits": {"ai_drafts_per_month": -1}}]))
