"""gunicorn's settings for smarketing's web processes.

    make serve                      # on 127.0.0.1:$PORT (8000), with the dev settings
    gunicorn -c gunicorn.conf.py    # in production (DJANGO_SETTINGS_MODULE=...production)

Connections to PostgreSQL are bounded: each worker process keeps a pool of at most `threads`
connections (one per request in flight) plus one that listens for new data versions, so the web
tier opens at most workers x (threads + 1), and a statement that runs longer than
DATABASE_STATEMENT_TIMEOUT_MS is cancelled (the request answers 503). Everything can be
overridden by the environment variables named below.
"""

import multiprocessing
import os

wsgi_app = "smarketing.wsgi:application"
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, multiprocessing.cpu_count()))))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# The pool of each worker process: one connection per thread at most.
os.environ.setdefault("DATABASE_POOL_SIZE", str(threads))
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "15000")
os.environ.setdefault("DATABASE_APPLICATION_NAME", "smarketing-web")
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory), not all at once; not often: a new worker costs ~0.4 s
# of CPU to import the app plus its first requests (what it keeps is empty). At the former 5,000
# a worker serving 1,700 requests/s restarted every 3 s, a third of a core lost to restarts.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind a proxy that sets X-Forwarded-Proto (production settings trust it for HTTPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Each web process hears of new data versions from PostgreSQL (one more connection per
    process), so a request answered from what is kept runs no statement at all
    (smarketing/core/version_listener.py). DATA_VERSION_LISTEN=0 reads the version per request."""
    if os.environ.get("DATA_VERSION_LISTEN", "1") == "1":
        from smarketing.core.data_version import data_version_listen

        data_version_listen()
