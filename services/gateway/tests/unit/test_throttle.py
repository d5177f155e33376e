"""Log-in throttling counts failures per account and per address; sign-up counts per address."""

from __future__ import annotations

import pytest

from gateway.throttle import Throttle, Throttled


def throttle() -> Throttle:
    return Throttle("memory://", per_account="10/minute", per_address="25/minute", signup_per_address="2/hour")


async def test_ten_failures_then_every_attempt_on_the_account_is_refused_with_a_retry_time() -> None:
    t = throttle()
    for _ in range(10):
        await t.before_log_in("a@example.com", "10.0.0.1")
        await t.failed_log_in("a@example.com", "10.0.0.1")
    with pytest.raises(Throttled) as refused:
        await t.before_log_in("a@example.com", "10.0.0.9")  # from another address too
    assert 0 < refused.value.retry_after_s <= 60
    await t.before_log_in("b@example.com", "10.0.0.1")  # another account from the same address: not yet


async def test_successes_do_not_count_and_one_address_is_bounded_across_accounts() -> None:
    t = throttle()
    for _ in range(30):
        await t.before_log_in("ok@example.com", "10.0.0.2")  # correct passwords: never counted
    for i in range(25):
        await t.before_log_in(f"u{i}@example.com", "10.0.0.3")
        await t.failed_log_in(f"u{i}@example.com", "10.0.0.3")
    with pytest.raises(Throttled):
        await t.before_log_in("fresh@example.com", "10.0.0.3")


async def test_sign_ups_per_address() -> None:
    t = throttle()
    await t.sign_up("10.0.0.4")
    await t.sign_up("10.0.0.4")
    with pytest.raises(Throttled):
        await t.sign_up("10.0.0.4")
    await t.sign_up("10.0.0.5")


async def test_stripe_webhook_calls_per_address() -> None:
    t = Throttle(
        "memory://", per_account="10/minute", per_address="25/minute", signup_per_address="2/hour",
        webhook_per_address="3/minute",
    )  # fmt: skip
    for _ in range(3):
        await t.webhook("10.0.0.5")
    with pytest.raises(Throttled):
        await t.webhook("10.0.0.5")
    await t.webhook("10.0.0.6")
