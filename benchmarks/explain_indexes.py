"""`python -m benchmarks.explain_indexes SLUG`: the evidence for the funnel tables' indexes.

Runs `EXPLAIN (ANALYZE)` of every query that reads a funnel table by something other than a full
scan, in the workspace SLUG (the benchmarks' `benchkpis1m`, kept with BENCH_KEEP_DATA=1, has 1M
leads), and prints for each the indexes its plan uses, the sequential scans and the execution
time. docs/benchmarks.md quotes its output: an index no query uses is not kept.
"""

import re
import sys
from datetime import UTC, datetime, timedelta

from benchmarks import setup_django


def _summary(label: str, plan: list[str]) -> None:
    index = re.compile(
        r"(?:Index Scan(?: Backward)? using|Index Only Scan using|Bitmap Index Scan on) (\S+)"
    )
    used = sorted({match.group(1) for line in plan if (match := index.search(line))})
    scans = sorted({m.group(1) for line in plan if (m := re.search(r"Seq Scan on (\S+)", line))})
    total = next((line.strip() for line in plan if "Execution Time" in line), "")
    print(f"\n## {label}\n  indexes used: {', '.join(used) or 'none'}")
    print(f"  sequential scans: {', '.join(scans) or 'none'}\n  {total}")
    if "-v" in sys.argv:
        print("\n".join(f"    {line}" for line in plan))


def _explain(cursor, sql: str, params=None) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    return [row[0] for row in cursor.fetchall()]


def main(slug: str) -> None:
    setup_django()
    from django.db import connection
    from django_tenants.utils import schema_context

    from smarketing.funnel.models import ContentDownload, Deal, Lead
    from smarketing.kpis.selectors.context import kpi_context_get, kpi_period_parse
    from smarketing.kpis.sql import kpi_measures_params, kpi_measures_sql
    from smarketing.slas.breaches import RESPONSE, _breached
    from tenants import provisioning

    workspace = provisioning.dangerously_workspace_get(slug)
    with schema_context(workspace.schema_name), connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute("SELECT count(*) FROM funnel_lead")
        print(f"workspace {slug}: {cursor.fetchone()[0]:,} leads")
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename IN ('funnel_lead', 'funnel_deal', 'funnel_activity',"
            " 'funnel_contentdownload', 'funnel_spend', 'funnel_traffic') ORDER BY 1, 2"
        )
        print("indexes: " + "; ".join(f"{table}.{name}" for table, name in cursor.fetchall()))
        context = kpi_context_get()
        for label in ("2025-W10", "2025-03", "2025"):
            period = kpi_period_parse(label)
            _summary(
                f"KPIs of {label} by source (the one-period statement, live for years and ranges)",
                _explain(
                    cursor, kpi_measures_sql(("source",)), kpi_measures_params(period, context)
                ),
            )
        month = kpi_period_parse("2025-03")
        _summary(
            "SLA breaches among the MQLs of 2025-03 (slas.breaches)",
            _explain(
                cursor,
                *_sql(_breached(RESPONSE, now=datetime(2025, 7, 1, tzinfo=UTC), period=month)),
            ),
        )
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        _summary(
            "the same without index scans (what dropping funnel_lead's mql_at index would cost)",
            _explain(
                cursor,
                *_sql(_breached(RESPONSE, now=datetime(2025, 7, 1, tzinfo=UTC), period=month)),
            ),
        )
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET enable_bitmapscan")
        _summary(
            "overdue MQLs of the last 30 days (the SLA inbox)",
            _explain(
                cursor,
                *_sql(
                    _breached(
                        RESPONSE,
                        now=datetime(2025, 7, 1, tzinfo=UTC),
                        period=None,
                        since=datetime(2025, 7, 1, tzinfo=UTC) - timedelta(days=30),
                    )
                ),
            ),
        )
        _summary(
            "a lead by its key (persona of a content row, deal and activity joins)",
            _explain(cursor, *_sql(Lead.objects.filter(lead_id="L12345"))),
        )
        _summary(
            "lost deals of 2025-03 (details of one period)",
            _explain(
                cursor,
                *_sql(Deal.objects.filter(closed_at__gte=month.start, closed_at__lt=month.end)),
            ),
        )
        _summary(
            "content rows of one lead up to a date (customers_with_content's probe)",
            _explain(
                cursor,
                *_sql(
                    ContentDownload.objects.filter(
                        lead_id="L12345", date__lte=datetime(2025, 3, 1).date()
                    )
                ),
            ),
        )


def _sql(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "benchkpis1m")
