"""Goal 4 of issue 13, many workspaces: provisioning time per workspace, request latency with one
workspace vs. many in the database, and `migrate_schemas` over all of them with the parallel
(multiprocessing) executor.

- provisioning: `tenants.provisioning.workspace_create` (clone of the template schema, with its
  row and host), timed for every workspace added; goal: median < 2 s;
- latency: the KPI API for one month (reads a stored snapshot), in process through the same WSGI
  application as the web benchmark, before and after the other workspaces exist; each figure is
  divided by the bare one-row view measured in the same rounds (`benchmarks/load_wsgi.py`), so a
  change in the machine's load between the two phases cancels out; goal: <= 1.1x;
- `migrate_schemas --executor=multiprocessing` (TENANT_MULTIPROCESSING_MAX_PROCESSES, default
  2) over every schema, nothing left to apply: the time a deploy pays to check them (schemas
  holding every migration are skipped, tenants/migration.py).

BENCH_WORKSPACES (default 500, the issue's figure) is the number of workspaces in the database
during the second phase: about 8 minutes on this shared 2-core machine (provisioning ~1 s each,
their removal afterwards). The workspaces are removed afterwards unless BENCH_WORKSPACES_KEEP=1
(a later run then reuses them and only times the ones it adds).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import setup_django
from benchmarks.report import row

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-many-"
HOST = "bench-latency.localhost"


def _prepare_latency_workspace():
    """A workspace with an admin token and last month's snapshot: what the KPI API reads."""
    from django.utils import timezone
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from smarketing.accounts.models import User
    from smarketing.kpis.models import KpiSnapshot
    from smarketing.kpis.selectors.context import kpi_period_parse
    from tenants import provisioning
    from tenants.models import Workspace

    workspace = Workspace.objects.filter(slug="bench-latency").first()
    if workspace is None:
        workspace = provisioning.workspace_create(slug="bench-latency", name="Bench", domain=HOST)
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    with schema_context(workspace.schema_name):
        user = User.objects.filter(email="bench@bench-latency.localhost").first()
        if user is None:
            user = User.objects.create_user(
                username="bench@bench-latency.localhost",
                email="bench@bench-latency.localhost",
                password=None,
                role="admin",
            )
        token, _ = Token.objects.get_or_create(user=user)
        period = kpi_period_parse(month)
        KpiSnapshot.objects.update_or_create(
            grain="month",
            period_start=period.start,
            defaults={
                "label": period.label,
                "period_end": period.end,
                "kpis": {"leads": 1, "mqls": 1},
                "by_source": {"paid_social": {"leads": 1}},
                "computed_at": timezone.now(),
                "definitions_version": 1,
            },
        )
    return workspace, token.key, month


def _latency(token: str, month: str, rounds: int = 5, calls: int = 100) -> tuple[float, float]:
    """Median seconds per KPI API request and per bare-view request, measured in alternating
    rounds (so both see the same machine)."""
    from django.test import RequestFactory

    from benchmarks.load_wsgi import application

    factory = RequestFactory()
    kpi = factory.get(
        f"/api/v1/kpis/?period={month}", HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {token}"
    ).environ
    bare = factory.get("/baseline/", HTTP_HOST=HOST).environ
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def timed(environ) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            b"".join(application(dict(environ), start_response))
        return (time.perf_counter() - started) / calls

    timed(kpi), timed(bare)  # warm up: caches, connections
    kpi_times, bare_times = [], []
    for _ in range(rounds):
        kpi_times.append(timed(kpi))
        bare_times.append(timed(bare))
    failed = [status for status in statuses if not status.startswith("200")]
    if failed:
        raise RuntimeError(f"requests failed: {failed[:3]}")
    return statistics.median(kpi_times), statistics.median(bare_times)


def _provision(count: int) -> list[float]:
    from tenants import provisioning
    from tenants.models import Workspace

    existing = Workspace.objects.filter(is_template=False).count()
    seconds = []
    index = 0
    while existing + len(seconds) < count:
        slug = f"{PREFIX}{index:04d}"
        index += 1
        if Workspace.objects.filter(slug=slug).exists():
            continue
        started = time.perf_counter()
        provisioning.workspace_create(slug=slug, name="Bench", domain=f"{slug}.localhost")
        seconds.append(time.perf_counter() - started)
        if len(seconds) % 50 == 0:
            print(f"  {existing + len(seconds)} workspaces", flush=True)
    return seconds


def _migrate_all() -> tuple[float, int]:
    from tenants.models import Workspace

    schemas = Workspace.objects.count() + 1  # and public
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--executor=multiprocessing", "-v", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"migrate_schemas failed:\n{done.stderr[-3000:]}")
    return seconds, schemas


def _remove_bench_workspaces() -> float:
    from tenants import provisioning
    from tenants.models import Workspace

    started = time.perf_counter()
    for workspace in Workspace.objects.filter(slug__startswith=PREFIX):
        provisioning.workspace_delete(workspace=workspace)
    return time.perf_counter() - started


def main() -> None:
    setup_django()
    from django.db import connection

    from tenants import provisioning
    from tenants.models import Workspace

    target = int(os.environ.get("BENCH_WORKSPACES", "500"))
    keep = os.environ.get("BENCH_WORKSPACES_KEEP") == "1"
    connection.set_schema_to_public()
    provisioning.template_schema_ensure_current()
    if not keep:
        _remove_bench_workspaces()  # left by an interrupted run
    _, token, month = _prepare_latency_workspace()
    few = Workspace.objects.filter(is_template=False).count()
    print(f"== many workspaces: {few} -> {target} in the database ==", flush=True)
    kpi_few, bare_few = _latency(token, month)
    connection.set_schema_to_public()
    started = time.perf_counter()
    seconds = _provision(target)
    added = time.perf_counter() - started
    many = Workspace.objects.filter(is_template=False).count()
    kpi_many, bare_many = _latency(token, month)
    connection.set_schema_to_public()
    migrate_seconds, schemas = _migrate_all()

    if seconds:
        median = statistics.median(seconds)
        slowest = max(seconds)
        row(
            goal="4",
            name=f"provisioning per workspace (median of {len(seconds)})",
            value=median,
            unit="s",
            target="< 2 s",
            met=median < 2,
            note=f"slowest {slowest:.2f} s; {len(seconds)} added in {added:.0f} s",
        )
    relative_few, relative_many = kpi_few / bare_few, kpi_many / bare_many
    ratio = relative_many / relative_few
    row(
        goal="4",
        name=f"KPI API latency, {many} vs {few} workspaces",
        value=kpi_many * 1e3,
        unit="ms",
        baseline=kpi_few * 1e3,
        baseline_name=f"{few} workspaces",
        ratio=ratio,
        target="<= 1.1x",
        met=ratio <= 1.1,
        note=(
            f"each relative to the bare view of its phase ({bare_few * 1e3:.2f} ms,"
            f" {bare_many * 1e3:.2f} ms); raw ratio {kpi_many / kpi_few:.2f}x"
        ),
    )
    row(
        goal="4",
        name=f"migrate_schemas, {schemas} schemas, parallel executor",
        value=migrate_seconds,
        unit="s",
        note=f"{migrate_seconds / schemas * 1e3:.0f} ms per schema, nothing to apply",
    )
    if not keep:
        removed = _remove_bench_workspaces()
        print(f"removed the benchmark's workspaces in {removed:.0f} s", flush=True)


if __name__ == "__main__":
    main()
