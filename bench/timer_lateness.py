"""B13 timer lateness: 10,000 durable timers due within one minute."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from common import CREATOR, LOGDIR, BenchBase, Result, percentile, say
from huntaze_service import Role
from huntaze_service.runtime import Runtime
from huntaze_testkit import ServiceProcess
from huntaze_testkit import faultbox as fb


class TimerBenchmarks(BenchBase):
    # B13 ------------------------------------------------------------------------------------------
    async def b13(self, timers: int = 10000, window_s: float = 60, lead_s: float = 5) -> Result:
        """10,000 timers due in the same minute (spread evenly over it), fired by one worker process
        (faultbox); lateness = the handler's start − the timer's due time, both on this host's clock."""
        say(f"B13 timer lateness: {timers:,} timers due within {window_s:.0f} s")
        await fb.create_schema(self.db_url)
        env = dict(self.env)
        env.update(
            FAULTBOX_DATABASE_URL=self.db_url,
            FAULTBOX_HTTP_PORT="18791",
            FAULTBOX_LOG_LEVEL="WARNING",
            FAULTBOX_ROLE="worker",
        )
        LOGDIR.mkdir(parents=True, exist_ok=True)
        worker = ServiceProcess("faultbox-b13", 18791, env, LOGDIR, module="huntaze_testkit.faultbox")
        worker.start()
        worker.wait_ready()
        writer = Runtime(
            self.settings(service_name=fb.PRODUCER, role=Role.API), fb.subscriptions(fb.FaultboxSettings())
        )
        await writer.start()
        run = f"b13-{uuid.uuid4().hex[:6]}"
        try:
            first = datetime.now(UTC) + timedelta(seconds=lead_s)
            for start in range(0, timers, 1000):
                async with writer.uow() as uow:
                    for i in range(start, min(start + 1000, timers)):
                        uow.schedule(
                            "fb_fire",
                            key=f"{run}:{i}",
                            at=first + timedelta(seconds=window_s * i / timers),
                            payload=fb.ItemDue(run=run, key="k", seq=i),
                            tenant=CREATOR,
                        )
                    await uow.commit()
            deadline = time.monotonic() + lead_s + window_s + 120
            fired = 0
            while fired < timers and time.monotonic() < deadline:
                await asyncio.sleep(2)
                fired = int(await self._scalar("SELECT count(*) FROM effects WHERE run = :r", r=run))
            assert fired == timers, f"{timers - fired} timers never fired"
            async with self.engine.connect() as conn:
                late = [
                    float(x)
                    for (x,) in await conn.execute(
                        text(
                            "SELECT extract(epoch FROM handler_started_at - due_at) * 1000 FROM effects WHERE run = :r"
                        ),
                        {"r": run},
                    )
                ]
        finally:
            await writer.stop()
            worker.stop()
        return Result(
            "B13",
            "timer lateness p50",
            percentile(late, 50),
            None,
            None,
            None,
            "ms",
            higher_is_better=False,
            details={
                "p99_ms": percentile(late, 99),
                "max_ms": max(late),
                "early": sum(1 for x in late if x < 0),
                "timers": timers,
                "window_s": window_s,
                "workers": 1,
            },
        )
