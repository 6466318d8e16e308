"""SLAs and evaluations as JSON: `evaluate_slas --json` (SPEC section 6) and the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smarketing.core.periods import Period
from smarketing.kpis.compute import Unit
from smarketing.kpis.definitions import KPIS_BY_KEY

from .models import Sla, SlaEvaluation
from .selectors import SlaStanding


def _is_count(kpi: str) -> bool:
    definition = KPIS_BY_KEY.get(kpi)
    return definition is not None and definition.unit is Unit.COUNT


def number_output(value: Decimal | None, kpi: str, *, whole: bool) -> int | float | None:
    """A stored value as a JSON number: an integer for a count when `whole` (a closed period;
    a projection keeps its decimals), otherwise as SPEC rounds it (already rounded)."""
    if value is None:
        return None
    if whole and _is_count(kpi) and value == value.to_integral_value():
        return int(value)
    return float(value)


def evaluation_output(evaluation: SlaEvaluation, *, sla: Sla) -> dict[str, Any]:
    return {
        "period": evaluation.period_label,
        "start": evaluation.period_start.isoformat(),
        "end": evaluation.period_end.isoformat(),
        "final": evaluation.final,
        "status": evaluation.status,
        "value": number_output(evaluation.value, sla.kpi, whole=evaluation.final),
        "value_so_far": number_output(evaluation.value_so_far, sla.kpi, whole=True),
        "elapsed_share": (
            None if evaluation.elapsed_share is None else float(evaluation.elapsed_share)
        ),
        "comparator": evaluation.comparator,
        "target": number_output(evaluation.target, sla.kpi, whole=True),
    }


def sla_period_report(
    workspace: str, period: Period, evaluations: list[SlaEvaluation]
) -> dict[str, Any]:
    """SPEC section 6: `{"workspace", "period": {"start", "end"}, "slas": [...]}`; each SLA
    with the target its period was judged by."""
    return {
        "workspace": workspace,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "slas": [
            {
                "name": evaluation.sla.name,
                "kpi": evaluation.sla.kpi,
                "source": evaluation.sla.source or None,
                "comparator": evaluation.comparator,
                "target": number_output(evaluation.target, evaluation.sla.kpi, whole=True),
                "team": evaluation.sla.team,
                "value": number_output(
                    evaluation.value, evaluation.sla.kpi, whole=evaluation.final
                ),
                "status": evaluation.status,
            }
            for evaluation in sorted(evaluations, key=lambda evaluation: evaluation.sla.name)
        ],
    }


def sla_output(standing: SlaStanding) -> dict[str, Any]:
    sla = standing.sla
    return {
        "id": sla.pk,
        "name": sla.name,
        "kpi": sla.kpi,
        "source": sla.source or None,
        "comparator": sla.comparator,
        "target": number_output(sla.target, sla.kpi, whole=True),
        "period": sla.period,
        "team": sla.team,
        "created_at": sla.created_at.isoformat(),
        "retired_at": sla.retired_at.isoformat() if sla.retired_at else None,
        "latest": evaluation_output(standing.latest, sla=sla) if standing.latest else None,
        "forecast": evaluation_output(standing.forecast, sla=sla) if standing.forecast else None,
        "compliance": {str(size): value for size, value in standing.compliance.items()},
        "streak": (
            {"status": standing.streak.status, "length": standing.streak.length}
            if standing.streak
            else None
        ),
    }
