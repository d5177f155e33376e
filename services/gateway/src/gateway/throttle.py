"""Log-in and sign-up throttling with `limits` (moving windows): per account and per client address.

Every attempt counts (a correct password after ten wrong ones in the window is refused too: the
point is to bound guessing). A refused attempt answers 429 with ``Retry-After`` — the same answer
whether the email exists or not. Counts live in ``GATEWAY_RATE_LIMIT_STORAGE`` (``memory://`` per
replica; a shared ``redis://`` for several replicas).
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


class Throttled(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many attempts: retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Throttle:
    def __init__(self, storage_uri: str, *, per_account: str, per_address: str, signup_per_address: str) -> None:
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri))
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)
        self._signup = parse(signup_per_address)

    async def _hit(self, item: RateLimitItem, *keys: str) -> None:
        if not await self._limiter.hit(item, *keys):
            stats = await self._limiter.get_window_stats(item, *keys)
            raise Throttled(max(1, math.ceil(stats.reset_time - time.time())))

    async def log_in(self, email: str, address: str) -> None:
        """Counts one log-in attempt; raises :class:`Throttled` when over either limit."""
        await self._hit(self._per_address, "login-address", address)
        # the email is hashed: the limiter's storage (maybe shared) never holds addresses in clear
        await self._hit(self._per_account, "login-account", hashlib.sha256(email.encode()).hexdigest())

    async def sign_up(self, address: str) -> None:
        await self._hit(self._signup, "signup-address", address)
