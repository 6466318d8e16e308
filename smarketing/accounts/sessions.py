"""Sessions in the workspace's database, read once per data version by a web process.

Every page reads its session row. Sessions are rows of the workspace: a sign-in, a sign-out or a
changed session commits a new data version (smarketing/core/data_version.py), so a web process
may keep the row it read under the version it read it at. An expired row is never used: its
expiry is checked at every request, as Django's query does.
"""

from __future__ import annotations

import hashlib

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from smarketing.core.data_version import VersionedMemo

_rows = VersionedMemo("sessions", size=4096)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        read = super()._get_session_from_db  # type: ignore[misc]
        # A digest, not the key itself: the memo never holds the secrets as keys.
        digest = hashlib.sha256((self.session_key or "").encode()).hexdigest()
        row = _rows.get(digest, read, model=Session)
        if row is None or row.expire_date <= timezone.now():
            return None
        return row
