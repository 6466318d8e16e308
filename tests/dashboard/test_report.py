"""The quarterly alignment report: SPEC section 6's JSON, the PDF, CSV, page and email."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django_tenants.utils import schema_context
from pypdf import PdfReader

from smarketing.dashboard import services
from smarketing.kpis import services as kpi_services
from tests.conftest import make_user
from tests.dashboard.conftest import closed_pulse, nps_answers
from tests.kpis.conftest import at, deal, lead

pytestmark = pytest.mark.django_db

SPEC_KEYS = {
    "workspace",
    "quarter",
    "kpis",
    "previous_kpis",
    "slas",
    "surveys",
    "alignment_index",
    "commentary",
}


@pytest.fixture
def quarter_data(alpha, frozen_now):
    """2026-Q3: two leads, one MQL rejected, a won deal of 2,500; 2026-Q2: a won deal of 1,000.
    Five NPS answers (NPS 40) and a closed pulse (survey 58.33, perception 50)."""
    with schema_context(alpha.schema_name):
        lead(created_at="2026-07-02", mql_at="2026-07-03", rejected_at="2026-07-05")
        lead(created_at="2026-07-04", mql_at="2026-07-05", sql_at="2026-07-09")
        deal(status="won", amount="2500", created_at="2026-07-01", closed_at="2026-08-01")
        deal(status="won", amount="1000", created_at="2026-04-01", closed_at="2026-05-01")
        nps_answers([10, 10, 9, 7, 3], "2026-08-15")
        closed_pulse(
            "2026-09-20T12:00:00", {"marketing": [[4], [4], [5]], "sales": [[2], [3], [2]]}
        )
        job = kpi_services.kpi_snapshot_refresh_enqueue(
            import_id=None, start=at("2026-04-01"), end=at("2026-04-02")
        )
        kpi_services.kpi_snapshot_refresh(job=job)


def run(*args) -> str:
    out = io.StringIO()
    call_command("alignment_report", *args, stdout=out)
    return out.getvalue()


def test_json_is_spec_sections_body_and_its_kpis_are_compute_kpis(quarter_data, tmp_path):
    target = tmp_path / "report.json"
    run("alpha", "--quarter", "2026-Q3", "--format", "json", "--output", str(target))
    body = json.loads(target.read_text())
    assert set(body) == SPEC_KEYS
    assert body["workspace"] == "alpha"
    assert body["quarter"] == {
        "start": "2026-07-01T00:00:00+00:00",
        "end": "2026-10-01T00:00:00+00:00",
    }
    out = io.StringIO()
    call_command("compute_kpis", "alpha", "--period", "2026-Q3", "--json", stdout=out)
    assert body["kpis"] == json.loads(out.getvalue())["kpis"]
    assert body["kpis"]["revenue"] == 2500.0 and body["previous_kpis"]["revenue"] == 1000.0
    # Hand-off 1 − 1/2 = 50; survey 58.33; perception 50; NPS 70; no SLA:
    # (50·20 + 58.333…·25 + 50·10 + 70·15) / 70 = 4008.33… / 70 = 57.26
    assert body["alignment_index"]["value"] == 57.26
    assert body["alignment_index"]["components"]["handoff_acceptance"] == 50.0
    assert set(body["alignment_index"]) == {"value", "components", "weights"}
    assert body["slas"] == []
    assert body["surveys"]["nps"]["value"] == 40.0
    assert body["surveys"]["alignment_wave"]["mean_perception_gap"] == 2.0
    assert body["commentary"][0] == "Alignment index 57.3 of 100 in 2026-Q3."
    assert "Revenue +150.0% vs 2026-Q2 ($1,000.00 → $2,500.00): good news." in body["commentary"]


def test_pdf_has_the_workspace_name_the_quarter_and_the_revenue(quarter_data, tmp_path):
    target = tmp_path / "report.pdf"
    run("alpha", "--quarter", "2026-Q3", "--format", "pdf", "--output", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Alpha" in text and "2026-Q3" in text and "$2,500.00" in text


def test_csv_lists_the_tables_and_escapes_formulas(quarter_data, tmp_path):
    target = tmp_path / "report.csv"
    run("alpha", "--quarter", "2026-Q3", "--format", "csv", "--output", str(target))
    lines = target.read_text().splitlines()
    assert lines[0] == "table,name,value,previous"
    assert "kpi,revenue,2500.0,1000.0" in lines
    assert "alignment_index,value,57.26," in lines


def test_command_refuses_what_is_not_a_quarter(quarter_data, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a quarter"):
        run("alpha", "--quarter", "2026-07", "--format", "json", "--output", str(tmp_path / "x"))
    with pytest.raises(CommandError):
        run("nobody", "--quarter", "2026-Q3", "--format", "json", "--output", str(tmp_path / "x"))


def test_report_page_and_downloads(quarter_data, bob_client):
    page = bob_client.get("/report/?quarter=2026-Q3")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha · 2026-Q3" in html and "$2,500.00" in html
    download = bob_client.get("/report/download.json?quarter=2026-Q3")
    assert json.loads(download.content)["kpis"]["revenue"] == 2500.0
    assert 'filename="alignment-report-alpha-2026-Q3.json"' in download["Content-Disposition"]
    assert bob_client.get("/report/download.pdf?quarter=2026-Q3").content.startswith(b"%PDF")
    assert bob_client.get("/report/download.exe").status_code == 404


def test_report_shows_the_quarter_of_the_period_the_navigation_carries(quarter_data, bob_client):
    # From the overview of August 2026 (or any period starting in 2026-Q3), Report is 2026-Q3.
    home = bob_client.get("/?period=2026-08").content.decode()
    assert 'href="/report/?period=2026-08"' in home
    for period in ("2026-08", "2026-Q3", "2026-W30", "2026-07-15..2026-12-01"):
        assert bob_client.get(f"/report/?period={period}").context["quarter"].label == "2026-Q3"
    # An explicit quarter wins; a period that is no period falls back to the default.
    page = bob_client.get("/report/?period=2026-08&quarter=2026-Q2")
    assert page.context["quarter"].label == "2026-Q2"
    assert bob_client.get("/report/?period=soon").status_code == 200


def test_admins_get_the_last_quarters_report_by_email(quarter_data, alpha, alice, bob):
    with schema_context(alpha.schema_name):
        make_user(alpha, "second-admin@alpha.test", "admin", "sales")
        from datetime import UTC, datetime

        sent = services.alignment_report_email(now=datetime(2026, 10, 1, 6, tzinfo=UTC))
    assert sent == 2
    [message] = mail.outbox
    assert message.to == ["alice@alpha.test", "second-admin@alpha.test"]  # admins, not bob
    assert message.subject == "Alpha: alignment report 2026-Q3"
    name, content, _ = message.attachments[0]
    assert name == "alignment-report-alpha-2026-Q3.pdf" and content.startswith(b"%PDF")
