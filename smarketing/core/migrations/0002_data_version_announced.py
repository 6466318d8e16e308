"""Every new data version is announced to the web processes (`NOTIFY smk_data_version`), which
keep the versions they hear of (smarketing/core/version_listener.py)."""

from django.db import migrations

from smarketing.core.data_version import FUNCTIONS_LOCK, FUNCTIONS_SQL

# The functions are shared by every schema: replaced once per schema migrated, one at a time.
REPLACE = f"""
SELECT pg_advisory_xact_lock({FUNCTIONS_LOCK});
{FUNCTIONS_SQL}
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_data_version")]
    operations = [migrations.RunSQL(REPLACE, migrations.RunSQL.noop)]
