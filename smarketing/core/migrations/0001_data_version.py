"""The workspace's data version and the triggers that bump it (smarketing/core/data_version.py)."""

from django.db import migrations

from smarketing.core.data_version import FUNCTIONS_LOCK, FUNCTIONS_SQL, PENDING_TABLE, TRIGGER

INSTALL = f"""
SELECT pg_advisory_xact_lock({FUNCTIONS_LOCK});
{FUNCTIONS_SQL}
SELECT public.smk_data_version_install(current_schema());
"""

UNINSTALL = f"""
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND g.tgname = '{TRIGGER}'
    LOOP
        EXECUTE format('DROP TRIGGER {TRIGGER} ON %I', t.relname);
    END LOOP;
END
$$;
DROP TABLE IF EXISTS {PENDING_TABLE};
DROP TABLE IF EXISTS data_version;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []  # type: ignore[var-annotated]
    operations = [migrations.RunSQL(INSTALL, UNINSTALL)]
