"""Authentication backends: the sign-in throttle runs before the password is checked."""

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

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
