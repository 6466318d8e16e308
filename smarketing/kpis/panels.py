"""The KPI engine's panel on the data page: the latest snapshot refresh jobs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors.snapshots import kpi_snapshot_job_list

JOBS_SHOWN = 5


def snapshot_jobs_panel(request: HttpRequest) -> dict[str, Any] | None:
    jobs = kpi_snapshot_job_list(limit=JOBS_SHOWN)
    return {"template": "kpis/_snapshot_jobs.html", "jobs": jobs} if jobs else None
