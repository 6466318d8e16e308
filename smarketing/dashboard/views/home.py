"""The overview (home page): how aligned the teams are this quarter and why, the SLA status,
the shared metrics and the latest pulse's largest perception gaps; from stored figures only."""

from __future__ import annotations

from typing import Any

from smarketing.core.periods import Grain, Period, period_containing
from smarketing.kpis.anomalies import robust_score
from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.selectors.snapshots import kpi_value
from smarketing.slas.rules import target_met

from .. import commentary
from ..alignment import (
    COMPONENT_DEFINITIONS,
    COMPONENT_LABELS,
    COMPONENTS,
    HANDOFF_ACCEPTANCE,
    PERCEPTION_AGREEMENT,
    SLA_COMPLIANCE,
    SURVEY_SCORE,
    rounded,
)
from ..charts import Chart, Series, bar_width, sparkline_path
from ..filters import PageFilter
from ..maturity import is_maturing
from ..selectors.alignment import QuarterAlignment, alignment_quarters, sla_status_by_team
from ..selectors.survey_figures import alignment_wave_latest, nps_by_period
from .base import DashboardPage, register_page, series_values

# The figures both teams share, in the order the overview shows them (NPS comes last).
SHARED_METRICS = (
    "revenue",
    "marketing_sourced_revenue",
    "mqls",
    "mql_to_sql_rate",
    "win_rate",
    "sales_cycle_days_median",
    "pipeline_created",
)
TREND_QUARTERS = 6
NPS_DEFINITION = (
    "% promoters (9–10) − % detractors (0–6) of the customer answers released in the period."
)


def quarter_of(period: Period) -> Period:
    return period_containing(Grain.QUARTER, period.first_day, period.time_zone)


def _missing_reason(name: str, row: QuarterAlignment) -> str:
    quarter = row.quarter.label
    wave = row.wave
    if name == SLA_COMPLIANCE:
        return f"no SLA period closed in {quarter}"
    if name == HANDOFF_ACCEPTANCE:
        return f"no MQLs in {quarter}"
    if name in (SURVEY_SCORE, PERCEPTION_AGREEMENT):
        if wave is None:
            return f"no pulse closed in {quarter}"
        if wave["hidden"]:
            return "pulse below the anonymity threshold"
        return "a team below the anonymity threshold"
    return f"too few NPS answers in {quarter}"


def _components(row: QuarterAlignment, weights: dict[str, int]) -> list[dict[str, Any]]:
    index = row.index
    return [
        {
            "name": name,
            "label": COMPONENT_LABELS[name],
            "definition": COMPONENT_DEFINITIONS[name],
            "value": rounded(index.components[name], 1),
            "bar": bar_width(index.components[name]),
            "weight": weights.get(name, 0),
            "applied_weight": rounded(index.weights[name], 1),
            "missing": "" if index.components[name] is not None else _missing_reason(name, row),
        }
        for name in COMPONENTS
    ]


@register_page
class HomeView(DashboardPage):
    template_name = "dashboard/home.html"
    content_template = "dashboard/_home_content.html"
    page = "overview"
    title = "Overview"

    def build(self, page_filter: PageFilter, context: dict[str, Any]) -> dict[str, Any]:
        quarter = quarter_of(page_filter.period)
        quarters = [quarter.shifted(steps) for steps in range(-(TREND_QUARTERS - 1), 1)]
        rows = alignment_quarters(quarters)
        current, previous = rows[-1], rows[-2]
        weights = {name: int(weight) for name, weight in current.index.configured_weights.items()}
        latest_wave = current.wave or alignment_wave_latest()
        answer = commentary.index_sentences(
            current.index,
            previous.index,
            quarter=quarter.label,
            previous_quarter=previous.quarter.label,
        )
        reasons = [
            *commentary.component_sentences(current.index),
            *commentary.gap_sentences(
                latest_wave["largest_gaps"] if latest_wave else [],
                wave=latest_wave["title"] if latest_wave else "",
                shown=1,
            ),
        ]
        trend = Chart(
            slug="alignment-trend",
            title="Alignment index by quarter",
            labels=[row.quarter.label for row in rows],
            series=[
                Series("Alignment index", [rounded(row.index.value) for row in rows]),
                *(
                    Series(
                        COMPONENT_LABELS[name],
                        [rounded(row.index.components[name]) for row in rows],
                    )
                    for name in COMPONENTS
                ),
            ],
            unit="index",
            label_heading="quarter",
        )
        return {
            "quarter": quarter,
            "quarter_in_progress": quarter.end > context["now"],
            "alignment": current,
            "previous_alignment": previous,
            "index_value": rounded(current.index.value, 1),
            "index_change": None
            if current.index.value is None or previous.index.value is None
            else rounded(current.index.value - previous.index.value, 1),
            "components": _components(current, weights),
            "answer": answer,
            "reasons": reasons,
            "latest_wave": latest_wave,
            "sla_teams": sla_status_by_team(),
            "metrics": self._metrics(page_filter, context),
            "charts": [trend],
        }

    def _metrics(self, page_filter: PageFilter, context: dict[str, Any]) -> list[dict[str, Any]]:
        values, previous = context["values"], context["previous_values"]
        series = context["series"]
        period = page_filter.period
        metrics = []
        for key in SHARED_METRICS:
            points = series_values(series, key)
            metrics.append(
                self._metric(
                    key=key,
                    label=KPIS_BY_KEY[key].label,
                    definition=KPIS_BY_KEY[key].definition,
                    value=kpi_value(values, key),
                    previous=kpi_value(previous, key),
                    points=points,
                    target=context["targets"].get(key),
                    maturing=is_maturing(
                        key, period_end=period.end, now=context["now"], medians=context["medians"]
                    ),
                )
            )
        # NPS has no source (customers answer for the company), so it ignores the source filter.
        nps = nps_by_period([p for p, _ in series] + [period, period.previous()])
        metrics.append(
            self._metric(
                key="nps",
                label="NPS",
                definition=NPS_DEFINITION,
                value=nps[period.label],
                previous=nps[period.previous().label],
                points=[nps[p.label] for p, _ in series],
                target=None,
                maturing=False,
            )
        )
        return metrics

    @staticmethod
    def _metric(
        *, key, label, definition, value, previous, points, target, maturing
    ) -> dict[str, Any]:
        # The shown value against the (up to 8) periods before it in the same series.
        score = robust_score(value, points[:-1]) if points else None
        return {
            "key": key,
            "label": label,
            "definition": definition,
            "value": value,
            "previous": previous,
            "target": target,
            "met": target_met(value, target.comparator, target.target) if target else None,
            "sparkline": sparkline_path(points),
            "points": points,
            "anomaly": score if score is not None and score.flagged else None,
            "maturing": maturing,
        }
