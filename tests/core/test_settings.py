import os
import subprocess
import sys

import pytest

SECURE_ENV = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "smarketing.example.com,.smarketing.example.com",
    "DATABASE_URL": "postgres://app@db.internal:5432/smarketing",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "DEBUG": "0",
}


def _load_production_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECURE_ENV}
    return subprocess.run(
        [sys.executable, "-c", "import smarketing.settings.production"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_load_with_a_secure_configuration():
    result = _load_production_settings(SECURE_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SECRET_KEY": "dev-insecure-secret-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_settings_refuse_an_insecure_configuration(override, reason):
    result = _load_production_settings({**SECURE_ENV, **override})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and reason in result.stderr


def test_openapi_schema_renders_for_a_member(alice_client):
    response = alice_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/members/" in paths and "/api/v1/invitations/" in paths


# Schema warnings of APIs whose own work is still describing them (none left: the survey and
# SLA APIs are described); every line of `check --deploy` must be silent, security first.
PENDING_ELSEWHERE: tuple[str, ...] = ()


def test_check_deploy_is_clean_with_production_settings():
    """HSTS without includeSubDomains, no preload, OpenAPI name collisions and views without
    a response schema were all reported here."""
    clean = {k: v for k, v in os.environ.items() if k not in SECURE_ENV}
    env = {
        **clean,
        **SECURE_ENV,
        "SECRET_KEY": "Zq7-vN2#kR9!pW4@tY6$uB8%hJ1^mX3&cL5*eG0(aS-dF+iO=yQ/wE?rT<zU>oP",
        "DJANGO_SETTINGS_MODULE": "smarketing.settings.production",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    reported = [
        line
        for line in output.splitlines()
        if line.startswith("?:") and not any(pending in line for pending in PENDING_ELSEWHERE)
    ]
    assert reported == [], output
    assert "security." not in output, output


def test_cache_keys_name_the_database():
    """Two checkouts (databases) sharing one Redis never read each other's entries."""
    from django.conf import settings
    from django.core.cache import caches

    from smarketing.settings.base import CACHE_KEY_DATABASE

    name = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    assert CACHE_KEY_DATABASE.endswith(f"/{name}")
    for alias in ("default", "routing"):
        assert CACHE_KEY_DATABASE in caches[alias].make_key("host:alpha.localhost")
