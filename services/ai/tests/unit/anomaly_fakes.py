"""The anomaly read model and alerts in memory, with the SQL store's semantics (mixed into FakeAiRepository)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any

from ai.anomalies.checks import CheckState
from ai.anomalies.links import LinkDay
from ai.anomalies.revenue import HourlyRevenue


class FakeAnomalyStore:
    def __init__(self) -> None:
        super().__init__()
        self.revenue_hours_: dict[tuple[uuid.UUID, str, datetime], list[int]] = {}
        self.link_days_: dict[tuple[uuid.UUID, uuid.UUID, date], Counter[str]] = {}
        self.anomaly_checks: dict[uuid.UUID, CheckState] = {}
        self.alerts: dict[str, dict[str, Any]] = {}

    async def add_revenue_hour(
        self, creator_id: uuid.UUID, currency: str, hour: datetime, sales: int, net: int
    ) -> None:
        row = self.revenue_hours_.setdefault((creator_id, currency, hour), [0, 0])
        row[0] += sales
        row[1] += net

    async def add_link_day(self, creator_id: uuid.UUID, link_id: uuid.UUID, day: date, *, clicks: int,
                           conversions: int) -> None:  # fmt: skip
        self.link_days_.setdefault((creator_id, link_id, day), Counter()).update(
            {"clicks": clicks, "conversions": conversions}
        )

    async def start_anomaly_checks(self, creator_id: uuid.UUID, now: datetime) -> bool:
        if creator_id in self.anomaly_checks:
            return False
        self.anomaly_checks[creator_id] = CheckState(None, None)
        return True

    async def anomaly_state(self, creator_id: uuid.UUID) -> CheckState:
        return self.anomaly_checks.get(creator_id, CheckState(None, None))

    async def save_anomaly_state(
        self, creator_id: uuid.UUID, last_hour: datetime | None, last_day: date | None
    ) -> None:
        self.anomaly_checks[creator_id] = CheckState(last_hour, last_day)

    async def revenue_currencies(self, creator_id: uuid.UUID, since: datetime) -> list[str]:
        return sorted({c for (k, c, h) in self.revenue_hours_ if k == creator_id and h >= since})

    async def revenue_hours(self, creator_id: uuid.UUID, currency: str, since: datetime,
                            until: datetime) -> list[HourlyRevenue]:  # fmt: skip
        return [
            HourlyRevenue(h, sales, net)
            for (k, c, h), (sales, net) in sorted(self.revenue_hours_.items(), key=lambda i: i[0][2])
            if k == creator_id and c == currency and since <= h < until
        ]

    async def link_days(self, creator_id: uuid.UUID, since: date) -> dict[uuid.UUID, list[LinkDay]]:
        out: dict[uuid.UUID, list[LinkDay]] = {}
        for (k, link, day), n in sorted(self.link_days_.items(), key=lambda i: (str(i[0][1]), i[0][2])):
            if k == creator_id and day >= since:
                out.setdefault(link, []).append(LinkDay(day, n["clicks"], n["conversions"]))
        return out

    async def add_anomaly(self, creator_id: uuid.UUID, anomaly_id: uuid.UUID, key: str, kind: str, subject: str,
                          start: datetime, end: datetime, observed: int, expected: int, low: int, high: int,
                          score: float, evidence: dict[str, Any], now: datetime) -> bool:  # fmt: skip
        for alert in self.alerts.values():
            same = (alert["creator_id"], alert["kind"], alert["subject"]) == (creator_id, kind, subject)
            if same and alert["window_end"] >= start and alert["window_start"] <= end:
                alert["window_end"] = max(alert["window_end"], end)
                return False
        if key in self.alerts:
            return False
        self.alerts[key] = {"creator_id": creator_id, "anomaly_id": anomaly_id, "kind": kind, "subject": subject,
                            "window_start": start, "window_end": end, "observed": observed, "expected": expected,
                            "low": low, "high": high, "score": score, "evidence": evidence, "detected_at": now}  # fmt: skip
        return True

    async def anomalies(
        self, creator_id: uuid.UUID, since: datetime, kind: str | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = [a for a in self.alerts.values() if a["creator_id"] == creator_id and a["detected_at"] >= since]
        rows = [{k: v for k, v in a.items() if k != "creator_id"} for a in rows if kind in (None, a["kind"])]
        return sorted(rows, key=lambda a: (a["detected_at"], a["window_start"]), reverse=True)[:limit]
