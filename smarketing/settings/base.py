"""Settings shared by every environment; everything deployment-specific comes from the env."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from kombu import Queue

from smarketing.core.queues import queue_names

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def celery_queues(default_queue: str, shards: int) -> list[Queue]:
    """The queues a worker without -Q consumes: the default one and each kind's."""
    return [Queue(name) for name in queue_names(default_queue, shards)]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env_bool("DEBUG", False)
# Workspace hosts are subdomains; the tenant middleware decides which ones exist.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1")

# --- Tenancy ---------------------------------------------------------------------------------
# `tenants` lives in the public schema. Users, sessions and admin exist in both: the public copy
# holds platform operators only, each workspace schema holds that workspace's own people.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "smarketing.accounts",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "smarketing.accounts",
    "rest_framework.authtoken",
    "smarketing.core",
    "smarketing.configuration",
    "smarketing.funnel",
    "smarketing.kpis",
    "smarketing.slas",
    "smarketing.dashboard",
    "surveys",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Workspace"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "smarketing.urls_public"
ROOT_URLCONF = "smarketing.urls_tenants"
# New workspaces are cloned from a template schema that `migrate_schemas` keeps current
# (it is a Workspace row of its own, never routed to); see tenants/provisioning.py.
TENANT_BASE_SCHEMA = "workspace_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# migrate_schemas skips the workspace schemas that already hold every migration on disk.
GET_EXECUTOR_FUNCTION = "tenants.migration.executor_for"
# Public host names (the sign-up / platform admin site).
PUBLIC_HOSTS = env_list("PUBLIC_HOSTS", "localhost,127.0.0.1")
WORKSPACE_DOMAIN_SUFFIX = os.environ.get("WORKSPACE_DOMAIN_SUFFIX", "localhost")
TENANT_CACHE_SECONDS = int(os.environ.get("TENANT_CACHE_SECONDS", "30"))
# The overview's rendered content is kept this long at most (0: rebuilt on every request); a
# new data version or a new local day makes it unused sooner (smarketing/dashboard/
# content_cache.py).
CONTENT_CACHE_SECONDS = int(os.environ.get("CONTENT_CACHE_SECONDS", "300"))
# Links in emails: the workspace's primary domain with this scheme and port (empty: the
# scheme's default), never the Host header of the request that sent them.
WORKSPACE_URL_SCHEME = os.environ.get("WORKSPACE_URL_SCHEME", "http")
WORKSPACE_URL_PORT = os.environ.get("WORKSPACE_URL_PORT", "")

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smarketing"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Web processes (gunicorn.conf.py sets these) bound their connections with a pool per process
# (at most DATABASE_POOL_SIZE, health-checked on checkout, returned after each request) and
# give up on a statement after DATABASE_STATEMENT_TIMEOUT_MS; workers and commands keep one
# persistent connection and no timeout (imports and refreshes are long by nature). Pooling is
# safe with schema switching: django-tenants sets the search_path on every new cursor, and a
# connection back from the pool is treated as new (tests/core/test_connections.py).
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "0"))
DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "0"))
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["application_name"] = os.environ.get("DATABASE_APPLICATION_NAME", "smarketing")
if DATABASE_STATEMENT_TIMEOUT_MS:
    _db_options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
if DATABASE_POOL_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    _db_options["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        "max_idle": 300,
    }
# A PostgreSQL read replica for the dashboards' reads (GET requests, figures only; writes,
# transactions, sessions and users stay on the primary): smarketing/core/replica.py. Same
# options and pool as the primary; tests mirror it onto the test database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_APPS = ["funnel", "kpis", "slas", "surveys"]
if DATABASE_REPLICA_URL:
    _replica: dict[str, Any] = dict(DATABASES["default"])
    _replica_url: dict[str, Any] = dict(dj_database_url.parse(DATABASE_REPLICA_URL))
    _replica.update(
        {key: _replica_url[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    )
    _replica["OPTIONS"] = {
        **_db_options,
        "application_name": f"{_db_options['application_name']}-ro",
    }
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica  # type: ignore[assignment]
DATABASE_ROUTERS = [
    "smarketing.core.replica.ReplicaRouter",
    "django_tenants.routers.TenantSyncRouter",
]
# `SET search_path` once per connection and schema rather than before every cursor: django-tenants
# forgets the path it set whenever the schema changes, the connection closes or goes back to the
# pool, or a transaction rolls back, and nothing in the product sets the path by hand. Halves the
# statements of a request (tests/core/test_connections.py checks the path after reuse).
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    # Outermost: every response gets the Content-Security-Policy and the security headers,
    # static files, unknown hosts, suspended workspaces and error pages included.
    "smarketing.core.csp.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Static files are the same on every host: served before routing, so the pages for an
    # unknown host or a suspended workspace get their stylesheet too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.WorkspaceRoutingMiddleware",
    # GET/HEAD: dashboard figures from the read replica when DATABASE_REPLICA_URL is set.
    "smarketing.core.replica.ReplicaReadsMiddleware",
    "smarketing.configuration.middleware.WorkspaceTimeZoneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.workspace",
                "smarketing.dashboard.context_processors.notifications",
                "smarketing.dashboard.context_processors.navigation",
            ],
        },
    }
]

WSGI_APPLICATION = "smarketing.wsgi.application"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The sign-in throttle runs first: over its limit, no password is even checked.
AUTHENTICATION_BACKENDS = [
    "smarketing.accounts.backends.SignInThrottleBackend",
    # Django's, reading a signed-in person once per data version.
    "smarketing.accounts.backends.WorkspaceModelBackend",
]
# Abuse limits (count, window in seconds), per workspace: see smarketing/accounts/throttles.py.
RATE_LIMITS = {
    "sign-in-account": (5, 15 * 60),  # failed sign-ins per account
    "sign-in-address": (20, 15 * 60),  # failed sign-ins per client address
    "password-reset-account": (3, 60 * 60),  # reset mails per address asked for
    "password-reset-address": (10, 60 * 60),  # reset requests per client address
    "invitations-admin": (30, 60 * 60),  # invitations sent per admin
}
# Public survey answers per address and per survey (django-ratelimit syntax), and the least
# time a person takes to fill the form (bots are faster).
SURVEY_RATE_PER_IP = os.environ.get("SURVEY_RATE_PER_IP", "10/m")
SURVEY_RATE_PER_SURVEY = os.environ.get("SURVEY_RATE_PER_SURVEY", "300/m")
SURVEY_MIN_FILL_SECONDS = float(os.environ.get("SURVEY_MIN_FILL_SECONDS", "3"))
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))

# Host-only cookies: a workspace's session is never sent to another workspace's host.
SESSION_COOKIE_DOMAIN = None
# Django's database sessions, each row read once per data version by a web process.
SESSION_ENGINE = "smarketing.accounts.sessions"
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): scripts only from our own static files, or inline with
# the request's nonce (`{{ request.csp_nonce }}`); never 'unsafe-inline' scripts. Inline style
# attributes stay allowed (bar widths, Swagger UI's stylesheet); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Chart.js comes from npm (`npm ci`); only its dist folder is exposed.
STATICFILES_DIRS = [("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded import files larger than this are refused before they are read (bytes; the default
# is 200 MB, and pages and messages count MB as 2^20 bytes, so it reads "200 MB").
FUNNEL_IMPORT_MAX_BYTES = int(os.environ.get("FUNNEL_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# An import queued or running this long with no import running in its workspace is requeued once,
# then failed (its task message was lost); checked every 5 minutes by beat.
FUNNEL_IMPORT_STALE_SECONDS = int(os.environ.get("FUNNEL_IMPORT_STALE_SECONDS", "900"))

# --- Cache -------------------------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "locmem://")
if CACHE_URL.startswith("redis://"):
    _cache_backend = {
        # Django's Redis cache, reusing one client per pool instead of building one per command.
        "BACKEND": "smarketing.core.cache.RedisCache",
        "LOCATION": CACHE_URL,
    }
else:
    _cache_backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# Every cache key is prefixed with the current schema, so one workspace never reads another's.
# The routing cache (host → workspace) is read before any schema is chosen, so its keys must
# not depend on one: it gets an alias of its own without the schema prefix.
# Keys also carry the database: two checkouts (or a test run and a dev server) on different
# databases sharing one Redis never read each other's entries (a host, a schema name and a data
# version mean different things in another database).
_db = DATABASES["default"]
CACHE_KEY_DATABASE = f"{_db.get('HOST') or 'local'}:{_db.get('PORT') or ''}/{_db['NAME']}"
CACHES = {
    "default": {
        **_cache_backend,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": CACHE_KEY_DATABASE,
    },
    "routing": {**_cache_backend, "KEY_PREFIX": f"routing:{CACHE_KEY_DATABASE}"},
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
# No results are needed by the product; tests set one to read what a task answered.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "smarketing")
# Imports, KPI refreshes and emails on queues of their own (`<default>.imports`, `.refresh`,
# `.email`; split by workspace into CELERY_QUEUE_SHARDS queues each when more than 1), so each
# kind can get its own workers: see smarketing/core/queues.py and docs/scaling.md. A worker
# started without -Q consumes them all.
CELERY_QUEUE_SHARDS = int(os.environ.get("CELERY_QUEUE_SHARDS", "1"))
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE, CELERY_QUEUE_SHARDS)
CELERY_TASK_ROUTES = ["smarketing.core.queues.task_route"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis: an unacknowledged task (its worker died) is redelivered after this many seconds.
# The SQLAlchemy fallback transport has no such option (it would pass it to create_engine and
# fail); there, the stale-import check of the funnel app recovers lost tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
        # A broker that does not answer is given up on quickly (the outbox sends later).
        "socket_connect_timeout": 2,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else {}
)
CELERY_BEAT_SCHEDULE: dict = {
    # Opens due survey waves, closes expired ones and sends reminders, in every workspace.
    "surveys-periodic": {"task": "surveys.periodic_all", "schedule": 15 * 60.0},
    # Recomputes the KPI snapshots of the trailing 18 months in every workspace, at night (UTC).
    "kpis-nightly": {"task": "kpis.snapshot_nightly", "schedule": crontab(hour=2, minute=30)},
    # Judges every workspace's SLAs hourly: the period in progress (forecast) and the one that
    # closed last (periods close at midnight in each workspace's time zone, so hourly).
    "slas-evaluate": {"task": "slas.evaluate_all", "schedule": crontab(minute=7)},
    # Requeues (once), then fails, imports left queued/running with no worker on them: a killed
    # worker's import is found within a minute (its lock is free while it says "running").
    "funnel-stale-imports": {"task": "funnel.import_jobs_stale_all", "schedule": 60.0},
    # The same for KPI refresh jobs.
    "kpis-stale-refreshes": {"task": "kpis.snapshot_jobs_stale_all", "schedule": 60.0},
    # The outbox: sends committed, unsent jobs (the broker was down when they were queued).
    "outbox-dispatch": {
        "task": "tenants.outbox_dispatch_all",
        "schedule": float(os.environ.get("OUTBOX_DISPATCH_SECONDS", "5")),
    },
    # The quarterly alignment report, emailed to every workspace's admins as a quarter begins.
    "dashboard-quarterly-report": {
        "task": "dashboard.alignment_report_quarterly",
        "schedule": crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
    },
}

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "smarketing <noreply@localhost>")

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "smarketing.accounts.authentication.VersionedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["smarketing.accounts.permissions.IsWorkspaceMember"],
    "DEFAULT_THROTTLE_CLASSES": [
        "smarketing.accounts.throttles.WorkspaceAnonRateThrottle",
        "smarketing.accounts.throttles.WorkspaceUserRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "smarketing.core.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "smarketing.core.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "smarketing.core.negotiation.ContentNegotiation",
}
# Requests per person (signed in) or per address (anonymous), per workspace.
API_THROTTLE_RATES = {
    "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "smarketing API",
    "DESCRIPTION": "A workspace's data, KPIs and surveys. Served on the workspace's own host.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for each choice set that several serializers use.
    "ENUM_NAME_OVERRIDES": {
        "ImportKindEnum": "smarketing.funnel.models.ImportKind",
        "ImportFormatEnum": "smarketing.funnel.models.ImportFormat",
        "TeamEnum": "smarketing.accounts.models.Team",
        "SurveyKindEnum": "surveys.models.SurveyKind",
        "SurveyStatusEnum": "surveys.models.SurveyStatus",
        "SlaTeamEnum": "smarketing.slas.models.SlaTeam",
        "SlaStatusEnum": "smarketing.slas.models.EvaluationStatus",
        "ReasonKindEnum": "smarketing.funnel.models.ReasonKind",
    },
    # Swagger UI from the static files (drf-spectacular-sidecar), no CDN: works offline and
    # under the Content-Security-Policy (its start script is a file too: the split view).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
