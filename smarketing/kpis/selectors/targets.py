"""The workspace's KPI targets: the one reader."""

from __future__ import annotations

from smarketing.configuration.models import KpiTarget

from ..definitions import KPI_KEYS


def kpi_targets_get() -> dict[str, KpiTarget]:
    """The workspace's KPI targets by KPI key, in the order of the KPI definitions."""
    order = {key: index for index, key in enumerate(KPI_KEYS)}
    targets = sorted(KpiTarget.objects.all(), key=lambda target: order.get(target.kpi, len(order)))
    return {target.kpi: target for target in targets}
