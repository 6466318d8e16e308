"""The alignment index of quarters: fetch the stored figures, then the pure functions of
`dashboard.alignment` compute. Reads snapshots and released survey results only: a few queries
per quarter, whatever the size of the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Grain, Period
from smarketing.kpis.selectors.snapshots import kpi_snapshot_series, kpi_value
from smarketing.slas.models import SlaEvaluation
from smarketing.slas.output import number_output
from smarketing.slas.selectors import sla_period_counts, sla_standing_list

from ..alignment import AlignmentIndex, AlignmentInputs, alignment_components, alignment_index
from .survey_figures import quarter_survey_figures


@dataclass(frozen=True)
class QuarterAlignment:
    quarter: Period
    index: AlignmentIndex
    inputs: AlignmentInputs
    # The quarter's latest closed alignment wave (figures as `alignment_wave_figures`), or None.
    wave: dict[str, Any] | None
    nps_responses: int | None


def sla_counts(quarters: list[Period]) -> dict[str, tuple[int, int]]:
    """(met, missed) of the SLA periods closed in each quarter, by quarter label, from the
    stored evaluations (SPEC: compliance = met ÷ (met + missed); no-data periods do not count)."""
    counts = {}
    for quarter in quarters:
        stored = sla_period_counts(start=quarter.start, end=quarter.end)
        counts[quarter.label] = (stored["met"], stored["missed"])
    return counts


def sla_quarter_list(quarter: Period) -> list[dict[str, Any]]:
    """The SLA periods closed in `quarter`, as `evaluate_slas --json` lists SLAs, with the
    period each was judged for: name, kpi, source, comparator, target, team, value, status."""
    evaluations = (
        SlaEvaluation.objects.filter(
            final=True, period_end__gt=quarter.start, period_end__lte=quarter.end
        )
        .select_related("sla")
        .order_by("sla__name", "period_start")
    )
    return [
        {
            "name": evaluation.sla.name,
            "kpi": evaluation.sla.kpi,
            "source": evaluation.sla.source or None,
            "comparator": evaluation.comparator,
            "target": number_output(evaluation.target, evaluation.sla.kpi, whole=True),
            "team": evaluation.sla.team,
            "period": evaluation.period_label,
            "value": number_output(evaluation.value, evaluation.sla.kpi, whole=True),
            "status": evaluation.status,
        }
        for evaluation in evaluations
    ]


TEAM_ORDER = ("marketing", "sales", "shared")


def _team_row(team: str) -> dict[str, Any]:
    return {"team": team, "met": 0, "missed": 0, "on_track": 0, "at_risk": 0, "slas": 0}


def sla_status_by_team() -> list[dict[str, Any]]:
    """SLA status at a glance: per owning team, how its active SLAs stand now — the latest closed
    period met or missed, and the period in progress on track or at risk."""
    teams = {team: _team_row(team) for team in TEAM_ORDER}
    for standing in sla_standing_list():
        row = teams.setdefault(standing.sla.team, _team_row(standing.sla.team))
        row["slas"] += 1
        if standing.latest is not None and standing.latest.status in ("met", "missed"):
            row[standing.latest.status] += 1
        if standing.forecast is not None and standing.forecast.status in ("on_track", "at_risk"):
            row[standing.forecast.status] += 1
    return [row for row in teams.values() if row["slas"]]


def alignment_weights() -> dict[str, int]:
    return dict(workspace_settings_get().alignment_weights)


def alignment_quarters(
    quarters: list[Period], *, kpis: dict[str, dict[str, Any]] | None = None
) -> list[QuarterAlignment]:
    """The alignment index of each quarter (consecutive, oldest first), from the quarters'
    snapshots, or from `kpis` (by quarter label) where given (the report computes them live)."""
    if not quarters:
        return []
    weights = alignment_weights()
    snapshots = dict(
        kpi_snapshot_series(
            grain=Grain.QUARTER, first=quarters[0], last=quarters[-1], stale_ok=True
        )
    )
    surveys = {quarter.label: quarter_survey_figures(quarter) for quarter in quarters}
    slas = sla_counts(quarters)
    result = []
    for quarter in quarters:
        snapshot = snapshots.get(quarter)
        values = (kpis or {}).get(quarter.label, snapshot.kpis if snapshot else None)
        wave = surveys[quarter.label]["wave"]
        met, missed = slas.get(quarter.label, (None, None))
        inputs = AlignmentInputs(
            sla_met=met,
            sla_missed=missed,
            mql_rejection_rate=kpi_value(values, "mql_rejection_rate"),
            survey_mean=wave["mean_score"] if wave else None,
            mean_perception_gap=wave["mean_perception_gap"] if wave else None,
            nps=surveys[quarter.label]["nps"],
        )
        result.append(
            QuarterAlignment(
                quarter=quarter,
                index=alignment_index(alignment_components(inputs), weights),
                inputs=inputs,
                wave=wave,
                nps_responses=surveys[quarter.label]["nps_responses"],
            )
        )
    return result
