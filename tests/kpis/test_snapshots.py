"""Snapshot refresh jobs: what they compute, re-runs, affected periods, crashes, enqueueing."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from smarketing.kpis import services
from smarketing.kpis.models import JobStatus, KpiSnapshot, KpiSnapshotJob
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.reports import kpi_report
from smarketing.kpis.tasks import kpi_snapshot_refresh_task

from .conftest import activity, at, deal, lead, report, spend

pytestmark = pytest.mark.django_db


def run(start: str, end: str, import_id: int | None = None) -> KpiSnapshotJob:
    job = services.kpi_snapshot_refresh_enqueue(import_id=import_id, start=at(start), end=at(end))
    return services.kpi_snapshot_refresh(job=job)


def snapshot(grain: str, label: str) -> KpiSnapshot:
    return KpiSnapshot.objects.get(grain=grain, label=label)


@pytest.fixture
def frozen_now(monkeypatch):
    """Pretend today is 10 February 2025, so "up to today" is a short, known list."""
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2025, 2, 10, 12, tzinfo=UTC))


def test_refresh_stores_every_week_month_and_quarter_with_provenance(in_alpha, frozen_now):
    lead(created_at="2025-01-15", mql_at="2025-01-20")
    job = run("2025-01-15", "2025-01-21", import_id=7)
    assert job.status == JobStatus.SUCCEEDED
    # 2025-01-15 → today (10 February): weeks W03…W07, months 01–02, quarter Q1, year 2025.
    labels = sorted(KpiSnapshot.objects.values_list("grain", "label"))
    assert labels == [
        ("month", "2025-01"),
        ("month", "2025-02"),
        ("quarter", "2025-Q1"),
        *[("week", f"2025-W0{n}") for n in range(3, 8)],
        ("year", "2025"),
    ]
    assert (job.periods_total, job.periods_done, job.snapshots_changed) == (9, 9, 9)
    january = snapshot("month", "2025-01")
    assert january.kpis["leads"] == 1 and january.kpis["lead_to_mql_rate"] == 1.0
    assert january.by_source["paid_social"]["mqls"] == 1
    assert january.import_ids == [7]
    assert january.definitions_version == 1
    assert january.kpis == kpi_report(period=kpi_period_parse("2025-01"))["kpis"]


def test_snapshot_breakdowns_from_one_statement_match_each_breakdown_asked_alone(
    in_alpha, frozen_now
):
    lead("L1", created_at="2025-01-10", source="email", owner="ann", mql_at="2025-01-12")
    lead("L2", created_at="2025-01-11", source="events", owner="")
    deal(status="won", amount="900", created_at="2025-01-02", closed_at="2025-01-20",
         lead_id="L1", owner="bob")  # fmt: skip
    deal(status="open", amount="50", created_at="2025-01-03", lead_id="L9", owner="cy")
    activity(type="call", date="2025-01-15", owner="", lead_id="L2")
    spend("2025-01", "webinar", "300")
    run("2025-01-01", "2025-02-01")
    january = snapshot("month", "2025-01")
    assert january.by_source == report("2025-01", by="source")["by_source"]
    assert january.by_owner == report("2025-01", by="owner")["by_owner"]
    # Deals go by their own owner, leads and activities by theirs; empty owners are unassigned.
    assert sorted(january.by_owner) == ["ann", "bob", "cy", "unassigned"]
    assert january.by_owner["bob"]["revenue"] == 900.0
    assert january.by_owner["ann"]["lead_to_mql_rate"] == 1.0
    assert january.by_owner["unassigned"]["leads"] == 1
    assert january.by_owner["unassigned"]["calls"] == 1
    assert january.by_owner["cy"]["spend"] is None
    # By source: the deal of an unknown lead is unattributed; spend's source is listed.
    assert january.by_source["unattributed"]["won_deals"] == 0
    assert january.by_source["email"]["revenue"] == 900.0
    assert january.by_source["webinar"]["spend"] == 300.0
    assert january.by_source["events"]["calls"] == 1


def test_rerunning_a_job_changes_nothing(in_alpha, frozen_now):
    lead(created_at="2025-01-15")
    job = run("2025-01-15", "2025-01-16", import_id=3)
    before = list(KpiSnapshot.objects.order_by("pk").values())
    again = services.kpi_snapshot_refresh(job=job)
    assert again.status == JobStatus.SUCCEEDED and again.snapshots_changed == 0
    assert list(KpiSnapshot.objects.order_by("pk").values()) == before


def test_an_import_recomputes_exactly_the_affected_periods(in_alpha, frozen_now):
    lead(created_at="2025-01-15")
    run("2024-12-01", "2024-12-02")
    december = snapshot("month", "2024-12")
    # New data dated 20 January: December is not touched, January onwards is.
    lead(created_at="2025-01-20")
    job = run("2025-01-20", "2025-01-21", import_id=9)
    assert job.periods_total == 8  # weeks W04…W07, months 01–02, Q1, the year
    assert snapshot("month", "2024-12").computed_at == december.computed_at
    assert snapshot("month", "2024-12").import_ids == []
    assert snapshot("month", "2025-01").kpis["leads"] == 2
    assert snapshot("month", "2025-01").import_ids == [9]
    assert snapshot("quarter", "2024-Q4").import_ids == []


def test_only_imports_of_facts_read_over_later_periods_refresh_up_to_today():
    from smarketing.kpis.definitions import Fact

    # Lifetime value and open deals read deals (by their lead's source) over all history;
    # customers with content read content up to each customer's date.
    assert services.facts_read_after_their_dates() == {Fact.LEAD, Fact.DEAL, Fact.CONTENT}


@pytest.mark.parametrize(
    ("kind", "labels"),
    [
        # Spend of January counts in January's periods only.
        ("spend", ["2025", "2025-01", "2025-Q1", "2025-W01"]),
        # A deal dated 1 January counts in every later period's lifetime value and open deals.
        ("deals", ["2025", "2025-01", "2025-02", "2025-Q1", *[f"2025-W0{n}" for n in range(1, 8)]]),
    ],
)
def test_an_import_refreshes_the_periods_its_rows_count_in(in_alpha, frozen_now, kind, labels):
    from smarketing.kpis import receivers

    lead(created_at="2025-01-01")
    receivers.on_import_stored(import_id=5, kind=kind, start=at("2025-01-01"), end=at("2025-01-01"))
    job = services.kpi_snapshot_refresh(job=KpiSnapshotJob.objects.get())
    assert job.through_today is (kind == "deals")
    assert sorted(KpiSnapshot.objects.values_list("label", flat=True)) == labels


def test_the_first_content_rows_refresh_every_period(in_alpha, frozen_now):
    # Without any content row customers_with_content_rate is null in every period; the first
    # content import changes it before its own dates too.
    from smarketing.funnel.models import ImportJob
    from smarketing.kpis import receivers

    from .conftest import content

    lead(created_at="2024-11-05")
    content("2025-01-20", "L1")
    first = ImportJob.objects.create(
        kind="content", file="x.csv", file_name="x.csv", file_size=1, rows_stored=1
    )
    receivers.on_import_stored(
        import_id=first.pk, kind="content", start=at("2025-01-20"), end=at("2025-01-20")
    )
    assert KpiSnapshotJob.objects.get().range_start == at("2024-11-05")
    KpiSnapshotJob.objects.all().delete()
    content("2025-01-27", "L1")
    second = ImportJob.objects.create(
        kind="content", file="y.csv", file_name="y.csv", file_size=1, rows_stored=1
    )
    receivers.on_import_stored(
        import_id=second.pk, kind="content", start=at("2025-01-27"), end=at("2025-01-27")
    )
    assert KpiSnapshotJob.objects.get().range_start == at("2025-01-27")


def test_a_queued_refresh_widened_by_an_import_read_over_later_periods_goes_up_to_today(
    in_alpha, frozen_now
):
    first = services.kpi_snapshot_refresh_enqueue(
        import_id=1, start=at("2025-01-20"), end=at("2025-01-21"), through_today=False
    )
    services.kpi_snapshot_refresh_enqueue(
        import_id=2, start=at("2025-01-06"), end=at("2025-01-07"), through_today=True
    )
    first.refresh_from_db()
    assert first.through_today and first.range_start == at("2025-01-06")


def test_a_crash_mid_job_leaves_the_previous_snapshots_intact(in_alpha, frozen_now, monkeypatch):
    lead(created_at="2025-01-15")
    run("2025-01-01", "2025-01-02")
    before = list(KpiSnapshot.objects.order_by("pk").values())
    lead(created_at="2025-01-16")
    real = services.period_measures_fetch

    def crash_after_the_first_statements(**kwargs):
        def progress(label, seconds):
            if label.startswith("lead by l.sql_at"):
                raise RuntimeError("worker lost")

        return real(**{**kwargs, "progress": progress})

    monkeypatch.setattr(services, "period_measures_fetch", crash_after_the_first_statements)
    job = services.kpi_snapshot_refresh_enqueue(
        import_id=4, start=at("2025-01-01"), end=at("2025-01-02")
    )
    with pytest.raises(RuntimeError):
        services.kpi_snapshot_refresh(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "worker lost" in job.error
    assert list(KpiSnapshot.objects.order_by("pk").values()) == before
    monkeypatch.setattr(services, "period_measures_fetch", real)
    # The same job, re-run, completes.
    assert services.kpi_snapshot_refresh(job=job).status == JobStatus.SUCCEEDED
    assert snapshot("month", "2025-01").kpis["leads"] == 2


def test_enqueue_sends_the_task_only_on_commit(in_alpha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.kpi_snapshot_refresh_enqueue(
            import_id=1, start=at("2025-01-01"), end=at("2025-01-02")
        )
    assert len(callbacks) == 1
    assert job.status == JobStatus.QUEUED


def test_task_runs_the_job_in_the_workspace(in_alpha, frozen_now):
    lead(created_at="2025-02-03")
    job = services.kpi_snapshot_refresh_enqueue(
        import_id=None, start=at("2025-02-03"), end=at("2025-02-04")
    )
    result = kpi_snapshot_refresh_task.apply(args=[job.pk]).get()
    assert result == {"job": job.pk, "periods": 5, "changed": 5}  # W06, W07, 2025-02, Q1, 2025
    assert snapshot("week", "2025-W06").kpis["leads"] == 1


def test_enqueue_rejects_naive_datetimes(in_alpha):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.kpi_snapshot_refresh_enqueue(
            import_id=1, start=datetime(2025, 1, 1), end=datetime(2025, 1, 2)
        )


def test_snapshots_of_one_workspace_are_invisible_from_another(alpha, beta, frozen_now):
    from django_tenants.utils import schema_context

    with schema_context(alpha.schema_name):
        lead(created_at="2025-01-15")
        run("2025-01-01", "2025-01-02")
        assert KpiSnapshot.objects.exists()
    with schema_context(beta.schema_name):
        assert not KpiSnapshot.objects.exists()
        assert not KpiSnapshotJob.objects.exists()


# --- Coalescing: a queued job absorbs later refresh requests ------------------------------------


def test_a_second_refresh_widens_the_queued_job_instead_of_queueing_another(
    in_alpha, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.kpi_snapshot_refresh_enqueue(
            import_id=1, start=at("2025-01-20"), end=at("2025-01-21")
        )
        second = services.kpi_snapshot_refresh_enqueue(
            import_id=2, start=at("2025-01-06"), end=at("2025-01-07")
        )
        third = services.kpi_snapshot_refresh_enqueue(
            import_id=2, start=at("2025-01-25"), end=at("2025-01-30")
        )
    assert second.pk == first.pk == third.pk
    assert len(callbacks) == 1  # one task for the one job
    job = KpiSnapshotJob.objects.get()
    assert (job.range_start, job.range_end) == (at("2025-01-06"), at("2025-01-30"))
    assert job.import_ids == [1, 2]


def test_a_coalesced_job_refreshes_the_union_and_records_every_import(in_alpha, frozen_now):
    lead(created_at="2025-01-06")
    lead(created_at="2025-01-20")
    services.kpi_snapshot_refresh_enqueue(import_id=1, start=at("2025-01-20"), end=at("2025-01-21"))
    job = services.kpi_snapshot_refresh_enqueue(
        import_id=2, start=at("2025-01-06"), end=at("2025-01-07")
    )
    # The worker holds the (stale) job object of the first request: it reads the widened range.
    stale = KpiSnapshotJob.objects.get(pk=job.pk)
    stale.range_start = at("2025-01-20")
    done = services.kpi_snapshot_refresh(job=stale)
    assert done.periods_total == 10  # weeks W02…W07, months 01–02, Q1, the year (from 6 Jan)
    assert snapshot("month", "2025-01").kpis["leads"] == 2
    assert snapshot("month", "2025-01").import_ids == [1, 2]
    assert snapshot("week", "2025-W02").import_ids == [1, 2]


def test_a_started_job_is_never_widened(in_alpha, frozen_now):
    running = services.kpi_snapshot_refresh_enqueue(
        import_id=1, start=at("2025-01-20"), end=at("2025-01-21")
    )
    KpiSnapshotJob.objects.filter(pk=running.pk).update(
        status=JobStatus.RUNNING, started_at=datetime(2025, 2, 10, 12, tzinfo=UTC)
    )
    later = services.kpi_snapshot_refresh_enqueue(
        import_id=2, start=at("2025-01-06"), end=at("2025-01-07")
    )
    assert later.pk != running.pk and later.import_ids == [2]
    running.refresh_from_db()
    assert running.range_start == at("2025-01-20") and running.import_ids == [1]


def test_a_long_queued_job_is_not_widened(in_alpha, frozen_now):
    """Its task message may be lost: a fresh job with its own message is safer."""
    old = services.kpi_snapshot_refresh_enqueue(
        import_id=1, start=at("2025-01-20"), end=at("2025-01-21")
    )
    KpiSnapshotJob.objects.filter(pk=old.pk).update(
        created_at=datetime(2025, 2, 10, 11, 49, tzinfo=UTC)  # 11 minutes before "now"
    )
    assert (
        services.kpi_snapshot_refresh_enqueue(
            import_id=2, start=at("2025-01-06"), end=at("2025-01-07")
        ).pk
        != old.pk
    )


def test_refresh_snapshots_recomputes_from_the_first_data_in_this_process(in_alpha, frozen_now):
    lead(created_at="2025-01-15", mql_at="2025-01-20")
    deal(status="won", amount="10", created_at="2025-01-02", closed_at="2025-01-03")
    run("2025-02-03", "2025-02-04")  # a stored snapshot the command recomputes too
    out = io.StringIO()
    call_command("refresh_snapshots", "alpha", stdout=out)
    # From the deal created on 2 January to today (10 February): W01…W07, 01–02, Q1, 2025.
    labels = sorted(KpiSnapshot.objects.values_list("label", flat=True))
    assert labels == [
        "2025",
        "2025-01",
        "2025-02",
        "2025-Q1",
        *[f"2025-W0{n}" for n in range(1, 8)],
    ]
    job = KpiSnapshotJob.objects.order_by("-pk").first()
    assert (job.status, job.periods_total, job.import_ids) == (JobStatus.SUCCEEDED, 11, [])
    assert snapshot("month", "2025-01").kpis == report("2025-01")["kpis"]
    assert snapshot("year", "2025").kpis == report("2025")["kpis"]
    printed = out.getvalue()
    assert "lead by l.mql_at: " in printed and "measures of 11 periods: " in printed
    assert "Refreshed 11 snapshots of alpha (6 changed) in " in printed


def test_refresh_snapshots_of_an_unknown_workspace_says_so():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("refresh_snapshots", "nope", stdout=io.StringIO())


def test_reimport_moving_a_date_out_of_a_period_refreshes_the_old_period(
    alpha, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A mutation probe that refreshed only the periods of the new dates survived: January
    kept counting a lead that the re-import moved to March."""
    from django_tenants.utils import schema_context

    from tests.funnel.conftest import run_import

    settings.MEDIA_ROOT = tmp_path / "media"
    until = at("2025-04-01")

    def import_and_refresh(created_at: str, name: str) -> None:
        content = f"lead_id,created_at,source\nM1,{created_at},web\n"
        # The import's after-commit hooks run in the workspace, as its task would.
        with schema_context(alpha.schema_name), django_capture_on_commit_callbacks(execute=True):
            run_import(alpha, content, "leads", name=name)
        with schema_context(alpha.schema_name):
            job = KpiSnapshotJob.objects.order_by("-pk").first()
            assert job is not None and job.status == JobStatus.QUEUED
            services.kpi_snapshot_refresh(job=job, until=until)

    import_and_refresh("2025-01-15", "first.csv")
    with schema_context(alpha.schema_name):
        assert snapshot("month", "2025-01").kpis["leads"] == 1
    import_and_refresh("2025-03-10", "moved.csv")
    with schema_context(alpha.schema_name):
        assert snapshot("month", "2025-01").kpis["leads"] == 0  # the old period, refreshed
        assert snapshot("month", "2025-03").kpis["leads"] == 1
        assert snapshot("quarter", "2025-Q1").kpis["leads"] == 1
