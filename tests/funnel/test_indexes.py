"""Every index of the funnel tables is paid for by a query that uses it (docs/benchmarks.md,
"Indexes", has the EXPLAIN evidence): an index costs every import writing its table, so one
added without a query that needs it fails here."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db

EXPECTED = {
    # The natural key is the primary key: the upsert's conflict target, lookups, joins.
    "funnel_lead": {"(lead_id)", "(mql_at)"},  # mql_at: SLA breach lists and inbox
    "funnel_deal": {"(deal_id)"},
    "funnel_activity": {"(activity_id)"},
    # The key, lead first, also serves customers_with_content's probe (a lead's rows to a date).
    "funnel_contentdownload": {"(id)", "(lead_id, date, asset)"},
    # Small tables (months or days × sources): the key also serves a period's date range.
    "funnel_spend": {"(id)", "(month, source)"},
    "funnel_traffic": {"(id)", "(date, source)"},
}


def test_the_funnel_tables_carry_only_the_indexes_a_query_pays_for(alpha):
    with schema_context(alpha.schema_name), connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = ANY(%s)",
            [list(EXPECTED)],
        )
        found: dict[str, set[str]] = {table: set() for table in EXPECTED}
        for table, definition in cursor.fetchall():
            found[table].add(definition[definition.index(" USING btree ") + 13 :])
    assert found == EXPECTED
