"""How the API describes itself (drf-spectacular): unique names and the errors it answers.

- Serializers nested in an API class (`KpiReportApi.InputSerializer`) are named after that
  class (`KpiReportInput`), so two APIs' `InputSerializer`s never collide into one component.
- Every operation documents the error answers it can really give: 400 (invalid input: field →
  messages), 401/403 (not signed in, or not allowed), 404 (a path naming nothing), 405 is left
  to the methods listed, 429 (throttled), with the bodies DRF sends.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_basic_type, build_object_type, force_instance
from drf_spectacular.types import OpenApiTypes
from rest_framework import permissions, serializers

from .api import PatchInputSerializer, StrictInputSerializer

# {"detail": "..."}: what DRF answers for 401, 403, 404 and 429.
ERROR_DETAIL = build_object_type(
    properties={"detail": build_basic_type(OpenApiTypes.STR)}, required=["detail"]
)
# A 400: each field (or "detail" / "non_field_errors") with its messages, nested for nested
# input. Free-form by nature, but always an object.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {},
    "description": 'Each invalid field with its messages, e.g. {"period": ["..."]}.',
}


class AutoSchema(SpectacularAutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Input that refuses unknown fields says so; a PATCH needs at least one field.
        if isinstance(serializer, StrictInputSerializer) and direction == "request":
            schema["additionalProperties"] = False
            if isinstance(serializer, PatchInputSerializer):
                schema["minProperties"] = 1
        return schema

    def get_serializer_name(self, serializer: serializers.Serializer, direction) -> str:
        qualname = serializer.__class__.__qualname__
        if "." in qualname:
            outer, inner = qualname.rsplit(".", 2)[-2:]
            # The generic nested names collide across APIs: KpiReportApi.InputSerializer ->
            # KpiReportApiInput (never the name of a module-level serializer: those drop "Api").
            if inner.startswith(("Input", "Output", "Patch", "Query", "Filter")):
                return outer + inner.removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        # A hand-written request schema (a dict) with required fields needs a body at all, and
        # so does a PATCH (at least one field).
        if body and (
            isinstance(force_instance(self.get_request_serializer()), PatchInputSerializer)
            or any(
                media.get("schema", {}).get("required")
                for media in body.get("content", {}).values()
            )
        ):
            body["required"] = True
        return body

    def _takes_input(self) -> bool:
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())

    def _is_public(self) -> bool:
        return all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {}
        if self._takes_input():
            errors["400"] = ("Invalid input.", VALIDATION_ERROR)
        if not self._is_public():
            errors["401"] = ("Not signed in (no session or token).", ERROR_DETAIL)
            errors["403"] = ("Signed in, but not allowed (role), or no CSRF token.", ERROR_DETAIL)
        if "{" in self.path:
            errors["404"] = ("Nothing with this id in this workspace.", ERROR_DETAIL)
        errors["429"] = ("Too many requests: wait for Retry-After seconds.", ERROR_DETAIL)
        for code, (description, schema) in errors.items():
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": schema}}, "description": description},
            )
        return responses
