"""Django's Redis cache with one client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every command, and each
build fills a dictionary of some 170 response callbacks: with the routing lookup and the API
throttle that was three clients per API request, a measurable share of its CPU under load.
`redis.Redis` is safe to share between threads (each command borrows a connection from the
pool), so one per pool is kept and reused.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        state: Any = self  # Django's private attributes, unknown to the type stubs
        index = state._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in state._pools:
                state._pools[index] = state._pool_class.from_url(
                    state._servers[index], **state._pool_options
                )
            client = state._client(connection_pool=state._pools[index])
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` reusing its Redis clients."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


def cache_backend(cache: Any) -> Any:
    """The backend behind `django.core.cache.cache` (a proxy to the current thread's one)."""
    connections = getattr(cache, "_connections", None)
    return cache if connections is None else connections[cache._alias]


def window_counter_hit(cache: Any, key: str, seconds: int) -> tuple[int, int]:
    """Count one more hit on `key` in the current window of `seconds` and return (hits in this
    window, hits in the previous one), in one round trip on Redis (a pipeline of INCR, EXPIRE
    and GET), with any other cache in three calls. The counters expire after two windows."""
    window = int(time.time() // seconds)
    current, previous = f"{key}:{window}", f"{key}:{window - 1}"
    cache = cache_backend(cache)
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        current_key = cache.make_and_validate_key(current)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(current_key)
        pipeline.expire(current_key, 2 * seconds, nx=True)
        pipeline.get(cache.make_and_validate_key(previous))
        hits, _, before = pipeline.execute()
        return int(hits), int(before or 0)
    cache.add(current, 0, 2 * seconds)
    try:
        hits = int(cache.incr(current))
    except ValueError:  # expired between add and incr
        cache.set(current, 1, 2 * seconds)
        hits = 1
    return hits, int(cache.get(previous) or 0)
