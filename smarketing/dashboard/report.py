"""The quarterly alignment report: one body (SPEC section 6's JSON), rendered as HTML, PDF
(WeasyPrint) and CSV tables. Built from stored figures; the command computes the quarter's KPIs
live so that its `kpis` equal `compute_kpis SLUG --period QUARTER --json`'s."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.csv_export import CsvWriter
from smarketing.core.periods import Grain, Period
from smarketing.kpis.anomalies import robust_score
from smarketing.kpis.definitions import SCALAR_KPI_KEYS
from smarketing.kpis.selectors.reports import kpi_figures_read, kpi_report
from smarketing.kpis.selectors.snapshots import kpi_snapshot_series, kpi_value

from . import commentary
from .alignment import COMPONENT_LABELS, COMPONENTS, rounded
from .selectors.alignment import alignment_quarters, sla_quarter_list

FORMATS = ("pdf", "html", "csv", "json")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
# The KPIs the report's first table lists (every scalar KPI, in registry order).
REPORT_KPIS = SCALAR_KPI_KEYS


def _kpis_of(period: Period, *, live: bool) -> dict[str, Any] | None:
    if live:
        return kpi_report(period=period)["kpis"]
    figures = kpi_figures_read(period)
    return figures["kpis"] if figures else None


def _wave_output(wave: dict[str, Any] | None, survey_component: Any) -> dict[str, Any] | None:
    if wave is None:
        return None
    return {
        "title": wave["title"],
        "closed_on": wave["closed_on"],
        "mean_score": rounded(wave["mean_score"]),
        "score": rounded(survey_component),
        "mean_perception_gap": rounded(wave["mean_perception_gap"]),
        "largest_gaps": [
            {
                "statement": gap["statement"],
                "marketing_mean": gap["marketing_mean"],
                "sales_mean": gap["sales_mean"],
                "perception_gap": rounded(gap["perception_gap"]),
            }
            for gap in wave["largest_gaps"]
        ],
    }


def _anomalies(quarter: Period) -> list[dict[str, Any]]:
    """The quarter's KPI values flagged against the 8 quarters before (from snapshots)."""
    series = kpi_snapshot_series(grain=Grain.QUARTER, first=quarter.shifted(-8), last=quarter)
    found = []
    for key in SCALAR_KPI_KEYS:
        values = [kpi_value(snapshot.kpis if snapshot else None, key) for _, snapshot in series]
        score = robust_score(values[-1], values[:-1])
        if score is not None and score.flagged:
            found.append(
                {
                    "kpi": key,
                    "value": values[-1],
                    "direction": score.direction,
                    "baseline_median": score.baseline_median,
                    "robust_z": round(score.z, 2),
                }
            )
    return found


def alignment_report_build(
    *, quarter: Period, workspace: str, live: bool = False
) -> dict[str, Any]:
    """Everything the report shows. `body` is exactly SPEC section 6's JSON; the rest
    (`anomalies`, labels) serves the HTML, PDF and CSV renderings."""
    previous_quarter = quarter.previous()
    kpis = _kpis_of(quarter, live=live) or {}
    previous_kpis = _kpis_of(previous_quarter, live=live) or {}
    previous_row, row = alignment_quarters(
        [previous_quarter, quarter],
        kpis={quarter.label: kpis, previous_quarter.label: previous_kpis},
    )
    currency = workspace_settings_get().currency
    slas = sla_quarter_list(quarter)
    anomalies = _anomalies(quarter)
    lines = [
        *commentary.index_sentences(
            row.index,
            previous_row.index,
            quarter=quarter.label,
            previous_quarter=previous_quarter.label,
        ),
        *commentary.component_sentences(row.index),
        *commentary.mover_sentences(
            kpis, previous_kpis, previous_label=previous_quarter.label, currency=currency
        ),
        *commentary.sla_sentences(slas),
        *commentary.gap_sentences(row.wave["largest_gaps"] if row.wave else []),
        *commentary.anomaly_sentences(anomalies, currency=currency),
    ]
    body: dict[str, Any] = {
        "workspace": workspace,
        "quarter": {"start": quarter.start.isoformat(), "end": quarter.end.isoformat()},
        "kpis": kpis,
        "previous_kpis": previous_kpis,
        "slas": slas,
        "surveys": {
            "alignment_wave": _wave_output(row.wave, row.index.components["survey_score"]),
            "nps": {
                "value": rounded(row.inputs.nps),
                "responses": row.nps_responses,
                "previous_value": rounded(previous_row.inputs.nps),
            },
        },
        "alignment_index": row.index.output(),
        "commentary": lines,
    }
    return {
        "body": body,
        "quarter": quarter,
        "previous_quarter": previous_quarter,
        "previous_index": previous_row.index.output(),
        "anomalies": anomalies,
        "currency": currency,
        "kpi_rows": [
            {
                "key": key,
                "value": kpi_value(kpis, key),
                "previous": kpi_value(previous_kpis, key),
            }
            for key in REPORT_KPIS
        ],
        # The page's figures, to one decimal from the exact values (rounding the body's
        # two-decimal figures again would turn 61.047 into 61.05, then 61.1).
        "index_shown": rounded(row.index.value, 1),
        "previous_index_shown": rounded(previous_row.index.value, 1),
        "components": [
            {
                "name": name,
                "label": COMPONENT_LABELS[name],
                "value": rounded(row.index.components.get(name), 1),
                "weight": rounded(row.index.weights.get(name), 1),
                "previous": rounded(previous_row.index.components.get(name), 1),
            }
            for name in COMPONENTS
        ],
    }


def report_html(report: dict[str, Any], *, workspace_name: str, standalone: bool = True) -> str:
    """The printable report as one HTML document (its stylesheet inlined for the PDF)."""
    return render_to_string(
        "dashboard/report_document.html",
        {
            **report,
            "workspace_name": workspace_name,
            "standalone": standalone,
            "stylesheet": _stylesheet() if standalone else "",
        },
    )


def _stylesheet() -> str:
    path = finders.find("dashboard/report.css")
    return open(path, encoding="utf-8").read() if path else ""


def report_pdf(report: dict[str, Any], *, workspace_name: str) -> bytes:
    """The report as PDF (WeasyPrint, which needs Pango: scripts/install-weasyprint-libs)."""
    from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s and pages never need it

    return HTML(string=report_html(report, workspace_name=workspace_name)).write_pdf()


def report_csv(report: dict[str, Any]) -> str:
    """The report's tables in one CSV: `table, name, value, previous` rows."""
    body = report["body"]
    buffer = io.StringIO()
    writer = CsvWriter(buffer)  # every cell escaped: a statement may start with "="
    writer.writerow(["table", "name", "value", "previous"])
    writer.writerow(["quarter", "start", body["quarter"]["start"], ""])
    writer.writerow(["quarter", "end", body["quarter"]["end"], ""])
    index, previous_index = body["alignment_index"], report["previous_index"]
    writer.writerow(["alignment_index", "value", index["value"], previous_index["value"]])
    for name in COMPONENTS:
        writer.writerow(
            [
                "alignment_component",
                name,
                index["components"][name],
                previous_index["components"][name],
            ]
        )
        writer.writerow(["alignment_weight", name, index["weights"][name], ""])
    for row in report["kpi_rows"]:
        writer.writerow(["kpi", row["key"], _cell(row["value"]), _cell(row["previous"])])
    for sla in body["slas"]:
        writer.writerow([f"sla {sla['period']}", sla["name"], sla["value"], sla["status"]])
    wave = body["surveys"]["alignment_wave"]
    if wave:
        for gap in wave["largest_gaps"]:
            writer.writerow(["perception_gap", gap["statement"], gap["perception_gap"], ""])
    nps = body["surveys"]["nps"]
    writer.writerow(["nps", "value", _cell(nps["value"]), _cell(nps["previous_value"])])
    for anomaly in report["anomalies"]:
        writer.writerow(["anomaly", anomaly["kpi"], anomaly["value"], anomaly["baseline_median"]])
    for line in body["commentary"]:
        writer.writerow(["commentary", "", line, ""])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return "" if value is None else value
