"""Prepare and clean up `make load` (scripts/load): credentials and a public NPS survey in the
demo workspace, printed as shell exports; afterwards the answers the load stored are removed.

    python -m benchmarks.load_setup prepare   # prints `export LOAD_...=...` lines
    python -m benchmarks.load_setup cleanup
"""

import os
import secrets
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings.dev")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from smarketing.accounts.models import User  # noqa: E402
from surveys.models import Survey  # noqa: E402
from surveys.services import authoring  # noqa: E402
from surveys.views import form_started_token  # noqa: E402

SCHEMA, HOST = "ws_demo", "demo.localhost"
TITLE = "Load test NPS (make load)"


def prepare() -> None:
    with schema_context(SCHEMA):
        admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
        if admin is None:
            sys.exit("no demo workspace admin: run `make run` once (or scripts/prepare-database)")
        token, _ = Token.objects.get_or_create(user=admin)
        session = SessionStore()
        session[SESSION_KEY] = str(admin.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the password's
        session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
        session.create()
        survey = Survey.objects.filter(title=TITLE).first()
        if survey is None:
            survey = authoring.survey_create(
                created_by=admin, kind="nps", title=TITLE, public_link_enabled=True
            )
        if survey.status != "open":
            survey = authoring.survey_open(survey=survey, opened_by=admin)
    csrf = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and field
    started = form_started_token(time.time() - 60)
    body = f"csrfmiddlewaretoken={csrf}&started={started}&score=9&comment="
    for name, value in {
        "LOAD_HOST": HOST,
        "LOAD_TOKEN": token.key,
        "LOAD_SESSION": session.session_key,
        "LOAD_CSRF": csrf,
        "LOAD_NPS_PATH": f"/surveys/p/{survey.public_id}/",
        "LOAD_NPS_BODY": body,
    }.items():
        print(f"export {name}='{value}'")


def cleanup() -> None:
    with schema_context(SCHEMA):
        survey = Survey.objects.filter(title=TITLE).first()
        if survey is not None:
            # The answers the load stored first (released ones are protected by their release).
            survey.responses.all().delete()
            survey.delete()


if __name__ == "__main__":
    {"prepare": prepare, "cleanup": cleanup}[sys.argv[1]]()
