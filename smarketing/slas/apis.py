"""The SLA API under /api/v1/ on a workspace's host (one class per operation), and the
workspace settings API, whose `kpi_targets` are the shared monthly SLAs."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.configuration.models import ChannelOwnership, OwningTeam
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.configuration.services import workspace_settings_update
from smarketing.core.api import PatchInputSerializer
from smarketing.core.periods import PeriodError
from smarketing.kpis.selectors.context import kpi_period_parse

from . import services
from .models import Comparator, PeriodKind, SlaTeam
from .output import evaluation_output, sla_output, sla_period_report
from .selectors import (
    sla_evaluation_list,
    sla_get,
    sla_kpi_target_list,
    sla_list,
    sla_standing_list,
)


class SlaInputSerializer(serializers.Serializer):
    """An SLA as SPEC section 6's file writes it. Only the shape is checked here: the service
    validates the values (as for files and pages) and names the SLA in each message."""

    name = serializers.CharField(max_length=200)
    kpi = serializers.CharField(max_length=64)
    source = serializers.CharField(allow_null=True, required=False, default=None)  # type: ignore[assignment]
    comparator = serializers.CharField()
    target = serializers.JSONField()
    period = serializers.CharField()
    team = serializers.CharField()


class SlaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kpi = serializers.CharField()
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    target = serializers.FloatField()
    period = serializers.ChoiceField(choices=PeriodKind.choices)
    team = serializers.ChoiceField(choices=SlaTeam.choices)
    retired_at = serializers.DateTimeField(allow_null=True)
    latest = serializers.DictField(allow_null=True)
    forecast = serializers.DictField(allow_null=True)
    compliance = serializers.DictField()


def _sla_or_404(pk: int):
    sla = sla_get(sla_id=pk)
    if sla is None:
        raise Http404
    return sla


def _standing_body(sla) -> dict:
    (standing,) = sla_standing_list(slas=[sla])
    return sla_output(standing)


class SlaListApi(APIView):
    """The workspace's SLAs with their latest result, forecast and compliance over 4 and 12
    periods (`?retired=1` includes retired ones)."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SlaOutputSerializer(many=True))
    def get(self, request):
        retired = request.query_params.get("retired") in ("1", "true")
        standings = sla_standing_list(slas=sla_list(include_retired=retired))
        return Response([sla_output(standing) for standing in standings])


class SlaCreateApi(APIView):
    """Admins: create an SLA (judged over its last 12 periods right after)."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=SlaInputSerializer, responses={201: SlaOutputSerializer})
    def post(self, request):
        data = SlaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sla = services.sla_create(terms=data.validated_data)
        return Response(_standing_body(sla), status=status.HTTP_201_CREATED)


class SlaDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SlaOutputSerializer)
    def get(self, request, pk: int):
        return Response(_standing_body(_sla_or_404(pk)))


class SlaUpdateApi(APIView):
    """Admins: change an SLA (every field as in the file; closed periods keep their target)."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=SlaInputSerializer, responses=SlaOutputSerializer)
    def patch(self, request, pk: int):
        sla = _sla_or_404(pk)
        data = SlaInputSerializer(data={**sla.terms(), **request.data})
        data.is_valid(raise_exception=True)
        sla = services.sla_update(sla=sla, terms=data.validated_data)
        return Response(_standing_body(sla))


class SlaRetireApi(APIView):
    """Admins: retire an SLA (no longer evaluated; its history stays)."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses=SlaOutputSerializer)
    def post(self, request, pk: int):
        sla = services.sla_retire(sla=_sla_or_404(pk))
        return Response(_standing_body(sla))


class SlaApplyApi(APIView):
    """Admins: the SLAs of the body (`{"slas": [...]}`, SPEC section 6's file) become the
    workspace's SLAs, matched by name; those not listed are retired. All or nothing."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        slas = serializers.ListField(child=serializers.JSONField())

    @extend_schema(request=InputSerializer)
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.slas_apply(slas=data.validated_data["slas"]))


class SlaHistoryApi(APIView):
    """Every stored evaluation of one SLA, oldest first."""

    permission_classes = [IsWorkspaceMember]

    def get(self, request, pk: int):
        sla = _sla_or_404(pk)
        return Response(
            {
                "sla": sla.name,
                "evaluations": [
                    evaluation_output(evaluation, sla=sla)
                    for evaluation in sla_evaluation_list(sla=sla)
                ],
            }
        )


class SlaEvaluateApi(APIView):
    """Admins: evaluate and store every SLA of a period's kind, answered as `evaluate_slas
    --json` prints it."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        period = serializers.CharField()

    @extend_schema(request=InputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            period = kpi_period_parse(data.validated_data["period"])
        except PeriodError as error:
            raise ValidationError({"period": [str(error)]}) from error
        evaluations = services.slas_evaluate_period(period=period)
        return Response(sla_period_report(request.tenant.slug, period, evaluations))


# --- Settings (KPI targets are the shared monthly SLAs) ---------------------------------------


class KpiTargetSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    comparator = serializers.ChoiceField(choices=Comparator.choices)
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
            "kpi_targets": [
                {"kpi": sla.kpi, "comparator": sla.comparator, "target": sla.target}
                for sla in sla_kpi_target_list()
            ],
        }
    ).data


TIME_ZONES = sorted(available_timezones())


class WorkspaceSettingsApi(APIView):
    """The workspace's settings (admins only); one transaction per change. `kpi_targets` are
    the shared monthly SLAs on the whole workspace: a PATCH with `kpi_targets` replaces them
    (matched by KPI; those left out are retired), as the settings page does."""

    permission_classes = [IsWorkspaceAdmin]
    # JSON only: a form cannot carry the nested targets, and would drop them silently.
    parser_classes = [JSONParser]

    class InputSerializer(PatchInputSerializer):
        time_zone = serializers.ChoiceField(choices=TIME_ZONES, required=False)
        currency = serializers.RegexField(
            r"^[A-Za-z]{3}$", required=False, help_text="ISO 4217, e.g. EUR"
        )
        response_sla_hours = serializers.DecimalField(
            max_digits=8, decimal_places=2, min_value=Decimal("0.01"), required=False
        )
        conversion_window_days = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=3650
        )
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
        kpi_targets = values.pop("kpi_targets", None)
        with transaction.atomic():
            workspace_settings_update(
                channel_ownership=values.pop("channel_ownership", None), changes=values
            )
            if kpi_targets is not None:
                services.sla_kpi_targets_replace(kpi_targets=kpi_targets)
        return Response(settings_body())
