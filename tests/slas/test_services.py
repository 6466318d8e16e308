"""Storing evaluations: forecasts, history that keeps its target, alerts raised once, and the
email for each recipient sent once, after commit, to those who did not opt out."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from smarketing.core.periods import Grain, period_containing
from smarketing.slas import notifications, services
from smarketing.slas.models import Notification, Sla, SlaAlert, SlaEvaluation
from smarketing.slas.tasks import alert_emails_send_task
from tests.conftest import make_user
from tests.factories.slas import sla_make
from tests.kpis.conftest import lead

from .conftest import march_2025

pytestmark = pytest.mark.django_db

AGREED = datetime(2024, 12, 1, tzinfo=UTC)  # the SLAs below were agreed before 2025
# 2 April 2025: March is the month that closed last; April is 1/30 over.
APRIL_2ND = datetime(2025, 4, 2, tzinfo=UTC)


def month(text: str):
    year, number = map(int, text.split("-"))
    return period_containing(Grain.MONTH, datetime(year, number, 1).date(), UTC)


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema_name):
        yield alpha


def test_march_closed_and_april_forecast_stored(in_alpha):
    march_2025()
    # April so far: 3 MQLs in the first 10 days (of 30).
    for day in (1, 4, 9):
        lead(created_at=f"2025-04-0{day}", mql_at=f"2025-04-0{day}T12:00:00Z")
    sla = sla_make(name="MQLs", kpi="mqls", target=Decimal(8), created_at=AGREED)
    now = datetime(2025, 4, 11, tzinfo=UTC)
    stored = services.slas_evaluate(now=now, history=1)
    march, april = (row for row in stored if row.sla_id == sla.pk)
    assert (march.period_label, march.final, march.status, march.value) == (
        "2025-03", True, "met" if 4 >= 8 else "missed", Decimal(4),
    )  # fmt: skip
    # 3 MQLs after 10 of 30 days: 3 / (1/3) = 9 ≥ 8 → on track.
    assert (april.final, april.status, april.value, april.value_so_far) == (
        False, "on_track", Decimal(9), Decimal(3),
    )  # fmt: skip
    assert april.elapsed_share == Decimal("0.333333")
    # Later in April with no more MQLs the same forecast turns at risk: 3 / 0.5 = 6 < 8.
    services.slas_evaluate(now=datetime(2025, 4, 16, tzinfo=UTC), history=0)
    april.refresh_from_db()
    assert (april.status, april.value) == ("at_risk", Decimal(6))


def test_a_closed_period_keeps_its_target_when_the_sla_changes(in_alpha):
    march_2025()
    sla = sla_make(name="MQLs", kpi="mqls", target=Decimal(3), created_at=AGREED)
    services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    services.sla_update(sla=sla, terms={**sla.terms(), "target": 10})
    services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    row = SlaEvaluation.objects.get(sla=sla)
    assert (row.target, row.status) == (Decimal(3), "met")
    # A change of what it measures recomputes history with the new terms.
    services.sla_update(sla=sla, terms={**sla.terms(), "kpi": "leads"})
    assert not SlaEvaluation.objects.filter(sla=sla).exists()
    services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    row = SlaEvaluation.objects.get(sla=sla)
    assert (row.target, row.value, row.status) == (Decimal(10), Decimal(5), "missed")


def test_evaluation_uses_the_snapshot_when_it_holds_the_values(in_alpha):
    from smarketing.kpis.models import KpiSnapshot

    march = month("2025-03")
    KpiSnapshot.objects.create(
        grain="month", label="2025-03", period_start=march.start, period_end=march.end,
        kpis={"mqls": 12}, by_source={"webinar": {"mqls": 5}}, computed_at=APRIL_2ND,
        definitions_version=3,
    )  # fmt: skip
    whole = sla_make(name="MQLs", kpi="mqls", target=Decimal(10))
    webinar = sla_make(name="Webinar MQLs", kpi="mqls", source="webinar", target=Decimal(6))
    services.slas_evaluate_period(period=march, now=APRIL_2ND)
    rows = {row.sla_id: row for row in SlaEvaluation.objects.all()}
    assert (rows[whole.pk].value, rows[whole.pk].status, rows[whole.pk].computed) == (
        Decimal(12), "met", "snapshot",
    )  # fmt: skip
    assert (rows[webinar.pk].value, rows[webinar.pk].status) == (Decimal(5), "missed")
    assert rows[whole.pk].definitions_version == 3
    # A KPI the snapshot does not hold (an older snapshot): computed live instead.
    rate = sla_make(name="Rate", kpi="mql_to_sql_rate", target=Decimal("0.1"))
    services.slas_evaluate_period(period=march, now=APRIL_2ND)
    row = SlaEvaluation.objects.get(sla=rate)
    assert (row.computed, row.status) == ("live", "no_data")  # no MQL in the live data


@pytest.fixture
def people(in_alpha, alice, bob):
    """alice: admin (leadership); bob: viewer (sales); mia: marketing member who turned the
    emails off; sam: sales member; leo: leadership member (no team of the SLA's)."""
    mia = make_user(in_alpha, "mia@alpha.test", "member", "marketing")
    sam = make_user(in_alpha, "sam@alpha.test", "member", "sales")
    leo = make_user(in_alpha, "leo@alpha.test", "member", "leadership")
    notifications.notification_emails_set(user=mia, enabled=False)
    return {"alice": alice, "bob": bob, "mia": mia, "sam": sam, "leo": leo}


def test_a_missed_month_notifies_the_owning_teams_and_admins_once(
    people, django_capture_on_commit_callbacks
):
    march_2025()
    sla_make(name="MQL to SQL", kpi="mql_to_sql_rate", target=Decimal("0.6"), team="shared",
             created_at=AGREED)  # fmt: skip
    sla_make(name="Leads", kpi="leads", target=Decimal(1), created_at=AGREED)  # met: no alert
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    # The emails go out by a task sent once the evaluation committed: nothing before.
    assert len(callbacks) == 1 and mail.outbox == []
    [alert] = SlaAlert.objects.all()
    assert alert_emails_send_task(alert_id=alert.pk) == 3  # what the worker runs
    assert (alert.kind, alert.period_label, alert.value) == ("missed", "2025-03", Decimal("0.5"))
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    # Shared: marketing and sales members, and the admins; not leadership's leo.
    assert recipients == {"alice@alpha.test", "bob@alpha.test", "mia@alpha.test",
                          "sam@alpha.test"}  # fmt: skip
    # Exactly one email per recipient, none for mia who turned them off.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@alpha.test", "bob@alpha.test", "sam@alpha.test",
    ]  # fmt: skip
    message = mail.outbox[0]
    assert message.subject == 'SLA missed: "MQL to SQL" in 2025-03'
    assert (
        'MQL → SQL was 50.0% in 2025-03; the shared SLA "MQL to SQL" asks for at least 60.0%'
        in (message.body)
    )
    assert "/slas/" in message.body
    # Evaluating again, and sending the alert's emails again (a retried task), sends nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    assert callbacks == []
    assert notifications.alert_emails_send(alert_id=alert.pk) == 0
    assert len(mail.outbox) == 3 and Notification.objects.count() == 4


def test_history_and_older_periods_raise_no_alert(people, django_capture_on_commit_callbacks):
    march_2025()
    # Agreed after March ended: March is history, not news.
    sla_make(name="MQL to SQL", kpi="mql_to_sql_rate", target=Decimal("0.6"),
             created_at=datetime(2025, 4, 1, 12, tzinfo=UTC))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
        # An SLA agreed long ago, but March is not the month that closed last in June.
        services.slas_evaluate_period(period=month("2025-03"), now=datetime(2025, 6, 2, tzinfo=UTC))
    assert not SlaAlert.objects.exists() and callbacks == []


def test_a_forecast_turning_at_risk_alerts_once_per_period(
    people, django_capture_on_commit_callbacks
):
    sla = sla_make(name="MQLs", kpi="mqls", target=Decimal(30), team="marketing",
                   created_at=AGREED)  # fmt: skip
    lead(created_at="2025-04-01", mql_at="2025-04-01T12:00:00Z")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for day in (11, 12, 20):  # 1 MQL in 10, 11, 19 days: 3, 2.73, 1.58 projected
            services.slas_evaluate(now=datetime(2025, 4, day, tzinfo=UTC), history=0)
    assert len(callbacks) == 1  # one alert: one task
    [alert] = SlaAlert.objects.filter(sla=sla)
    alert_emails_send_task(alert_id=alert.pk)
    assert (alert.kind, alert.period_label) == ("at_risk", "2025-04")
    # Marketing's SLA: marketing members and admins; mia opted out of the email.
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        "alice@alpha.test", "mia@alpha.test",
    }  # fmt: skip
    assert [message.to for message in mail.outbox] == [["alice@alpha.test"]]
    assert mail.outbox[0].subject == 'SLA at risk: "MQLs" in 2025-04'


def test_unread_notifications_are_counted_and_marked_read(people):
    march_2025()
    sla_make(name="MQL to SQL", kpi="mql_to_sql_rate", target=Decimal("0.6"), team="shared",
             created_at=AGREED)  # fmt: skip
    services.slas_evaluate_period(period=month("2025-03"), now=APRIL_2ND)
    sam = people["sam"]
    assert notifications.notification_unread_count(user=sam) == 1
    assert notifications.notifications_mark_read(user=sam) == 1
    assert notifications.notification_unread_count(user=sam) == 0
    assert notifications.notification_unread_count(user=people["alice"]) == 1


def test_kpi_targets_become_shared_monthly_slas(in_alpha):
    services.sla_kpi_targets_replace(
        kpi_targets=[
            {"kpi": "mql_to_sql_rate", "comparator": ">=", "target": Decimal("0.3")},
            {"kpi": "leads", "comparator": ">=", "target": Decimal(100)},
        ]
    )
    slas = {sla.name: sla.terms() for sla in Sla.objects.all()}
    assert slas["MQL → SQL target"] == {
        "name": "MQL → SQL target", "kpi": "mql_to_sql_rate", "source": None, "comparator": ">=",
        "target": Decimal("0.3"), "period": "month", "team": "shared",
    }  # fmt: skip
    services.sla_kpi_targets_replace(
        kpi_targets=[{"kpi": "leads", "comparator": "<=", "target": Decimal(50)}]
    )
    assert Sla.objects.get(name="MQL → SQL target").retired_at is not None
    assert Sla.objects.get(name="Leads target").comparator == "<="
    with pytest.raises(ValidationError) as refused:
        services.sla_kpi_targets_replace(
            kpi_targets=[{"kpi": "win_rate", "comparator": ">=", "target": Decimal(30)}]
        )
    assert refused.value.message_dict["win_rate"] == [
        'SLA "Win rate target": a rate target is a fraction between 0 and 1 (0.3 for 30 %), not 30'
    ]
    assert not Sla.objects.filter(kpi="win_rate").exists()


def test_sla_names_are_unique(in_alpha):
    sla_make(name="MQLs")
    with pytest.raises(ValidationError, match='SLA "MQLs": an SLA of that name already exists'):
        services.sla_create(terms={**Sla.objects.get().terms(), "kpi": "leads"})
