import os

from .base import *  # noqa: F403
from .base import CACHE_KEY_DATABASE, CELERY_QUEUE_SHARDS, celery_queues

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests compare behaviour, not the manifest; plain storage avoids a collectstatic step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TENANT_CACHE_SECONDS = 30
# Tests never share a cache with a running dev server; every key still carries its schema.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": CACHE_KEY_DATABASE,
    },
    "routing": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "routing",
        "KEY_PREFIX": f"routing:{CACHE_KEY_DATABASE}",
    },
}
WHITENOISE_USE_FINDERS = True
# Tasks sent by tests must never reach a development worker on the same broker: they name
# schemas of the test database. Test workers consume private queues (see tests/conftest.py).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "smarketing-tests")
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE, CELERY_QUEUE_SHARDS)
# The API's own throttle is tested with its own rates; the rest of the suite never meets it.
API_THROTTLE_RATES = {"user": "100000/min", "anon": "100000/min"}
