"""A KPI report as a plain-text table for the terminal. No Django imports."""

from __future__ import annotations

from typing import Any

from .definitions import KPIS


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def report_rows(kpis: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, value) per KPI, objects flattened (`stage_days_median.lead_to_mql`)."""
    rows: list[tuple[str, Any]] = []
    for kpi in KPIS:
        value = kpis[kpi.key]
        if isinstance(value, dict):
            rows.extend((f"{kpi.key}.{name}", item) for name, item in value.items())
        else:
            rows.append((kpi.key, value))
    return rows


def report_table(body: dict[str, Any], *, period_label: str) -> str:
    """One row per KPI; a column for the total and one per source or owner."""
    breakdown = body.get("by_source") or body.get("by_owner") or {}
    columns = ["total", *breakdown]
    tables = [report_rows(body["kpis"])] + [report_rows(values) for values in breakdown.values()]
    header = ["kpi", *columns]
    lines = [
        [label, *(_cell(table[index][1]) for table in tables)]
        for index, (label, _) in enumerate(tables[0])
    ]
    widths = [max(len(row[col]) for row in [header, *lines]) for col in range(len(header))]
    period = body["period"]
    out = [f"{body['workspace']} · {period_label} · [{period['start']}, {period['end']})", ""]
    for row in [header, *lines]:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells))
    return "\n".join(out)
