"""Abuse limits: sign-in attempts, password-reset mails, invitations and the API.

Counters live in the default cache, whose keys carry the current schema (see
`django_tenants.cache.make_key`): every limit is per workspace, like its users, and the public
site (platform operators) has its own. Production shares the cache between web processes
(Redis, `CACHE_URL`).

What the limits say never tells whether an account exists: sign-in counts the submitted
address whether or not anyone has it, and a reset request past its limit looks exactly like one
that sent a mail.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from smarketing.core.cache import window_counter_hit

SIGN_IN_THROTTLED_MESSAGE = (
    "Too many sign-in attempts. Wait 15 minutes and try again, or reset your password."
)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def limit(name: str) -> Limit:
    """A limit of `settings.RATE_LIMITS` (count, seconds), read at call time."""
    count, seconds = settings.RATE_LIMITS[name]
    return Limit(name, int(count), int(seconds))


class RateLimited(Exception):
    """Too many of something in a time window; `retry_after` in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` proxies the
    address the nearest of them saw (the rest of X-Forwarded-For is the client's to forge)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(rule: Limit, ident: str) -> tuple[str, int]:
    window = int(time.time() // rule.seconds)
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    retry_after = rule.seconds - int(time.time() % rule.seconds)
    return f"limit:{rule.name}:{digest}:{window}", retry_after


def count_of(rule: Limit, ident: str) -> int:
    return int(cache.get(_key(rule, ident)[0]) or 0)


def hit(rule: Limit, ident: str) -> int:
    """Count one more in the current window; returns the count."""
    key, _ = _key(rule, ident)
    cache.add(key, 0, rule.seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, rule.seconds)
        return 1


def hit_or_refuse(rule: Limit, ident: str, message: str) -> None:
    """Count one more, or raise RateLimited when the window's count is already reached."""
    _, retry_after = _key(rule, ident)
    if count_of(rule, ident) >= rule.count:
        raise RateLimited(message, retry_after)
    hit(rule, ident)


def clear(rule: Limit, ident: str) -> None:
    cache.delete(_key(rule, ident)[0])


# --- sign-in ---------------------------------------------------------------------------------


def sign_in_blocked(request: HttpRequest, username: str) -> bool:
    """Too many failed sign-ins for this account, or from this address, in this workspace."""
    return (
        count_of(limit("sign-in-account"), username) >= limit("sign-in-account").count
        or count_of(limit("sign-in-address"), client_address(request))
        >= limit("sign-in-address").count
    )


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    if request is None or getattr(request, "sign_in_throttled", False):
        return
    hit(limit("sign-in-account"), str(credentials.get("username") or ""))
    hit(limit("sign-in-address"), client_address(request))


@receiver(user_logged_in)
def _signed_in(sender, request: HttpRequest | None, user, **kwargs):
    clear(limit("sign-in-account"), user.get_username())


# --- the API ---------------------------------------------------------------------------------


class SlidingWindowThrottleMixin:
    """DRF's rate throttle with a counter per window instead of a list of every request's time.

    DRF keeps each client's request times in one cache entry and rewrites it on every request
    (a get and a set whose size grows with the rate: 1200 floats at 1200/min). Here each request
    costs one Redis round trip of constant size (`window_counter_hit`), and the rate is judged
    over a sliding window estimated from this window's count and the previous one's, so a burst
    across a window boundary is still caught. Refused requests count too.
    """

    rate: str | None
    num_requests: int
    duration: int
    cache: Any

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return True
        hits, before = window_counter_hit(self.cache, key, self.duration)
        elapsed = (time.time() % self.duration) / self.duration
        estimate = hits + before * (1 - elapsed)
        self._wait = self.duration * (1 - elapsed)
        return estimate <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class WorkspaceUserRateThrottle(SlidingWindowThrottleMixin, UserRateThrottle):
    """Requests per signed-in person (per workspace: the cache key carries the schema)."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES[str(self.scope)]


class WorkspaceAnonRateThrottle(SlidingWindowThrottleMixin, AnonRateThrottle):
    """Requests per address from people who are not signed in (public survey APIs, errors)."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES[str(self.scope)]

    def get_ident(self, request):
        return client_address(request)
