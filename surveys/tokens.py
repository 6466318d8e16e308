"""Personal survey links.

A link's token is HMAC-SHA256(SECRET_KEY, schema : survey : nonce) with a random 128-bit
nonce: 256 bits, scoped to the workspace and the survey, and re-creatable for reminders
without storing the token itself (only its SHA-256 is stored, for the lookup).
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import connection


def nonce_new() -> str:
    return secrets.token_hex(16)


def invitee_token(*, survey_id: int, nonce: str, schema_name: str | None = None) -> str:
    schema = schema_name or connection.schema_name  # type: ignore[attr-defined]
    message = f"survey-invitee:{schema}:{survey_id}:{nonce}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
