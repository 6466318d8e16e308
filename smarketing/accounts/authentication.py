"""API token authentication that reads the token and its person once per data version.

DRF's `TokenAuthentication` reads the token and its user (one join) on every request. Tokens and
users are rows of the workspace, so any write to them (a revoked token, a deactivated person, a
changed role) commits a new data version (smarketing/core/data_version.py), which every request
reads first: a web process may keep what it read under the version it read it at, and a revoked
token stops working on the very next request, in every process.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from rest_framework.authentication import TokenAuthentication

from smarketing.core.data_version import VersionedMemo

# Digest of the key -> (user, token) under the data version they were read at.
known_tokens = VersionedMemo("api tokens", size=2048)


class VersionedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # A digest, not the key itself: the process's memo never holds the secrets as keys.
        digest = hashlib.sha256(key.encode()).hexdigest()
        user, token = known_tokens.get(
            digest, lambda: super(VersionedTokenAuthentication, self).authenticate_credentials(key)
        )
        # Each request gets its own copy of the person: nothing a request sets on it is shared.
        return copy.copy(user), token
