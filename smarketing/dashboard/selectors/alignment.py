"""The alignment index of quarters: fetch the stored figures, then the pure functions of
`dashboard.alignment` compute. Reads snapshots and released survey results only: a few queries
per quarter, whatever the size of the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import Grain, Period
from smarketing.kpis.selectors.snapshots import kpi_snapshot_series, kpi_value

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
    """(met, missed) of the SLA periods closed in each quarter, by quarter label.

    SLA STATUS — not wired yet: SLAs arrive with issue 9 (`smarketing/slas/`). Until then no
    quarter has SLA data, so the SLA component is left out and the other weights rescaled, as
    SPEC section 5 says for a component without data. Once `smarketing.slas` is on main, read its
    stored evaluations here.
    """
    return {}


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
    snapshots = dict(kpi_snapshot_series(grain=Grain.QUARTER, first=quarters[0], last=quarters[-1]))
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
