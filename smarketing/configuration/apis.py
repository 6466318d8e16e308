"""/api/v1/settings/: the workspace's settings, for admins."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin

from . import services
from .models import ChannelOwnership, KpiTarget, OwningTeam
from .selectors import workspace_settings_get


class KpiTargetSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    comparator = serializers.ChoiceField(choices=KpiTarget.Comparator.choices)
    target = serializers.DecimalField(max_digits=20, decimal_places=6)


class SettingsOutputSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    currency = serializers.CharField()
    response_sla_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    conversion_window_days = serializers.IntegerField(allow_null=True)
    definitions_version = serializers.IntegerField()
    channel_ownership = serializers.DictField(child=serializers.CharField())
    kpi_targets = KpiTargetSerializer(many=True)


def settings_body() -> dict:
    row = workspace_settings_get()
    return SettingsOutputSerializer(
        {
            "time_zone": row.time_zone,
            "currency": row.currency,
            "response_sla_hours": row.response_sla_hours,
            "conversion_window_days": row.conversion_window_days,
            "definitions_version": row.definitions_version,
            "channel_ownership": dict(ChannelOwnership.objects.values_list("source", "team")),
            "kpi_targets": KpiTarget.objects.order_by("kpi").values("kpi", "comparator", "target"),
        }
    ).data


class WorkspaceSettingsApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        time_zone = serializers.CharField(required=False)
        currency = serializers.CharField(required=False)
        response_sla_hours = serializers.DecimalField(
            max_digits=8, decimal_places=2, required=False
        )
        conversion_window_days = serializers.IntegerField(required=False, allow_null=True)
        channel_ownership = serializers.DictField(
            child=serializers.ChoiceField(choices=OwningTeam.choices), required=False
        )
        kpi_targets = KpiTargetSerializer(many=True, required=False)

    @extend_schema(responses=SettingsOutputSerializer)
    def get(self, request):
        return Response(settings_body())

    @extend_schema(request=InputSerializer, responses=SettingsOutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        services.workspace_settings_update(
            channel_ownership=values.pop("channel_ownership", None),
            kpi_targets=values.pop("kpi_targets", None),
            changes=values,
        )
        return Response(settings_body())
