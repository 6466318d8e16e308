"""KPI targets and SLAs are one concept: each configuration.KpiTarget becomes an SLA owned by
`shared`, judged per month on the whole workspace (what the dashboard showed it against)."""

from django.db import migrations

from smarketing.kpis.definitions import KPIS_BY_KEY


def targets_to_slas(apps, schema_editor):
    KpiTarget = apps.get_model("configuration", "KpiTarget")
    Sla = apps.get_model("slas", "Sla")
    taken = set(Sla.objects.values_list("name", flat=True))
    for target in KpiTarget.objects.order_by("kpi"):
        kpi = KPIS_BY_KEY.get(target.kpi)
        base = f"{kpi.label if kpi else target.kpi} target"
        name, number = base, 2
        while name in taken:
            name, number = f"{base} ({number})", number + 1
        taken.add(name)
        Sla.objects.create(
            name=name,
            kpi=target.kpi,
            source="",
            comparator=target.comparator,
            target=target.target,
            period="month",
            team="shared",
        )


def slas_to_targets(apps, schema_editor):
    KpiTarget = apps.get_model("configuration", "KpiTarget")
    Sla = apps.get_model("slas", "Sla")
    shared = Sla.objects.filter(team="shared", period="month", source="", retired_at=None)
    for sla in shared.order_by("name"):
        KpiTarget.objects.get_or_create(
            kpi=sla.kpi, defaults={"comparator": sla.comparator, "target": sla.target}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("slas", "0001_initial"),
        ("configuration", "0001_initial"),
    ]
    # The KpiTarget table is dropped by configuration's next migration: copy it first (declared
    # here, so the lower app's migrations never name the higher app).
    run_before = [("configuration", "0002_delete_kpitarget")]

    operations = [migrations.RunPython(targets_to_slas, slas_to_targets)]
