"""Authentication backends: the sign-in throttle runs before the password is checked."""

import copy

from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import PermissionDenied

from smarketing.core.data_version import VersionedMemo

from .throttles import sign_in_blocked


class SignInThrottleBackend(BaseBackend):
    """Refuses every sign-in while the account or the address is over its failure limit.

    First in AUTHENTICATION_BACKENDS: raising PermissionDenied stops `authenticate()` before
    any password is checked, so a locked-out guesser learns nothing even with the right one.
    Calls without a request (tests' `Client.login`, shells) are not throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None
        if sign_in_blocked(request, username):
            request.sign_in_throttled = True
            raise PermissionDenied
        return None


# The person behind a session, read once per data version by a web process (every page asks).
_people = VersionedMemo("signed-in people", size=4096)


class WorkspaceModelBackend(ModelBackend):
    """Django's ModelBackend, reading a signed-in person once per data version: people are rows
    of the workspace, so deactivating someone or changing their role or password commits a new
    version, seen by the very next request (smarketing/core/data_version.py)."""

    def get_user(self, user_id):
        user = _people.get(user_id, lambda: super(WorkspaceModelBackend, self).get_user(user_id))
        # Each request gets its own copy: nothing a request sets on it is shared.
        return copy.copy(user)
