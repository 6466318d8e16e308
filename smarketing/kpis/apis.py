"""KPI API under /api/v1/ on a workspace's host: one class per operation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as ModelValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.configuration.selectors import exchange_rate_list
from smarketing.configuration.services import exchange_rates_set
from smarketing.core.api import (
    PERIOD_TEXT,
    PeriodField,
    PlanPeriodField,
    StrictInputSerializer,
    query_validated,
)
from smarketing.core.periods import SNAPSHOT_GRAINS, Grain, Period, PeriodError, period_containing

from . import services
from .definitions import BREAKDOWNS, KPIS, SCALAR_KPI_KEYS, Unit
from .models import KpiSnapshotJob
from .selectors.anomalies import kpi_anomaly_list, kpi_stability_list
from .selectors.context import kpi_period_parse
from .selectors.planner import funnel_plan_get
from .selectors.reports import kpi_report_read
from .selectors.snapshots import kpi_snapshot_job_list, kpi_snapshot_series, kpi_value

MAX_SERIES_DAYS = 3660


# --- what the KPI endpoints answer (for the OpenAPI schema; the bodies are built as dicts) ---


def _number() -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, read_only=True)


class StageDaysOutputSerializer(serializers.Serializer):
    lead_to_mql = _number()
    mql_to_sql = _number()
    sql_to_opportunity = _number()
    opportunity_to_customer = _number()


def _kpi_field(kpi) -> serializers.Field:
    if kpi.unit is Unit.DAYS_BY_STAGE:
        return StageDaysOutputSerializer(allow_null=True, read_only=True)
    return _number()


# Every KPI key of the registry: a number (counts are whole) or null.
KpiValuesOutputSerializer = type(
    "KpiValuesOutputSerializer",
    (serializers.Serializer,),
    {kpi.key: _kpi_field(kpi) for kpi in KPIS},
)


class PeriodOutputSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class SnapshotInfoOutputSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    import_ids = serializers.ListField(child=serializers.IntegerField())
    definitions_version = serializers.IntegerField()


def _groups() -> serializers.DictField:
    return serializers.DictField(child=KpiValuesOutputSerializer(), required=False)


class SeriesPointOutputSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    value = serializers.JSONField(allow_null=True, help_text="A number, null or an object")
    computed_at = serializers.DateTimeField(allow_null=True)


class AnomalyOutputSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    period = serializers.CharField()
    value = serializers.FloatField()
    direction = serializers.CharField()
    baseline_median = serializers.FloatField()
    mad = serializers.FloatField()
    robust_z = serializers.FloatField()
    deviation = serializers.FloatField()
    baseline_periods = serializers.IntegerField()


class StabilityOutputSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    months = serializers.ListField(child=serializers.CharField())
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))
    coefficient_of_variation = serializers.FloatField(allow_null=True)


FROM_PARAMETER = OpenApiParameter(
    "from",
    {"type": "string", "format": "period"},
    required=True,
    description="The first period (or a date in it), e.g. 2025-01; `from` and `to` may come in "
    "either order, at most ten years apart. " + PERIOD_TEXT,
)


def _period(text: str, field: str) -> Period:
    try:
        return kpi_period_parse(text)
    except PeriodError as error:
        raise ValidationError({field: [str(error)]}) from error


def _grain_period(text: str, grain: Grain, field: str) -> Period:
    """The period of `grain` holding the start of `text` (a period text or a date)."""
    period = _period(text, field)
    return period_containing(grain, period.first_day, period.time_zone)


class KpiReportApi(APIView):
    """Every KPI of a period, optionally by source or owner (SPEC section 6 JSON)."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        period = PeriodField()
        by = serializers.ChoiceField(choices=BREAKDOWNS, required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        workspace = serializers.CharField()
        period = PeriodOutputSerializer()
        kpis = KpiValuesOutputSerializer()
        by_source = _groups()
        by_owner = _groups()
        computed = serializers.ChoiceField(choices=["snapshot", "live"])
        snapshot = SnapshotInfoOutputSerializer(allow_null=True)

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        query = query_validated(self.InputSerializer, request.query_params)
        period = _period(query["period"], "period")
        report = kpi_report_read(period=period, by=query.get("by") or None)
        return Response({"workspace": request.tenant.slug, **report})


class KpiSeriesApi(APIView):
    """One KPI per week, month or quarter from the stored snapshots, `from` to `to` included."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        kpi = serializers.ChoiceField(choices=SCALAR_KPI_KEYS)
        grain = serializers.ChoiceField(choices=[str(grain) for grain in SNAPSHOT_GRAINS])
        # `from` is a Python keyword: read from the query string by hand.
        to = PeriodField()
        by = serializers.ChoiceField(choices=BREAKDOWNS, required=False, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        workspace = serializers.CharField()
        kpi = serializers.CharField()
        grain = serializers.CharField()
        points = SeriesPointOutputSerializer(many=True)
        by_source = serializers.DictField(child=serializers.ListField(), required=False)
        by_owner = serializers.DictField(child=serializers.ListField(), required=False)

    @extend_schema(parameters=[InputSerializer, FROM_PARAMETER], responses=OutputSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        if "from" not in request.query_params:
            raise ValidationError({"from": ["This field is required."]})
        grain, key = Grain(data.validated_data["grain"]), data.validated_data["kpi"]
        first = _grain_period(request.query_params["from"], grain, "from")
        last = _grain_period(data.validated_data["to"], grain, "to")
        if last.start < first.start:  # either order: the series runs forwards
            first, last = last, first
        if (last.start - first.start).days > MAX_SERIES_DAYS:
            raise ValidationError({"to": ["at most ten years per request"]})
        series = kpi_snapshot_series(grain=grain, first=first, last=last)
        body: dict = {
            "workspace": request.tenant.slug,
            "kpi": key,
            "grain": grain,
            "points": [
                {
                    "period": period.label,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "value": kpi_value(snapshot.kpis if snapshot else None, key),
                    "computed_at": snapshot.computed_at.isoformat() if snapshot else None,
                }
                for period, snapshot in series
            ],
        }
        by = data.validated_data.get("by")
        if by:
            groups = sorted({name for _, s in series if s for name in getattr(s, f"by_{by}")})
            body[f"by_{by}"] = {
                name: [
                    kpi_value(getattr(snapshot, f"by_{by}").get(name) if snapshot else None, key)
                    for _, snapshot in series
                ]
                for name in groups
            }
        return Response(body)


class KpiAnomalyListApi(APIView):
    """Snapshot values flagged as spikes or dips, with their baseline and deviation."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        grain = serializers.ChoiceField(choices=[str(grain) for grain in SNAPSHOT_GRAINS])
        to = PeriodField()
        kpi = serializers.ChoiceField(choices=SCALAR_KPI_KEYS, required=False)

    class OutputSerializer(serializers.Serializer):
        workspace = serializers.CharField()
        grain = serializers.CharField()
        anomalies = AnomalyOutputSerializer(many=True)

    @extend_schema(parameters=[InputSerializer, FROM_PARAMETER], responses=OutputSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        if "from" not in request.query_params:
            raise ValidationError({"from": ["This field is required."]})
        grain = Grain(data.validated_data["grain"])
        first = _grain_period(request.query_params["from"], grain, "from")
        last = _grain_period(data.validated_data["to"], grain, "to")
        if last.start < first.start:  # either order, as for the series
            first, last = last, first
        kpi = data.validated_data.get("kpi")
        anomalies = kpi_anomaly_list(
            grain=grain,
            first=first,
            last=last,
            **({"kpis": (kpi,)} if kpi else {}),
        )
        return Response({"workspace": request.tenant.slug, "grain": grain, "anomalies": anomalies})


class KpiStabilityApi(APIView):
    """Coefficient of variation of each rate over the trailing 6 monthly snapshots."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        month = PeriodField(help_text="The last month (or a period or date in it), e.g. 2025-06")

    class OutputSerializer(serializers.Serializer):
        workspace = serializers.CharField()
        stability = StabilityOutputSerializer(many=True)

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        last = _grain_period(data.validated_data["month"], Grain.MONTH, "month")
        return Response(
            {
                "workspace": request.tenant.slug,
                "stability": kpi_stability_list(last_month=last),
            }
        )


class PlannerApi(APIView):
    """Work back from a revenue target to the funnel volumes it needs."""

    permission_classes = [IsWorkspaceMember]

    class InputSerializer(serializers.Serializer):
        revenue = serializers.DecimalField(
            max_digits=None,
            decimal_places=None,
            min_value=Decimal(0),
            max_value=Decimal(10**15),
            coerce_to_string=False,
        )
        period = PlanPeriodField()

    class OutputSerializer(serializers.Serializer):
        workspace = serializers.CharField()
        revenue = serializers.FloatField()
        period = serializers.DictField(child=serializers.CharField())
        months = serializers.IntegerField()
        rates_from = PeriodOutputSerializer()
        rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
        figures = serializers.DictField(child=serializers.IntegerField(allow_null=True))
        per_month = serializers.DictField(child=serializers.IntegerField(allow_null=True))
        messages = serializers.ListField(child=serializers.CharField())

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        period = _period(data.validated_data["period"], "period")
        try:
            plan = funnel_plan_get(revenue=data.validated_data["revenue"], period=period)
        except PeriodError as error:
            raise ValidationError({"period": [str(error)]}) from error
        return Response({"workspace": request.tenant.slug, **plan})


class KpiSnapshotJobOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshotJob
        fields = [
            "id",
            "status",
            "import_id",
            "import_ids",
            "range_start",
            "range_end",
            "periods_total",
            "periods_done",
            "snapshots_changed",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class KpiSnapshotJobListApi(APIView):
    """Recent snapshot refresh jobs with their progress."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=KpiSnapshotJobOutputSerializer(many=True))
    def get(self, request):
        jobs = kpi_snapshot_job_list()
        return Response(KpiSnapshotJobOutputSerializer(jobs, many=True).data)


class KpiSnapshotRefreshApi(APIView):
    """Admins: queue a refresh of the trailing 18 months now (what the nightly job does)."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={202: KpiSnapshotJobOutputSerializer})
    def post(self, request):
        job = services.kpi_snapshot_nightly_enqueue()
        return Response(KpiSnapshotJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


# --- Exchange rates (SPEC 3.1): inputs of every money KPI ----------------------------------


class ExchangeRateOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    month = serializers.CharField(allow_null=True, help_text="YYYY-MM; null: every month")
    rate = serializers.DecimalField(max_digits=24, decimal_places=10)


def _rates_body() -> Any:
    return ExchangeRateOutputSerializer(
        [
            {
                "currency": row.currency,
                "month": row.month.strftime("%Y-%m") if row.month else None,
                "rate": row.rate,
            }
            for row in exchange_rate_list()
        ],
        many=True,
    ).data


class ExchangeRatesApi(APIView):
    """Admins: the exchange rates to the workspace's currency. A POST sets the rates given
    (`{"rates": {"EUR": "1.08"}, "month": "2025-03"}`; no month: every month without its own);
    the KPI snapshots of the months concerned are recomputed."""

    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        rates = serializers.DictField(
            child=serializers.DecimalField(
                max_digits=24, decimal_places=10, min_value=Decimal("0.0000000001")
            ),
            allow_empty=False,
        )
        month = serializers.RegexField(
            r"^\d{4}-(0[1-9]|1[0-2])$", required=False, allow_null=True, help_text="YYYY-MM"
        )

    @extend_schema(responses=ExchangeRateOutputSerializer(many=True))
    def get(self, request):
        return Response(_rates_body())

    @extend_schema(request=InputSerializer, responses=ExchangeRateOutputSerializer(many=True))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        month = data.validated_data.get("month")
        first_day = date(int(month[:4]), int(month[5:]), 1) if month else None
        try:
            exchange_rates_set(rates=dict(data.validated_data["rates"]), month=first_day)
        except ModelValidationError as error:
            raise ValidationError({"rates": error.messages}) from error
        return Response(_rates_body())
