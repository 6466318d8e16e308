"""The reason lists under /api/v1/reasons/ (one class per operation): everyone reads, admins
change them. Values are validated by the same services as the page and the admin."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.core.api import PatchInputSerializer, StrictInputSerializer
from smarketing.core.openapi import ERROR_DETAIL

from . import reason_services
from .models import Reason, ReasonKind
from .reason_selectors import reason_get, reason_list, reason_unknown_values


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"\S",
        "minLength": 1,
        "maxLength": reason_services.NAME_MAX_LENGTH,
    }
)
class ReasonTextField(serializers.CharField):
    """A reason's name or a CRM value: some text that is not only spaces."""

    def __init__(self, **kwargs):
        super().__init__(max_length=reason_services.NAME_MAX_LENGTH, **kwargs)


CONFLICT = OpenApiResponse(
    response={
        "type": "object",
        "properties": {"detail": {"type": "array", "items": {"type": "string"}}},
    },
    description="The name or value already means a reason, or the reason is of the other list.",
)


def _conflict(error: reason_services.ReasonConflict) -> Response:
    return Response({"detail": error.messages}, status=status.HTTP_409_CONFLICT)


class ReasonOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReasonKind.choices)
    name = serializers.CharField()
    position = serializers.IntegerField()
    aliases = serializers.ListField(
        child=serializers.CharField(), help_text="Values a CRM writes that mean this reason."
    )


class UnknownValueOutputSerializer(serializers.Serializer):
    value = serializers.CharField()
    rows = serializers.IntegerField()


def reason_output(reason: Reason) -> dict:
    return ReasonOutputSerializer(
        {
            "id": reason.pk,
            "kind": reason.kind,
            "name": reason.name,
            "position": reason.position,
            "aliases": [alias.value for alias in reason.aliases.all()],
        }
    ).data


def _reason_or_404(pk: int) -> Reason:
    reason = reason_get(reason_id=pk)
    if reason is None:
        raise Http404
    return reason


KIND_PARAMETER = OpenApiParameter(
    "kind", str, enum=ReasonKind.values, description="Only this list (default: both)."
)


class ReasonListApi(APIView):
    """The lists of MQL rejection reasons and deal loss reasons, in their order."""

    permission_classes = [IsWorkspaceMember]

    class QuerySerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=ReasonKind.choices, required=False)

    @extend_schema(parameters=[KIND_PARAMETER], responses=ReasonOutputSerializer(many=True))
    def get(self, request):
        query = self.QuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        reasons = reason_list(kind=query.validated_data.get("kind"))
        return Response([reason_output(reason) for reason in reasons])


class ReasonUnknownValuesApi(APIView):
    """The values imports stored that no reason of the list means yet (to map), most rows
    first."""

    permission_classes = [IsWorkspaceMember]

    class QuerySerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=ReasonKind.choices)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ReasonKind.values, required=True, description="")
        ],
        responses=UnknownValueOutputSerializer(many=True),
    )
    def get(self, request):
        query = self.QuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = reason_unknown_values(kind=query.validated_data["kind"])
        return Response(
            UnknownValueOutputSerializer(
                [{"value": value, "rows": rows} for value, rows in values], many=True
            ).data
        )


class ReasonCreateApi(APIView):
    """Admins: add a reason at the end of its list (stored values spelt as it take it)."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=ReasonKind.choices)
        name = ReasonTextField()

    @extend_schema(request=InputSerializer, responses={201: ReasonOutputSerializer, 409: CONFLICT})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reason = reason_services.reason_create(**data.validated_data)
        except reason_services.ReasonConflict as error:
            return _conflict(error)
        return Response(reason_output(reason), status=status.HTTP_201_CREATED)


class ReasonDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=ReasonOutputSerializer)
    def get(self, request, pk: int):
        return Response(reason_output(_reason_or_404(pk)))


class ReasonUpdateApi(APIView):
    """Admins: rename a reason (its rows follow; the old name keeps meaning it) or move it."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(PatchInputSerializer):
        name = ReasonTextField(required=False)
        position = serializers.IntegerField(min_value=0, max_value=32767, required=False)

    @extend_schema(request=InputSerializer, responses={200: ReasonOutputSerializer, 409: CONFLICT})
    def patch(self, request, pk: int):
        reason = _reason_or_404(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reason = reason_services.reason_update(reason=reason, **data.validated_data)
        except reason_services.ReasonConflict as error:
            return _conflict(error)
        return Response(reason_output(reason_get(reason_id=reason.pk)))  # type: ignore[arg-type]


class ReasonDeleteApi(APIView):
    """Admins: take a reason off its list; its rows keep the name (listed to map again)."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        reason_services.reason_delete(reason=_reason_or_404(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReasonMapApi(APIView):
    """Admins: a value a CRM writes now means a reason of the list: saved for later imports,
    and the rows already stored with it are relabelled. Answers the reason."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=ReasonKind.choices)
        value = ReasonTextField()
        reason = serializers.IntegerField(
            min_value=1, max_value=2**63 - 1, help_text="The id of a reason of the list."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ReasonOutputSerializer,
            404: OpenApiResponse(response=ERROR_DETAIL, description="No reason with this id."),
            409: CONFLICT,
        },
    )
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = reason_get(reason_id=data.validated_data["reason"])
        if reason is None:
            raise Http404
        try:
            reason_services.reason_value_map(
                kind=data.validated_data["kind"], value=data.validated_data["value"], reason=reason
            )
        except reason_services.ReasonConflict as error:
            return _conflict(error)
        return Response(reason_output(reason_get(reason_id=reason.pk)))  # type: ignore[arg-type]
