"""The SLA API under /api/v1/ on a workspace's host (one class per operation), and the
workspace settings API, whose `kpi_targets` are the shared monthly SLAs."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import available_timezones

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.configuration.models import ChannelOwnership, OwningTeam
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.configuration.services import workspace_settings_update
from smarketing.core.api import PatchInputSerializer, StrictInputSerializer
from smarketing.core.openapi import VALIDATION_ERROR
from smarketing.core.periods import PeriodError
from smarketing.kpis.selectors.context import kpi_period_parse

from . import rules, services
from .models import Comparator, EvaluationStatus, PeriodKind, SlaTeam
from .output import evaluation_output, sla_output, sla_period_report
from .selectors import (
    sla_evaluation_list,
    sla_get,
    sla_kpi_target_list,
    sla_list,
    sla_standing_list,
)

NAME_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": rules.NAME_MAX_LENGTH,
    "pattern": r"\S",
}


@extend_schema_field(NAME_SCHEMA)
class SlaNameField(serializers.CharField):
    """A name that is not only spaces (trimmed)."""


@extend_schema_field({"type": "string", "minLength": 1, "pattern": r"\S", "nullable": True})
class SlaSourceField(serializers.CharField):
    """A channel name, or null for every source."""


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": True,
        "maximum": float(rules.TARGET_MAX),
        "description": "A rate as a fraction in [0, 1]; a count a whole number; at most 6 "
        "decimals.",
    }
)
class SlaTargetField(serializers.Field):
    """A JSON number (not text, not a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("A number is required.")
        return data

    def to_representation(self, value):
        return value


class SlaInputSerializer(StrictInputSerializer):
    """An SLA as SPEC section 6's file writes it. The values are judged by the SLA rules first,
    so every refusal names the SLA in the same words as files and pages."""

    name = SlaNameField(max_length=rules.NAME_MAX_LENGTH)
    kpi = serializers.ChoiceField(choices=rules.NUMERIC_KPI_KEYS)
    source = SlaSourceField(allow_null=True, required=False, default=None)  # type: ignore[assignment]
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    target = SlaTargetField()
    period = serializers.ChoiceField(choices=PeriodKind.choices)
    team = serializers.ChoiceField(choices=SlaTeam.choices)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            problems = rules.sla_problems(data)
            if problems:
                raise serializers.ValidationError({"detail": problems})
        return super().to_internal_value(data)


class SlaPatchInputSerializer(PatchInputSerializer):
    """Any of an SLA's fields (the others keep their value); validated as a whole SLA."""

    name = SlaNameField(max_length=rules.NAME_MAX_LENGTH, required=False)
    kpi = serializers.ChoiceField(choices=rules.NUMERIC_KPI_KEYS, required=False)
    source = SlaSourceField(allow_null=True, required=False)  # type: ignore[assignment]
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False)
    target = SlaTargetField(required=False)
    period = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    team = serializers.ChoiceField(choices=SlaTeam.choices, required=False)


class SlaEvaluationOutputSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    final = serializers.BooleanField(help_text="False for the period in progress (a forecast).")
    status = serializers.ChoiceField(choices=EvaluationStatus.choices)
    value = serializers.FloatField(allow_null=True, help_text="Projected for a forecast.")
    value_so_far = serializers.FloatField(allow_null=True)
    elapsed_share = serializers.FloatField(allow_null=True)
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    target = serializers.FloatField()


class SlaStreakOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EvaluationStatus.choices)
    length = serializers.IntegerField()


class SlaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kpi = serializers.CharField()
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    target = serializers.FloatField()
    period = serializers.ChoiceField(choices=PeriodKind.choices)
    team = serializers.ChoiceField(choices=SlaTeam.choices)
    created_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    latest = SlaEvaluationOutputSerializer(allow_null=True, help_text="The latest closed period.")
    forecast = SlaEvaluationOutputSerializer(allow_null=True, help_text="The period in progress.")
    compliance = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text='met ÷ (met + missed) over the last 4 and 12 closed periods: {"4": …, "12": …}.',
    )
    streak = SlaStreakOutputSerializer(allow_null=True)


class SlaHistoryOutputSerializer(serializers.Serializer):
    sla = serializers.CharField()
    evaluations = SlaEvaluationOutputSerializer(many=True)


class SlaApplyOutputSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    retired = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


class SlaPeriodOutputSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class SlaResultOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    kpi = serializers.CharField()
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    target = serializers.FloatField()
    team = serializers.ChoiceField(choices=SlaTeam.choices)
    value = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=EvaluationStatus.choices)


class SlaPeriodReportOutputSerializer(serializers.Serializer):
    """As `evaluate_slas --json` prints it (SPEC section 6)."""

    workspace = serializers.CharField()
    period = SlaPeriodOutputSerializer()
    slas = SlaResultOutputSerializer(many=True)


CONFLICT = OpenApiResponse(
    response=VALIDATION_ERROR, description="An SLA of that name already exists."
)


def _sla_or_404(pk: int):
    sla = sla_get(sla_id=pk)
    if sla is None:
        raise Http404
    return sla


def _standing_body(sla) -> dict:
    (standing,) = sla_standing_list(slas=[sla])
    return SlaOutputSerializer(sla_output(standing)).data


def _name_conflict(error: services.SlaNameTaken) -> Response:
    return Response({"detail": error.messages}, status=status.HTTP_409_CONFLICT)


class SlaListApi(APIView):
    """The workspace's SLAs with their latest result, forecast and compliance over 4 and 12
    periods (`?retired=true` includes retired ones)."""

    permission_classes = [IsWorkspaceMember]

    class QuerySerializer(StrictInputSerializer):
        retired = serializers.BooleanField(
            required=False, default=False, help_text="Include retired SLAs."
        )

    @extend_schema(parameters=[QuerySerializer], responses=SlaOutputSerializer(many=True))
    def get(self, request):
        query = self.QuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        standings = sla_standing_list(
            slas=sla_list(include_retired=query.validated_data["retired"])
        )
        return Response(
            SlaOutputSerializer([sla_output(standing) for standing in standings], many=True).data
        )


class SlaCreateApi(APIView):
    """Admins: create an SLA (judged over its last 12 periods right after)."""

    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    @extend_schema(request=SlaInputSerializer, responses={201: SlaOutputSerializer, 409: CONFLICT})
    def post(self, request):
        data = SlaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            sla = services.sla_create(terms=data.validated_data)
        except services.SlaNameTaken as error:
            return _name_conflict(error)
        return Response(_standing_body(sla), status=status.HTTP_201_CREATED)


class SlaDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SlaOutputSerializer)
    def get(self, request, pk: int):
        return Response(_standing_body(_sla_or_404(pk)))


class SlaUpdateApi(APIView):
    """Admins: change an SLA (any of its fields; closed periods keep their target)."""

    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    @extend_schema(
        request=SlaPatchInputSerializer, responses={200: SlaOutputSerializer, 409: CONFLICT}
    )
    def patch(self, request, pk: int):
        sla = _sla_or_404(pk)
        if not isinstance(request.data, Mapping) or not request.data:
            raise ValidationError({"detail": ["Name at least one of the SLA's fields."]})
        data = SlaInputSerializer(data={**sla.terms(), **request.data})
        data.is_valid(raise_exception=True)
        try:
            sla = services.sla_update(sla=sla, terms=data.validated_data)
        except services.SlaNameTaken as error:
            return _name_conflict(error)
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
    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        slas = SlaInputSerializer(many=True)

        def to_internal_value(self, data):
            # Every problem of the file at once, each naming its SLA, as `sla_apply` prints them.
            if isinstance(data, Mapping) and isinstance(data.get("slas"), list):
                problems = rules.slas_problems(data["slas"])
                if problems:
                    raise serializers.ValidationError({"detail": problems})
            return super().to_internal_value(data)

    @extend_schema(request=InputSerializer, responses=SlaApplyOutputSerializer)
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        applied = services.slas_apply(slas=data.validated_data["slas"])
        return Response(SlaApplyOutputSerializer(applied).data)


class SlaHistoryApi(APIView):
    """Every stored evaluation of one SLA, oldest first."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SlaHistoryOutputSerializer)
    def get(self, request, pk: int):
        sla = _sla_or_404(pk)
        body = {
            "sla": sla.name,
            "evaluations": [
                evaluation_output(evaluation, sla=sla)
                for evaluation in sla_evaluation_list(sla=sla)
            ],
        }
        return Response(SlaHistoryOutputSerializer(body).data)


@extend_schema_field(
    {
        "type": "string",
        "format": "sla-period",
        "description": "A week, month or quarter that has started: 2025-W10, 2025-03, 2025-Q1.",
    }
)
class SlaPeriodField(serializers.CharField):
    """The period whose SLAs to evaluate (parsed by the view, in the workspace's time zone)."""


class SlaEvaluateApi(APIView):
    """Admins: evaluate and store every SLA of a period's kind, answered as `evaluate_slas
    --json` prints it."""

    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        period = SlaPeriodField()

    @extend_schema(request=InputSerializer, responses=SlaPeriodReportOutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            period = kpi_period_parse(data.validated_data["period"])
        except PeriodError as error:
            raise ValidationError({"period": [str(error)]}) from error
        evaluations = services.slas_evaluate_period(period=period)
        report = sla_period_report(request.tenant.slug, period, evaluations)
        return Response(SlaPeriodReportOutputSerializer(report).data)


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
    stages_from_deals = serializers.BooleanField()
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
            "stages_from_deals": row.stages_from_deals,
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
        stages_from_deals = serializers.BooleanField(
            required=False,
            help_text="Leads take missing opportunity/customer dates from their deals (SPEC 3.1)",
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
