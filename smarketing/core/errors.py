"""Errors the domain services raise and every edge (pages, API) understands."""

from django.core.exceptions import ValidationError


class StateConflict(ValidationError):
    """Well-formed input that the current state of what it names refuses: opening a survey
    that is already open, adding customers to a pulse. Pages show it like any ValidationError;
    the API answers 409 (the same request may succeed in another state), not 400."""
