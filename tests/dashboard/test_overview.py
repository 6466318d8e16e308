"""The overview: the alignment index of the quarter from stored figures, the shared metrics with
their previous period, target, sparkline and anomaly mark, and bounded queries."""

from datetime import UTC
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from smarketing.configuration.selectors import workspace_settings_get
from smarketing.configuration.services import workspace_settings_update
from smarketing.core.periods import period_parse
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import KpiSnapshotJob
from smarketing.slas.models import SlaEvaluation
from tests.dashboard.conftest import NOW, closed_pulse, nps_answers, stored_snapshot
from tests.factories.slas import kpi_target_make, sla_make

pytestmark = pytest.mark.django_db


def test_overview_defaults_to_the_last_complete_month(alpha_snapshots, bob_client):
    page = bob_client.get("/")
    assert page.status_code == 200
    assert page.context["filter"].period.label == "2026-10"
    assert page.context["quarter"].label == "2026-Q4"
    metrics = {metric["key"]: metric for metric in page.context["metrics"]}
    assert (metrics["revenue"]["value"], metrics["revenue"]["previous"]) == (1234.5, 0.0)
    assert (metrics["mqls"]["value"], metrics["mqls"]["previous"]) == (1, 0)
    html = page.content.decode()
    assert "$1,234.50" in html  # revenue, with the currency and two decimals
    assert "100.0%" in html  # MQL → SQL: 1 of 1
    # Every KPI label carries its definition from the registry, referenced by a real id.
    assert 'aria-describedby="def-revenue-1"' in html and 'id="def-revenue-1"' in html
    assert "Sum of the deals won and closed in the period." in html


@pytest.fixture
def alignment_history(alpha, frozen_now):
    """2026-Q3: rejection rate 0.2, a closed pulse, five NPS answers; 2026-Q2: rejection 0.5."""
    with schema_context(alpha.schema_name):
        stored_snapshot("2026-Q3", mql_rejection_rate=0.2)
        stored_snapshot("2026-Q2", mql_rejection_rate=0.5)
        stored_snapshot("2026-09", leads=3)
        # Promoters 10, 10, 9; passive 7; detractor 3: NPS (3 − 1) / 5 = 40.
        nps_answers([10, 10, 9, 7, 3], "2026-08-15")
        # Marketing 4, 4, 5 and sales 2, 3, 2 on one statement: every answer's mean 20 / 6,
        # gap |13/3 − 7/3| = 2.
        closed_pulse(
            "2026-09-20T12:00:00",
            {"marketing": [[4], [4], [5]], "sales": [[2], [3], [2]]},
        )


def test_overview_computes_the_index_from_stored_figures(alignment_history, bob_client):
    page = bob_client.get("/?period=2026-09")
    current = page.context["alignment"]
    assert current.quarter.label == "2026-Q3"
    # hand-off (1 − 0.2) × 100 = 80; survey (20/6 − 1) / 4 × 100 = 58.33…; perception
    # 100 − 25 × 2 = 50; NPS (40 + 100) / 2 = 70; no SLA: weights 20, 25, 10, 15 of 70.
    # (80·20 + 58.333…·25 + 50·10 + 70·15) / 70 = 4608.33… / 70 = 65.83…
    assert current.index.output() == {
        "value": 65.83,
        "components": {
            "sla_compliance": None,
            "handoff_acceptance": 80.0,
            "survey_score": 58.33,
            "perception_agreement": 50.0,
            "nps": 70.0,
        },
        "weights": {
            "sla_compliance": None,
            "handoff_acceptance": 28.57,
            "survey_score": 35.71,
            "perception_agreement": 14.29,
            "nps": 21.43,
        },
    }
    # 2026-Q2 has hand-off acceptance only (50): no index, so no change either.
    assert page.context["previous_alignment"].index.value is None
    html = page.content.decode()
    assert "65.8" in html and "no SLA period closed in 2026-Q3" in html
    assert "Statement 1" in html and "marketing <strong>4.33</strong>" in html
    assert "Left out for lack of data: SLA compliance" in html


def test_changed_weights_change_the_index(alignment_history, alpha, bob_client):
    with schema_context(alpha.schema_name):
        row = workspace_settings_get()
        row.alignment_weights = {**row.alignment_weights, "nps": 0, "survey_score": 0}
        row.save()
    current = bob_client.get("/?period=2026-09").context["alignment"]
    # (80·20 + 50·10) / 30 = 70
    assert current.index.output()["value"] == 70.0


def test_overview_marks_targets_and_anomalies(alpha, frozen_now, bob_client):
    with schema_context(alpha.schema_name):
        for number, value in enumerate([10, 12, 10, 11, 10, 12, 11, 10, 40], start=2):
            stored_snapshot(f"2026-{number:02d}", leads=value, mqls=value, revenue=100.0)
        kpi_target_make("mqls", ">=", 50)
    page = bob_client.get("/?period=2026-10")
    mqls = {metric["key"]: metric for metric in page.context["metrics"]}["mqls"]
    # Baseline February–September: median 10.5, MAD 0.5, z = 0.6745 × 29.5 / 0.5 = 39.8.
    assert mqls["anomaly"].direction == "spike" and round(mqls["anomaly"].z, 1) == 39.8
    assert mqls["met"] is False
    assert mqls["sparkline"].startswith("M")  # a drawn line through the present months
    html = page.content.decode()
    assert "spike: far above the periods before" in html
    assert "✗ missed" in html


def test_source_filter_scopes_the_metrics_and_stays_in_the_links(alpha_snapshots, bob_client):
    page = bob_client.get("/?period=2026-09&source=alpha_only_source")
    metrics = {metric["key"]: metric for metric in page.context["metrics"]}
    assert metrics["mqls"]["value"] == 0
    assert page.context["targets"] == {}
    html = page.content.decode()
    assert 'href="/funnel/?period=2026-09&amp;source=alpha_only_source"' in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        # The overview reads six quarters' survey summaries and SLA counts (about 6 each).
        ("/", 140),
        ("/funnel/", 50),
        ("/sources/", 50),
        ("/marketing/", 50),
        ("/sales/", 50),
        ("/kpis/", 50),
        ("/report/", 80),
    ],
)
def test_pages_do_a_bounded_number_of_queries(
    alignment_history, bob_client, django_assert_max_num_queries, path, bound
):
    # django-tenants sets the search path before each query, so each counts twice. The bound
    # holds whatever the number of leads, sources or snapshots.
    with django_assert_max_num_queries(bound):
        assert bob_client.get(f"{path}?period=2026-09").status_code == 200


def test_overview_queries_stay_bounded_with_a_pulse_in_every_quarter(
    alignment_history, alpha, bob_client, django_assert_max_num_queries
):
    # A closed pulse in each quarter of the trend and SLAs judged every month, as in the demo:
    # the overview still reads each quarter with a fixed number of queries (the workspace's
    # time zone is read once per quarter, not once per date it converts).
    for closed_on in (
        "2025-05-20T12:00:00", "2025-08-20T12:00:00", "2025-11-20T12:00:00",
        "2026-02-20T12:00:00", "2026-05-20T12:00:00",
    ):  # fmt: skip
        with schema_context(alpha.schema_name):
            closed_pulse(closed_on, {"marketing": [[4], [4], [5]], "sales": [[2], [3], [2]]})
    sla_periods(alpha, {f"2026-{month:02d}": "met" for month in range(1, 10)})
    with django_assert_max_num_queries(120):
        assert bob_client.get("/?period=2026-09").status_code == 200


def test_every_chart_downloads_as_csv(alpha_snapshots, bob_client):
    response = bob_client.get("/charts/funnel/stages.csv?period=2026-10")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="funnel-stages-2026-10.csv"' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "stage,2026-10,2026-09"
    assert lines[1:3] == ["Leads,2,1", "MQLs,1,0"]
    assert bob_client.get("/charts/funnel/nothing.csv").status_code == 404
    assert bob_client.get("/charts/nowhere/stages.csv").status_code == 404


def test_admin_sets_the_weights_on_the_settings_page(alpha, alice_client, bob_client):
    data = {
        "sla_compliance": "10",
        "handoff_acceptance": "40",
        "survey_score": "20",
        "perception_agreement": "20",
        "nps": "10",
    }
    response = alice_client.post("/settings/alignment/", data)
    assert response.status_code == 302 and response["Location"].endswith("#alignment")
    with schema_context(alpha.schema_name):
        assert workspace_settings_get().alignment_weights == {k: int(v) for k, v in data.items()}
    page = alice_client.post("/settings/alignment/", {**data, "nps": "abc"})
    html = page.content.decode()
    # The error is attached to its field: the input names the error and the help text.
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_nps_helptext id_nps_error"' in html
    assert 'id="id_nps_error"' in html and 'id="id_nps_helptext"' in html
    assert bob_client.post("/settings/alignment/", data).status_code == 403


def sla_periods(alpha, statuses: dict[str, str]) -> None:
    """One monthly SLA of the marketing team judged for the given months (label → status)."""
    with schema_context(alpha.schema_name):
        sla = sla_make(name="MQLs delivered", kpi="mqls", target=Decimal(10), team="marketing")
        for label, status in statuses.items():
            month = period_parse(label, UTC)
            SlaEvaluation.objects.create(
                sla=sla, period_label=label, period_start=month.start, period_end=month.end,
                final=True, status=status, value=Decimal(12), comparator=">=",
                target=Decimal(10), computed="snapshot", definitions_version=1, changed_at=NOW,
            )  # fmt: skip


def test_sla_compliance_counts_in_the_index_and_the_glance(alignment_history, alpha, bob_client):
    # July and August met, September missed (closed in 2026-Q3); June closed in Q2.
    sla_periods(
        alpha, {"2026-06": "missed", "2026-07": "met", "2026-08": "met", "2026-09": "missed"}
    )
    page = bob_client.get("/?period=2026-09")
    index = page.context["alignment"].index.output()
    # SLA compliance 2 ÷ (2 + 1) × 100 = 66.67; every weight applies:
    # (66.666…·30 + 80·20 + 58.333…·25 + 50·10 + 70·15) / 100
    # = (2000 + 1600 + 1458.33… + 500 + 1050) / 100 = 66.08
    assert index["components"]["sla_compliance"] == 66.67
    assert index["value"] == 66.08
    assert page.context["sla_teams"] == [
        {"team": "marketing", "met": 0, "missed": 1, "on_track": 0, "at_risk": 0, "slas": 1}
    ]
    assert "✗ 1" in page.content.decode()


def test_after_a_time_zone_change_pages_keep_the_figures_marked_recomputing(
    alpha_snapshots, alpha, bob_client
):
    with schema_context(alpha.schema_name):
        workspace_settings_update(changes={"time_zone": "Europe/Paris"})
    page = bob_client.get("/?period=2026-10")
    assert page.context["figures"]["recomputing"] is True
    metrics = {metric["key"]: metric for metric in page.context["metrics"]}
    assert metrics["revenue"]["value"] == 1234.5  # the previous zone's October, not nothing
    html = page.content.decode()
    assert 'id="recomputing"' in html and "dashboard/recompute.js" in html
    # Times read in the workspace's zone: computed at 09:00 UTC = 10:00 in Paris.
    assert "computed 2026-11-20 10:00 CET" in html
    with schema_context(alpha.schema_name):
        job = KpiSnapshotJob.objects.filter(status="queued").get()
        kpi_services.kpi_snapshot_refresh(job=job)
    page = bob_client.get("/?period=2026-10")
    assert page.context["figures"]["recomputing"] is False
    assert 'id="recomputing"' not in page.content.decode()
