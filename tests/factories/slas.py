"""SLAs for tests, stored directly (no evaluation task queued), in the current schema."""

from decimal import Decimal

from smarketing.slas.models import Sla
from smarketing.slas.selectors import sla_kpi_target_list


def sla_make(**fields) -> Sla:
    values = {
        "name": f"{fields.get('kpi', 'mqls')} SLA",
        "kpi": "mqls",
        "comparator": ">=",
        "target": Decimal(100),
        "period": "month",
        "team": "marketing",
        **fields,
    }
    return Sla.objects.create(**values)


def kpi_target_make(kpi: str, comparator: str, target) -> Sla:
    """What used to be a KPI target: a shared monthly SLA on the whole workspace."""
    return sla_make(
        name=f"{kpi} target", kpi=kpi, comparator=comparator, target=Decimal(str(target)),
        team="shared",
    )  # fmt: skip


def kpi_targets_stored() -> dict[str, tuple[str, Decimal]]:
    return {sla.kpi: (sla.comparator, sla.target) for sla in sla_kpi_target_list()}
