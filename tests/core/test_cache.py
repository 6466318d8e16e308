"""The Redis cache reuses its clients, and the window counters behind the API throttle count
per key and window in one round trip, on a real Redis (the broker's server) and in memory."""

import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings
from django_tenants.utils import schema_context

from smarketing.core.cache import RedisCache, cache_backend, window_counter_hit
from tests.conftest import ALPHA_HOST, BETA_HOST, client_for

pytestmark = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"), reason="needs a Redis server"
)


def _redis_url() -> str:
    return settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/3"


def _redis_cache() -> RedisCache:
    return RedisCache(_redis_url(), {"KEY_FUNCTION": "django_tenants.cache.make_key"})


def test_one_redis_client_serves_every_command():
    cache = _redis_cache()
    key = f"reuse-{uuid.uuid4().hex}"
    cache.set(key, {"a": 1}, 30)
    client = cache._cache.get_client(write=True)
    assert cache.get(key) == {"a": 1}
    assert cache._cache.get_client() is client
    cache.delete(key)


@pytest.mark.parametrize("backend", ["redis", "locmem"])
def test_window_counters_count_per_key_and_window(backend, alpha, beta):
    cache = _redis_cache() if backend == "redis" else LocMemCache(f"t-{uuid.uuid4().hex}", {})
    key = f"hits-{uuid.uuid4().hex}"
    assert [window_counter_hit(cache, key, 60)[0] for _ in range(3)] == [1, 2, 3]
    assert window_counter_hit(cache, f"{key}-other", 60) == (1, 0)
    if backend == "redis":  # keys carry the schema: another workspace counts apart
        with schema_context(alpha.schema_name):
            window_counter_hit(cache, key, 60)
            window_counter_hit(cache, key, 60)
        with schema_context(beta.schema_name):
            assert window_counter_hit(cache, key, 60)[0] == 1


def test_the_api_throttle_on_redis_counts_per_person_and_workspace(alpha, beta, alice, charlie):
    caches = {
        "default": {
            "BACKEND": "smarketing.core.cache.RedisCache",
            "LOCATION": _redis_url(),
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "KEY_PREFIX": uuid.uuid4().hex,  # this run's counters only
        },
        "routing": settings.CACHES["routing"],
    }
    with override_settings(CACHES=caches, API_THROTTLE_RATES={"user": "3/min", "anon": "2/min"}):
        from django.core.cache import cache

        assert isinstance(cache_backend(cache), RedisCache)  # the one-round-trip path
        alice_api = client_for(ALPHA_HOST, alice)
        statuses = [alice_api.get("/api/v1/me/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert int(alice_api.get("/api/v1/me/")["Retry-After"]) <= 60
        assert client_for(BETA_HOST, charlie).get("/api/v1/me/").status_code == 200
