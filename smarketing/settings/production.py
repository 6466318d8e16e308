"""Production settings: refuse to start with an insecure configuration."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DEBUG, SECRET_KEY, env_bool


def _insecure_reasons() -> list[str]:
    reasons = []
    if DEBUG:
        reasons.append("DEBUG must be off")
    if "SECRET_KEY" not in os.environ or SECRET_KEY.startswith("dev-") or len(SECRET_KEY) < 50:
        reasons.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        reasons.append("ALLOWED_HOSTS must list the real host names")
    if "DATABASE_URL" not in os.environ:
        reasons.append("DATABASE_URL must be set")
    if "CELERY_BROKER_URL" not in os.environ:
        reasons.append("CELERY_BROKER_URL must be set")
    return reasons


_reasons = _insecure_reasons()
if _reasons:
    raise ImproperlyConfigured("Refusing to start: " + "; ".join(_reasons))

WORKSPACE_URL_SCHEME = os.environ.get("WORKSPACE_URL_SCHEME", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A year, every workspace subdomain included, eligible for the browsers' preload lists.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
