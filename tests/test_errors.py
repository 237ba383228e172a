"""What a failure says to the person reading ``pulumi up``: the thing, the cause, the way out."""

from __future__ import annotations

import pytest

from pulumi_eci_cache.errors import ApiError, WaitTimeoutError, way_out
from pulumi_eci_cache.rules.config import stack_key


def test_a_wait_error_about_its_own_cache_does_not_name_it_twice() -> None:
    error = WaitTimeoutError("image cache imc-1 was not Ready after 60s", "imc-1")
    assert str(error.about("web (imc-1)")) == "web (imc-1): the cache was not Ready after 60s"


def test_an_error_is_named_for_its_cache_only_once() -> None:
    error = ApiError("DeleteImageCache", "Forbidden", "no", "r", 403)
    named = error.about("web (imc-1)").about("web (imc-1)")
    assert str(named).startswith("web (imc-1): DeleteImageCache failed: Forbidden: no")
    assert not str(named).startswith("web (imc-1): web (imc-1)")


def test_one_error_given_to_many_caches_names_each_its_own() -> None:
    # A polling round that failed is handed to every cache waiting on it.
    error = ApiError("DescribeImageCaches", "Forbidden.RAM", "no", "r", 403)
    first, second = error.about("cache-1 (imc-1)"), error.about("cache-6 (imc-6)")
    assert str(first).startswith("cache-1 (imc-1): DescribeImageCaches failed")
    assert str(second).startswith("cache-6 (imc-6): DescribeImageCaches failed")
    assert str(error).startswith("DescribeImageCaches failed")
    assert (second.code, second.http_status) == ("Forbidden.RAM", 403)


@pytest.mark.parametrize(
    ("code", "status", "advice"),
    [
        ("InvalidAccessKeyId.NotFound", 404, "alicloud:accessKey"),
        ("SignatureDoesNotMatch", 400, "alicloud:secretKey"),
        ("Forbidden.RAM", 403, "eci:CreateImageCache"),
        ("Throttling.User", 400, "eci-cache:maxRequestsPerSecond"),
        ("QuotaExceeded.ImageCache", 400, 'elimination_strategy="LRU"'),
        ("InternalError", 500, "run the update again later"),
        ("SomethingNew", 503, "run the update again later"),
    ],
)
def test_a_service_error_says_what_to_do(code: str, status: int, advice: str) -> None:
    assert advice in way_out("CreateImageCache", code, status, stack_key)
    assert advice in str(ApiError("CreateImageCache", code, "m", "r", status, keys=stack_key))


def test_advice_names_settings_as_the_users_face_spells_them() -> None:
    advice = way_out("CreateImageCache", "SignatureDoesNotMatch", 400, lambda n: f"ecicache:{n}")
    assert "ecicache:secret_key" in advice


def test_an_error_with_nothing_to_advise_ends_at_its_cause() -> None:
    assert way_out("CreateImageCache", "Unknown.Thing", 400) == ""
    assert str(ApiError("CreateImageCache", "Unknown.Thing", "m", "r", 400)).endswith("HTTP 400)")
