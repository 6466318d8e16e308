"""Reads of the SLA app: SLAs, the KPI values they are judged on, their history and
compliance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from smarketing.accounts.models import Role
from smarketing.configuration.selectors import workspace_settings_get, workspace_time_zone
from smarketing.core.periods import Grain, Period, period_containing
from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.selectors.context import kpi_context_get
from smarketing.kpis.selectors.reports import kpi_report
from smarketing.kpis.selectors.snapshots import (
    kpi_snapshot_for_period,
    kpi_snapshot_series,
    snapshot_has_data,
)

from .evaluation import Status, compliance, longest_met_streak, streak
from .glossary import STAGE_NAMES, STAGES, STANDARD_DEFINITIONS
from .models import DefinitionVersion, SignoffTeam, Sla, SlaEvaluation, SlaTeam, TeamLead
from .proposals import template_proposals

# Compliance is shown over the latest 4 and 12 closed periods of each SLA.
COMPLIANCE_WINDOWS = (4, 12)


def sla_list(*, include_retired: bool = False) -> QuerySet[Sla]:
    slas = Sla.objects.all()
    return slas if include_retired else slas.filter(retired_at=None)


def sla_get(*, sla_id: int) -> Sla | None:
    return Sla.objects.filter(pk=sla_id).first()


def sla_targets_by_kpi(*, period: str = "month") -> dict[str, Sla]:
    """The targets pages show beside a KPI of a `period` (week, month, quarter): each active
    SLA on the whole workspace (no source filter) of that period kind, by KPI; a shared SLA
    (what used to be a KPI target) wins over a team's when both name the KPI."""
    targets: dict[str, Sla] = {}
    slas = sla_list().filter(period=period, source="").order_by("name")
    for sla in sorted(slas, key=lambda sla: sla.team != SlaTeam.SHARED):
        targets.setdefault(sla.kpi, sla)
    return targets


def sla_kpi_target_list() -> list[Sla]:
    """The settings API's and page's `kpi_targets`: active shared monthly SLAs of the whole
    workspace, by KPI key."""
    slas = sla_list().filter(team=SlaTeam.SHARED, period="month", source="")
    return sorted(slas, key=lambda sla: (sla.kpi, sla.name))


def sla_current_period(kind: str, *, now: datetime | None = None) -> Period:
    """The week, month or quarter in progress in the workspace's time zone."""
    time_zone = workspace_time_zone()
    today = (now or timezone.now()).astimezone(time_zone).date()
    return period_containing(Grain(kind), today, time_zone)


def sla_periods(kind: str, *, now: datetime, history: int) -> list[Period]:
    """The `history` latest closed periods of `kind`, oldest first, then the one in progress."""
    current = sla_current_period(kind, now=now)
    return [current.shifted(-steps) for steps in range(history, 0, -1)] + [current]


@dataclass
class PeriodValues:
    """A period's rounded KPI values (SPEC section 5), in total and by source."""

    total: Mapping[str, Any]
    by_source: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    computed: str = "snapshot"
    definitions_version: int | None = None

    def of(self, source: str | None) -> Mapping[str, Any] | None:
        """The values of the workspace (no source) or of one source."""
        return self.by_source.get(source) if source else self.total


def sla_period_values(
    period: Period, *, kpis: Iterable[str], sources: Iterable[str]
) -> PeriodValues:
    """The KPI values a period's SLAs are judged on: from the period's snapshot when it holds
    every KPI and source asked, else computed live (one statement, by source when asked)."""
    kpis, sources = set(kpis), set(sources)
    snapshot = kpi_snapshot_for_period(period)
    if (
        snapshot is not None
        and kpis <= set(snapshot.kpis)
        and sources <= set(snapshot.by_source)
        and all(kpis <= set(snapshot.by_source[source]) for source in sources)
    ):
        return PeriodValues(
            snapshot.kpis, snapshot.by_source, "snapshot", snapshot.definitions_version
        )
    context = kpi_context_get()
    report = kpi_report(period=period, by="source" if sources else None, context=context)
    return PeriodValues(
        report["kpis"], report.get("by_source", {}), "live", context.definitions_version
    )


def sla_evaluation_list(*, sla: Sla, limit: int | None = None) -> list[SlaEvaluation]:
    """An SLA's evaluations, oldest first (the latest `limit` when given)."""
    evaluations = sla.evaluations.order_by("-period_start")
    return list(reversed(evaluations[:limit] if limit else evaluations))


def sla_period_evaluations(*, period: Period) -> list[SlaEvaluation]:
    return list(
        SlaEvaluation.objects.filter(
            period_start=period.start, period_end=period.end, sla__retired_at=None
        )
        .select_related("sla")
        .order_by("sla__name")
    )


def _fraction_output(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 6)


@dataclass
class SlaStanding:
    """How an SLA is doing: its latest closed periods, streaks, compliance and forecast."""

    sla: Sla
    closed: list[SlaEvaluation]  # the latest 12 closed periods, oldest first
    forecast: SlaEvaluation | None
    compliance: dict[int, float | None]
    streak: Any
    longest_met_streak: int

    @property
    def latest(self) -> SlaEvaluation | None:
        return self.closed[-1] if self.closed else None

    @property
    def unit(self) -> str:
        kpi = KPIS_BY_KEY.get(self.sla.kpi)
        return str(kpi.unit) if kpi else ""


def sla_standing_list(
    *, slas: Iterable[Sla] | None = None, now: datetime | None = None
) -> list[SlaStanding]:
    """Every (active) SLA's standing, from stored evaluations: one query for all of them."""
    slas = list(sla_list() if slas is None else slas)
    window = max(COMPLIANCE_WINDOWS)
    by_sla: dict[int, list[SlaEvaluation]] = {sla.pk: [] for sla in slas}
    forecasts: dict[int, SlaEvaluation] = {}
    now = now or timezone.now()
    for evaluation in SlaEvaluation.objects.filter(sla__in=slas).order_by("period_start"):
        if evaluation.final:
            by_sla[evaluation.sla_id].append(evaluation)
        elif evaluation.period_end > now:
            forecasts[evaluation.sla_id] = evaluation
    standings = []
    for sla in slas:
        closed = by_sla[sla.pk][-window:]
        statuses = [evaluation.status for evaluation in closed]
        standings.append(
            SlaStanding(
                sla=sla,
                closed=closed,
                forecast=forecasts.get(sla.pk),
                compliance={
                    size: _fraction_output(compliance(statuses[-size:]))
                    for size in COMPLIANCE_WINDOWS
                },
                streak=streak(statuses),
                longest_met_streak=longest_met_streak(statuses),
            )
        )
    return standings


def sla_team_compliance(standings: Iterable[SlaStanding]) -> dict[str, dict[int, Any]]:
    """Per owning team: met ÷ (met + missed) over its SLAs' latest 4 and 12 closed periods,
    with the counts behind it."""
    teams: dict[str, dict[int, list[str]]] = {
        team: {size: [] for size in COMPLIANCE_WINDOWS} for team in SlaTeam.values
    }
    for standing in standings:
        for size in COMPLIANCE_WINDOWS:
            statuses = [evaluation.status for evaluation in standing.closed[-size:]]
            teams[standing.sla.team][size].extend(statuses)
    return {
        team: {
            size: {
                "compliance": _fraction_output(compliance(statuses)),
                "met": statuses.count(Status.MET),
                "missed": statuses.count(Status.MISSED),
            }
            for size, statuses in windows.items()
        }
        for team, windows in teams.items()
    }


def sla_period_counts(*, start: datetime, end: datetime) -> dict[str, int]:
    """Met, missed and no-data SLA periods that closed in `[start, end)` (a quarter, for the
    alignment index: compliance = met ÷ (met + missed))."""
    counts = dict.fromkeys((Status.MET, Status.MISSED, Status.NO_DATA), 0)
    closed = SlaEvaluation.objects.filter(final=True, period_end__gt=start, period_end__lte=end)
    for status in closed.values_list("status", flat=True):
        counts[Status(status)] += 1
    return {str(status): count for status, count in counts.items()}


TEMPLATE_MONTHS = 3


def sla_template_list(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """The starting SLAs not adopted yet (by name), with targets from the means of the last 3
    complete monthly snapshots that have data."""
    last = sla_current_period("month", now=now).previous()
    series = kpi_snapshot_series(
        grain=Grain.MONTH, first=last.shifted(-(TEMPLATE_MONTHS - 1)), last=last
    )
    months = [
        snapshot.kpis for _, snapshot in series if snapshot and snapshot_has_data(snapshot.kpis)
    ]
    averages: dict[str, Any] = {}
    for key in ("mqls", "mql_to_sql_rate", "mql_rejection_rate"):
        values = [kpis[key] for kpis in months if kpis.get(key) is not None]
        if values:
            averages[key] = sum(Fraction(str(value)) for value in values) / len(values)
    taken = set(Sla.objects.values_list("name", flat=True))
    return [proposal for proposal in template_proposals(averages) if proposal["name"] not in taken]


# --- shared definitions ------------------------------------------------------------------------


def definition_signer_team(user: Any) -> str | None:
    """The team `user` signs the definitions for: an admin of marketing or sales signs for
    that team, and so does a team lead an admin named; nobody else signs."""
    if not getattr(user, "is_active", False) or user.team not in SignoffTeam.values:
        return None
    if not user.has_role(Role.MEMBER):
        return None  # a viewer reads only
    if user.role == Role.ADMIN:
        return str(user.team)
    lead = TeamLead.objects.filter(user=user).first()
    return str(lead.team) if lead is not None and lead.team == user.team else None


@dataclass
class Glossary:
    """The definitions in force (the standard ones, version 1, until a workspace signs its own),
    the version awaiting signatures, and every version written."""

    number: int
    effective_at: datetime | None
    stages: list[dict[str, Any]]
    version: DefinitionVersion | None  # None: the standard definitions
    pending: DefinitionVersion | None
    history: list[DefinitionVersion]


def _stage_rows(version: DefinitionVersion | None) -> list[dict[str, Any]]:
    defined = {entry.stage: entry for entry in version.stages.all()} if version else {}
    return [
        {
            "stage": stage,
            "name": STAGE_NAMES[stage],
            "text": defined[stage].text if stage in defined else STANDARD_DEFINITIONS[stage],
            "criteria": defined[stage].criteria if stage in defined else {},
        }
        for stage in STAGES
    ]


def definition_version_get(*, number: int) -> DefinitionVersion | None:
    return (
        DefinitionVersion.objects.filter(number=number)
        .prefetch_related("stages", "signoffs")
        .first()
    )


def definition_stage_rows(version: DefinitionVersion | None) -> list[dict[str, Any]]:
    return _stage_rows(version)


def glossary_get() -> Glossary:
    versions = list(
        DefinitionVersion.objects.prefetch_related("stages", "signoffs").order_by("-number")
    )
    current = next((version for version in versions if version.status == "in_force"), None)
    pending = next(
        (version for version in versions if version.status == "awaiting_signatures"), None
    )
    return Glossary(
        number=current.number if current else workspace_settings_get().definitions_version,
        effective_at=current.effective_at if current else None,
        stages=_stage_rows(current),
        version=current,
        pending=pending,
        history=versions,
    )


def team_lead_list() -> dict[str, list[Any]]:
    leads: dict[str, list[Any]] = {team: [] for team in SignoffTeam.values}
    for lead in TeamLead.objects.select_related("user").order_by("user__email"):
        leads[lead.team].append(lead.user)
    return leads
