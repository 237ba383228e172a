"""The retry policy: what is retried, how long it backs off, and where it stops."""

from __future__ import annotations

import random

import pytest

from pulumi_eci_cache.errors import ApiError, ConfigError, TransportError
from pulumi_eci_cache.rules.retry import RetryPolicy, is_retryable


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Throttling.User", 400),
        ("Throttling", 400),
        ("ServiceUnavailable", 503),
        ("InternalError", 500),
        ("SomethingNew", 502),
    ],
)
def test_transient_service_errors_are_retried(code: str, status: int) -> None:
    assert is_retryable(ApiError("CreateImageCache", code, "m", "r", status))


@pytest.mark.parametrize(
    "code",
    [
        "InvalidParameter.ImageCacheSize",
        "MissingParameter.RegionId",
        "Forbidden.RAM",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
    ],
)
def test_validation_and_auth_errors_are_never_retried(code: str) -> None:
    assert not is_retryable(ApiError("CreateImageCache", code, "m", "r", 400))


def test_a_request_that_got_no_answer_is_retried() -> None:
    assert is_retryable(TransportError("DescribeImageCaches", "ConnectError"))


def test_errors_outside_the_api_are_not_retried() -> None:
    assert not is_retryable(ConfigError("no region"))
    assert not is_retryable(ValueError("bug"))


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(7)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    for attempt, ceiling in enumerate(ceilings, start=1):
        delay = policy.backoff(attempt, rng)
        assert ceiling / 2 <= delay <= ceiling


def test_backoff_is_jittered() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    assert len({round(policy.backoff(4, rng), 6) for _ in range(20)}) > 10


def test_retrying_stops_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    throttled = ApiError("X", "Throttling", "slow down", "r", 400)
    assert policy.should_retry(throttled, attempt=2, waited=0.0)
    assert not policy.should_retry(throttled, attempt=3, waited=0.0)


def test_retrying_stops_when_the_total_backoff_budget_is_spent() -> None:
    policy = RetryPolicy(max_attempts=100, max_total_delay=10.0)
    throttled = ApiError("X", "Throttling", "slow down", "r", 400)
    assert policy.should_retry(throttled, attempt=5, waited=9.9)
    assert not policy.should_retry(throttled, attempt=5, waited=10.0)
