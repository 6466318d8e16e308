"""What every API of the project shares: error answers and input that refuses the unknown."""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import StateConflict


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "Not possible in the current state."
    default_code = "conflict"


def exception_handler(exc, context):
    """Domain services raise Django's ValidationError; the API answers 400 with its messages,
    or 409 for a StateConflict (valid input the object's current state refuses)."""
    if isinstance(exc, StateConflict):
        exc = Conflict(detail={"detail": exc.messages})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail={"detail": exc.messages})
    return drf_exception_handler(exc, context)


class StrictInputSerializer(serializers.Serializer):
    """Input naming only known fields: a misspelt field is an error, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class PatchInputSerializer(StrictInputSerializer):
    """A PATCH body: known fields only, and at least one of them."""

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"detail": [f"Name at least one of: {', '.join(self.fields)}."]}
            )
        return attrs


PERIOD_TEXT = (
    "A period of SPEC section 4: 2025, 2025-Q1, 2025-03, 2025-W10, a date 2025-03-14 (that day) "
    "or [2025-01-01, 2025-04-01); years 1900 to 2199."
)


@extend_schema_field({"type": "string", "format": "period", "description": PERIOD_TEXT})
class PeriodField(serializers.CharField):
    """A period text (parsed by the view, in the workspace's time zone)."""


@extend_schema_field(
    {
        "type": "string",
        "format": "plan-period",
        "description": "A year, quarter or month to plan for: 2026, 2026-Q3 or 2026-09.",
    }
)
class PlanPeriodField(serializers.CharField):
    """The period of a goal plan: a year, a quarter or a month."""


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent as a multipart part (the schema says binary, not a URL)."""


def query_validated(serializer_class: type[serializers.Serializer], query: QueryDict) -> dict:
    """The validated data of a query string, checked once per process for each distinct query
    (a query serializer reads the query alone: no request, database or time zone). A copy, so
    callers may change it; invalid queries raise every time."""
    return dict(
        _query_validated(
            serializer_class, tuple(sorted((name, tuple(values)) for name, values in query.lists()))
        )
    )


@lru_cache(maxsize=512)
def _query_validated(serializer_class: type[serializers.Serializer], items: tuple) -> Any:
    query = QueryDict(mutable=True)
    for name, values in items:
        query.setlist(name, values)
    serializer = serializer_class(data=query)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
