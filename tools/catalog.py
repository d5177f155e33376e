"""The event catalog, computed from the code: the registry (libs/events) and each service's
subscription list. `python tools/catalog.py` rewrites the table in README.md; a contract test
fails when the README's table is not what this computes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- catalog:start -->", "<!-- catalog:end -->"


def service_subscriptions() -> dict[str, Any]:
    """Each service's subscriptions, built the way its bootstrap builds them."""
    from ai.adapters.offline import OfflineProvider
    from ai.consumers import subscriptions as ai_subscriptions
    from fans.consumers import subscriptions as fans_subscriptions
    from inbox.adapters.connector import LoggingConnector
    from inbox.consumers import subscriptions as inbox_subscriptions

    return {
        "ai": ai_subscriptions(OfflineProvider()),
        "fans": fans_subscriptions(),
        "inbox": inbox_subscriptions(LoggingConnector()),
    }


def table() -> str:
    from huntaze_events import REGISTRY

    subs = service_subscriptions()
    lines = [
        "| event | version | topic | key | producer | consumers (consumer group) | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in REGISTRY:
        consumers = sorted(
            f"{service} (`{service}.{s.name}`)" for service, ss in subs.items() for s in ss if s.spec is spec
        )
        lines.append(
            f"| `{spec.type}` | {spec.version} | `{spec.topic}` | `{spec.key}` | {spec.producer} "
            f"| {', '.join(consumers) or '— (analysts)'} | {spec.summary} |"
        )
    return "\n".join(lines)


def readme_table() -> str:
    text = README.read_text()
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return match.group(1).strip() if match else ""


def write() -> None:
    text = README.read_text()
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), f"{START}\n{table()}\n{END}", text, flags=re.S)
    README.write_text(new)


if __name__ == "__main__":
    write()
    sys.exit(0)
