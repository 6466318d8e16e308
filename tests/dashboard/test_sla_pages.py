"""The SLA pages, the breach list and the inbox: what each shows, hand-computed, and what an
admin's form stores."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, period_containing
from smarketing.slas import notifications, services
from smarketing.slas.models import Notification, NotificationPreference, Sla
from tests.factories.slas import sla_make
from tests.kpis.conftest import lead
from tests.slas.conftest import march_2025

pytestmark = pytest.mark.django_db

MARCH = period_containing(Grain.MONTH, datetime(2025, 3, 1).date(), UTC)
APRIL_2ND = datetime(2025, 4, 2, tzinfo=UTC)


@pytest.fixture
def judged(alpha):
    """March 2025's data and two SLAs judged on it (missed and met)."""
    with schema_context(alpha.schema_name):
        march_2025()
        missed = sla_make(name="MQL to SQL", kpi="mql_to_sql_rate", target=Decimal("0.6"),
                          team="shared", created_at=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip
        met = sla_make(name="MQLs delivered", kpi="mqls", target=Decimal(4))
        services.slas_evaluate_period(period=MARCH, now=APRIL_2ND)
    return {"missed": missed, "met": met}


def test_sla_list_shows_each_sla_and_team_compliance(judged, bob_client):
    page = bob_client.get("/slas/")
    html = page.content.decode()
    assert "MQL to SQL" in html and "≥ 60.0%" in html
    rows = {standing.sla.name: standing for standing in page.context["standings"]}
    assert rows["MQL to SQL"].latest.status == "missed"
    assert rows["MQLs delivered"].compliance == {4: 1.0, 12: 1.0}
    teams = dict(page.context["teams"])
    # Shared: 0 met of 1; marketing: 1 of 1.
    assert teams["Shared"][4] == {"compliance": 0.0, "met": 0, "missed": 1}
    assert teams["Marketing"][12] == {"compliance": 1.0, "met": 1, "missed": 0}
    assert "Add an SLA" not in html  # a viewer reads only


def test_sla_detail_charts_history_with_the_target_line(judged, bob_client):
    page = bob_client.get(f"/slas/{judged['missed'].pk}/")
    chart = page.context["chart"]
    assert chart == {
        "kpi_label": "MQL → SQL",
        "unit": "rate",
        "labels": ["2025-03"],
        "values": [0.5],
        "targets": [0.6],
        "colours": ["#c0392b"],
    }
    html = page.content.decode()
    assert 'id="sla-history"' in html and "dashboard/sla_history.js" in html
    assert "<script>" not in html.replace('<script id="sla-history" type="application/json">', "")


def test_admin_creates_an_sla_from_the_page_typing_a_percentage(alpha, alice_client):
    page = alice_client.get("/slas/new/")
    assert page.status_code == 200
    response = alice_client.post(
        "/slas/new/",
        {"name": "Win rate", "kpi": "win_rate", "source": "", "comparator": ">=",
         "target": "25 %", "period": "quarter", "team": "sales"},
    )  # fmt: skip
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        sla = Sla.objects.get()
        assert (sla.target, sla.period, sla.source) == (Decimal("0.25"), "quarter", "")
    assert response["Location"] == f"/slas/{sla.pk}/"
    edit = alice_client.get(f"/slas/{sla.pk}/edit/")
    assert edit.context["form"]["target"].value() == "25 %"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpi": "happiness"}, "SLA &quot;Win rate&quot;: unknown KPI &#x27;happiness&#x27;"),
        ({"target": "40"}, "SLA &quot;Win rate&quot;: a rate target is a fraction between 0 and 1"),
        ({"team": "finance"}, "unknown team &#x27;finance&#x27;"),
        ({"period": "day"}, "unknown period &#x27;day&#x27;"),
        ({"comparator": "="}, "unknown comparator &#x27;=&#x27;"),
    ],
)
def test_the_page_refuses_an_invalid_sla_naming_it(alpha, alice_client, change, message):
    body = {"name": "Win rate", "kpi": "win_rate", "source": "", "comparator": ">=",
            "target": "0.25", "period": "month", "team": "sales", **change}  # fmt: skip
    response = alice_client.post("/slas/new/", body)
    assert response.status_code == 200
    assert message in response.content.decode()
    with schema_context(alpha.schema_name):
        assert not Sla.objects.exists()


def test_admin_accepts_the_starting_slas_with_edited_targets(alpha, alice_client):
    page = alice_client.get("/slas/")
    form = page.context["proposals_form"]
    names = [row["name"].value() for row in form.rows]
    assert names == [
        "MQLs delivered",
        "MQL → SQL conversion",
        "First touch within the response time",
        "MQLs accepted or rejected within 48 h",
        "MQL rejection rate",
    ]
    data = {name: field.value() for name, field in ((f.html_name, f) for f in form)}
    data = {key: value for key, value in data.items() if value not in (None, False)}
    data.update({"target_0": "150", "accept_4": ""})
    response = alice_client.post("/slas/accept/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(alpha.schema_name):
        slas = {
            sla.name: (sla.kpi, sla.comparator, sla.target, sla.team) for sla in Sla.objects.all()
        }
    assert slas == {
        "MQLs delivered": ("mqls", ">=", Decimal(150), "marketing"),
        "MQL → SQL conversion": ("mql_to_sql_rate", ">=", Decimal("0.3"), "shared"),
        "First touch within the response time": (
            "mql_response_within_sla_rate", ">=", Decimal("0.95"), "sales",
        ),
        "MQLs accepted or rejected within 48 h": (
            "mql_disposition_within_48h_rate", ">=", Decimal("0.95"), "sales",
        ),
    }  # fmt: skip
    # Accepted templates are no longer proposed.
    remaining = alice_client.get("/slas/").context["proposals_form"]
    assert [row["name"].value() for row in remaining.rows] == ["MQL rejection rate"]


def test_breaches_of_a_month_lead_by_lead(judged, bob_client):
    response = bob_client.get("/slas/breaches/?kind=response&period=2025-03")
    breaches = response.context["breaches"]
    # Response time 24 h: M2 touched after 25 h (1 h late), M3 never touched (overdue).
    rows = [(row.lead_id, row.state, row.owner, row.source) for row in breaches.rows]
    assert rows == [("M2", "late", "ann", "webinar"), ("M3", "overdue", "bob", "paid_social")]
    assert breaches.rows[0].hours_late == 1.0
    assert breaches.by_owner == [("ann", 1), ("bob", 1)]
    disposition = bob_client.get("/slas/breaches/?kind=disposition&period=2025-03").context
    # 48 h: M2 rejected after 72 h (24 h late), M3 never dispositioned.
    assert next((row.lead_id, row.hours_late) for row in disposition["breaches"].rows) == (
        "M2",
        24.0,
    )
    assert disposition["breaches"].total == 2
    filtered = bob_client.get("/slas/breaches/?kind=response&period=2025-03&owner=bob").context
    assert [row.lead_id for row in filtered["breaches"].rows] == ["M3"]


def test_overdue_now_lists_only_mqls_still_waiting(alpha, bob_client):
    with schema_context(alpha.schema_name):
        march_2025()
        lead("M9", created_at="2025-03-01", mql_at="2025-03-25T00:00:00Z", rejected_at="2025-03-28",
             source="=HYPERLINK(evil)")  # fmt: skip  # rejected after 72 h, never touched
    page = bob_client.get("/slas/breaches/?kind=response&since=all")
    assert [row.lead_id for row in page.context["breaches"].rows] == ["M3"]  # M9 needs no call
    month = bob_client.get("/slas/breaches/?kind=response&period=2025-03").context["breaches"]
    assert [(row.lead_id, row.state) for row in month.rows] == [
        ("M2", "late"), ("M3", "overdue"), ("M9", "skipped"),
    ]  # fmt: skip
    # The last 90 days only by default: March 2025 is long gone.
    assert bob_client.get("/slas/breaches/?kind=response").context["breaches"].total == 0
    csv = bob_client.get("/slas/breaches.csv?kind=disposition&period=2025-03")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "lead_id,source,owner,mql_at,due_at,handled_at,state,hours_late"
    assert lines[1].startswith(
        "M2,webinar,ann,2025-03-05T00:00:00+00:00,2025-03-07T00:00:00+00:00,"
    )
    assert lines[1].endswith(",late,24.0")
    # A cell a spreadsheet would run as a formula is written as text.
    m9 = bob_client.get(
        "/slas/breaches.csv?kind=disposition&period=2025-03&source=%3DHYPERLINK(evil)"
    )
    assert "'=HYPERLINK(evil),unassigned" in b"".join(m9.streaming_content).decode()
    assert (
        csv["Content-Disposition"] == 'attachment; filename="mql-disposition-breaches-2025-03.csv"'
    )


def test_inbox_counts_unread_marks_read_and_turns_emails_off(alice, judged, alpha, alice_client):
    page = alice_client.get("/notifications/")
    html = page.content.decode()
    assert "SLA missed: &quot;MQL to SQL&quot; in 2025-03" in html
    assert 'aria-label="1 unread">1</span>' in html  # the count in the navigation
    alice_client.post("/notifications/", {"action": "read"})
    assert 'unread">1<' not in alice_client.get("/slas/").content.decode()
    alice_client.post("/notifications/", {"action": "emails_off"})
    with schema_context(alpha.schema_name):
        assert Notification.objects.get(recipient=alice).read_at is not None
        assert NotificationPreference.objects.get(user=alice).email_enabled is False
        assert notifications.notification_unread_count(user=alice) == 0


def test_sla_detail_of_another_workspace_is_not_found(judged, charlie_client):
    assert charlie_client.get(f"/slas/{judged['missed'].pk}/").status_code == 404
    assert charlie_client.get("/notifications/").context["notifications"] == []
    body = json.dumps(
        charlie_client.get("/slas/breaches/?kind=response&since=all").context["breaches"].total
    )
    assert body == "0"
