"""Log-in and sign-up throttling with `limits` (moving windows): per account and per client address.

Failed log-ins count; once an account (or an address) is over its limit every attempt is refused
until the window moves on, a correct password included: the point is to bound guessing. A refused attempt answers 429 with ``Retry-After`` — the same answer
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
    def __init__(
        self,
        storage_uri: str,
        *,
        per_account: str,
        per_address: str,
        signup_per_address: str,
        webhook_per_address: str = "600/minute",
    ) -> None:
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri))
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)
        self._signup = parse(signup_per_address)
        self._webhook = parse(webhook_per_address)

    async def _refuse_if_over(self, item: RateLimitItem, *keys: str) -> None:
        if not await self._limiter.test(item, *keys):
            stats = await self._limiter.get_window_stats(item, *keys)
            raise Throttled(max(1, math.ceil(stats.reset_time - time.time())))

    async def _hit(self, item: RateLimitItem, *keys: str) -> None:
        if not await self._limiter.hit(item, *keys):
            stats = await self._limiter.get_window_stats(item, *keys)
            raise Throttled(max(1, math.ceil(stats.reset_time - time.time())))

    @staticmethod
    def _account(email: str) -> str:
        # hashed: the limiter's storage (maybe shared) never holds email addresses in clear
        return hashlib.sha256(email.encode()).hexdigest()

    async def before_log_in(self, email: str, address: str) -> None:
        """Raises :class:`Throttled` when the account or the address is over its failed log-ins."""
        await self._refuse_if_over(self._per_address, "login-address", address)
        await self._refuse_if_over(self._per_account, "login-account", self._account(email))

    async def failed_log_in(self, email: str, address: str) -> None:
        await self._limiter.hit(self._per_address, "login-address", address)
        await self._limiter.hit(self._per_account, "login-account", self._account(email))

    async def sign_up(self, address: str) -> None:
        await self._hit(self._signup, "signup-address", address)

    async def webhook(self, address: str) -> None:
        """Every call of the public webhook route counts (signed or not): a flood from one address is
        refused before any body is read or forwarded."""
        await self._hit(self._webhook, "webhook-address", address)
