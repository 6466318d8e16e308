"""Survey life cycle: the locked threshold, invitations and reminders once each, recurrence."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from surveys import services
from surveys.models import Invitee, Survey, SurveySchedule
from tests.conftest import ALPHA_HOST, client_for

from .helpers import admin_of, alignment_survey, answer_as, people


def test_threshold_cannot_be_lowered_after_opening(alpha):
    admin = admin_of(alpha)
    survey = alignment_survey(alpha, threshold=5)
    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="locked"):
        services.survey_update(survey=survey, changed_by=admin, anonymity_threshold=3)
    client = client_for(ALPHA_HOST, admin)
    api = client.patch(
        f"/api/v1/surveys/{survey.pk}/update/",
        {"anonymity_threshold": 3},
        content_type="application/json",
    )
    assert api.status_code == 409  # valid input the open survey refuses
    assert "locked" in api.json()["detail"][0]
    client.post(f"/surveys/{survey.pk}/threshold/", {"anonymity_threshold": 3})
    with schema_context(alpha.schema_name):
        assert Survey.objects.get(pk=survey.pk).anonymity_threshold == 5


def test_threshold_can_change_on_a_draft_but_never_below_three(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(
            created_by=admin,
            kind="alignment",
            title="Draft",
            statements=services.statements_from(bank_keys=["lead_quality"]),
        )
        assert services.survey_update(survey=survey, changed_by=admin, anonymity_threshold=7)
        with pytest.raises(ValidationError, match="below 3"):
            services.survey_update(survey=survey, changed_by=admin, anonymity_threshold=2)
        # The database refuses it too.
        with pytest.raises(IntegrityError), transaction.atomic():
            Survey.objects.filter(pk=survey.pk).update(anonymity_threshold=2)
        assert Survey.objects.get(pk=survey.pk).anonymity_threshold == 7


def test_invitations_are_sent_once_with_working_personal_links(alpha):
    people(alpha, "marketing", 2)
    survey = alignment_survey(alpha, teams=("marketing",))
    with schema_context(alpha.schema_name):
        assert services.survey_invitations_send(survey_id=survey.pk) == 2
        assert services.survey_invitations_send(survey_id=survey.pk) == 0
    assert len(mail.outbox) == 2
    link = re.search(r"http://alpha\.localhost(/surveys/r/[^/\s]+/)", mail.outbox[0].body)
    assert link and "anonymous" in mail.outbox[0].body
    assert client_for(ALPHA_HOST).get(link.group(1)).status_code == 200


def test_reminders_go_to_non_respondents_once_per_reminder_day(alpha):
    quiet, busy = people(alpha, "sales", 2)
    survey = alignment_survey(alpha, teams=("sales",), statements=1)
    with schema_context(alpha.schema_name):
        services.survey_invitations_send(survey_id=survey.pk)
    answer_as(alpha, survey, busy, [4])
    mail.outbox.clear()
    opened = timezone.now()
    with schema_context(alpha.schema_name):
        Survey.objects.filter(pk=survey.pk).update(opened_at=opened)
        assert services.survey_reminders_send(now=opened + timedelta(days=2)) == 0
        assert services.survey_reminders_send(now=opened + timedelta(days=3, hours=1)) == 1
        assert services.survey_reminders_send(now=opened + timedelta(days=4)) == 0
        assert services.survey_reminders_send(now=opened + timedelta(days=5, hours=1)) == 1
        assert services.survey_reminders_send(now=opened + timedelta(days=9)) == 0
        assert Invitee.objects.get(survey=survey, user=quiet).reminders_sent == 2
    assert [m.to for m in mail.outbox] == [[quiet.email], [quiet.email]]
    assert all(m.subject.startswith("Reminder") for m in mail.outbox)


def test_opening_enqueues_the_invitations_after_commit(alpha, django_capture_on_commit_callbacks):
    people(alpha, "marketing", 1)
    with django_capture_on_commit_callbacks() as callbacks:
        alignment_survey(alpha, teams=("marketing",))
    assert len(callbacks) == 1


def _pulse_schedule(admin, recurrence, start, team, **extra):
    """A recurring one-statement pulse titled "Pulse" inviting `team`."""
    return services.survey_schedule_create(
        created_by=admin,
        recurrence=recurrence,
        first_run_at=start,
        kind="alignment",
        title="Pulse",
        statements=services.statements_from(bank_keys=["hand_off"]),
        invite_teams=[team],
        **extra,
    )


def test_quarterly_schedule_opens_a_wave_now_and_the_next_one_three_months_later(alpha):
    admin = admin_of(alpha)
    people(alpha, "marketing", 1)
    start = timezone.now() - timedelta(minutes=1)
    with schema_context(alpha.schema_name):
        schedule = _pulse_schedule(admin, "quarterly", start, "marketing")
        schedule.refresh_from_db()
        (wave,) = schedule.waves.all()
        assert wave.status == "open" and wave.invitees.count() == 1
        assert wave.anonymity_threshold == 5
        assert schedule.next_run_at.month == (start.month + 2) % 12 + 1
        assert services.survey_schedules_run()["opened"] == 0
        later = schedule.next_run_at + timedelta(days=15)
        summary = services.survey_schedules_run(now=later)
        assert summary == {"opened": 1, "closed": 1}  # the new wave, and the first one expired
        assert schedule.waves.count() == 2
        assert SurveySchedule.objects.get(pk=schedule.pk).next_run_at > later


def test_scheduled_survey_opens_when_due(alpha):
    admin = admin_of(alpha)
    opens = timezone.now() + timedelta(days=1)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(
            created_by=admin, kind="csat", title="Support CSAT", opens_at=opens
        )
        assert survey.status == "scheduled"
        services.survey_schedules_run(now=opens + timedelta(minutes=1))
        assert Survey.objects.get(pk=survey.pk).status == "open"


def test_customer_list_upload_creates_personal_links_linked_to_leads(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(created_by=admin, kind="nps", title="NPS")
    client = client_for(ALPHA_HOST, admin)
    client.post(
        f"/surveys/{survey.pk}/customers/",
        {"customers": "email,lead_id\nAnn@Customer.test,L-1\nbo@customer.test\n"},
    )
    with schema_context(alpha.schema_name):
        rows = sorted(Invitee.objects.filter(survey=survey).values_list("email", "lead_id"))
        assert rows == [("ann@customer.test", "L-1"), ("bo@customer.test", "")]
        with pytest.raises(ValidationError, match="row 1"):
            services.survey_customers_add(
                survey=survey, added_by=admin, customers=[{"email": "nope"}]
            )


def test_only_admins_create_and_open_surveys(alpha, bob_client):
    response = bob_client.post(
        "/api/v1/surveys/create/",
        {"kind": "nps", "title": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert bob_client.get("/surveys/new/").status_code == 403


def test_admin_creates_and_opens_a_survey_from_the_page(alpha, alice_client):
    people(alpha, "marketing", 1)
    response = alice_client.post(
        "/surveys/new/",
        {
            "kind": "alignment",
            "title": "Spring pulse",
            "bank_statements": ["lead_quality", "hand_off"],
            "custom_statements": "We celebrate wins together",
            "invite_teams": ["marketing"],
            "anonymity_threshold": 5,
            "reminder_days": "3,5",
            "start": "now",
            "wave_days": 14,
        },
    )
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        survey = Survey.objects.get(title="Spring pulse")
        assert survey.status == "open"
        assert [s.topic for s in survey.statements.all()] == ["Lead quality", "Hand-off", "Custom"]
        assert survey.reminder_days == [3, 5]


def test_survey_form_errors_are_shown_by_their_field_and_named_by_it(alpha, alice_client):
    # Every field that can refuse its value shows the error next to itself, and the field
    # names the error and its help text (aria-describedby ids that exist, aria-invalid).
    response = alice_client.post(
        "/surveys/new/",
        {"kind": "alignment", "title": "Pulse", "start": "now", "wave_days": 0,
         "reminder_days": "soon", "anonymity_threshold": 5},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("wave_days", "reminder_days"):
        assert f'id="id_{field}_error"' in html
    assert 'aria-describedby="id_reminder_days_helptext id_reminder_days_error"' in html
    assert 'id="id_reminder_days_helptext"' in html
    assert html.count('aria-invalid="true"') == 2


def test_monthly_waves_are_named_by_month_and_each_opens_with_invitations(alpha):
    admin = admin_of(alpha)
    people(alpha, "sales", 2)
    start = timezone.now().replace(year=2031, month=1, day=15) - timedelta(minutes=1)
    with schema_context(alpha.schema_name):
        schedule = _pulse_schedule(admin, "monthly", start, "sales", wave_days=10)
        services.survey_schedules_run(now=start + timedelta(minutes=2))
        services.survey_schedules_run(now=start + timedelta(days=32))
        waves = list(schedule.waves.order_by("pk").values_list("title", "status"))
        assert waves == [("Pulse · 2031-01", "closed"), ("Pulse · 2031-02", "open")]
        assert Invitee.objects.filter(survey__schedule=schedule).count() == 4


def test_a_customer_added_later_is_reminded_from_their_own_invitation_day(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(created_by=admin, kind="nps", title="NPS")
        survey = services.survey_open(survey=survey, opened_by=admin)
        # Opened at noon, so the hours added below never cross midnight whenever the test runs
        # (reminders count days from midnight of the day an invitation went out).
        opened = datetime.combine(services.today(), time(12), tzinfo=UTC)
        Survey.objects.filter(pk=survey.pk).update(opened_at=opened)
        services.survey_customers_add(
            survey=survey, added_by=admin, customers=[{"email": "early@customer.test"}]
        )
        services.survey_invitations_send(survey_id=survey.pk)
        # Ten days on, a second list arrives: its invitation goes out that day.
        late_day = opened.date() + timedelta(days=10)
        services.survey_customers_add(
            survey=survey, added_by=admin, customers=[{"email": "late@customer.test"}]
        )
        Invitee.objects.filter(email="late@customer.test").update(invitation_sent_on=late_day)
        mail.outbox.clear()
        assert services.survey_reminders_send(now=opened + timedelta(days=10, hours=1)) == 1
        assert [m.to for m in mail.outbox] == [["early@customer.test"]]
        assert services.survey_reminders_send(now=opened + timedelta(days=12, hours=1)) == 0
        assert services.survey_reminders_send(now=opened + timedelta(days=13, hours=1)) == 1
        assert mail.outbox[-1].to == ["late@customer.test"]
        # No site URL was given: the link falls back to the workspace's primary host.
        assert "http://alpha.localhost/surveys/r/" in mail.outbox[-1].body


def test_admin_uploads_a_customer_csv_file_on_the_survey_page(alpha):
    admin = admin_of(alpha)
    with schema_context(alpha.schema_name):
        survey = services.survey_create(created_by=admin, kind="nps", title="NPS")
    client = client_for(ALPHA_HOST, admin)
    page = client.get(f"/surveys/{survey.pk}/")
    assert b'enctype="multipart/form-data"' in page.content and b'type="file"' in page.content
    upload = SimpleUploadedFile(
        "customers.csv", "\ufeffemail;lead_id\nann@customer.test;L-1\nbo@customer.test;\n".encode()
    )
    response = client.post(f"/surveys/{survey.pk}/customers/", {"file": upload}, follow=True)
    assert b"2 customers added." in response.content
    empty = client.post(f"/surveys/{survey.pk}/customers/", {"customers": ""}, follow=True)
    assert b"No customers found" in empty.content
    with schema_context(alpha.schema_name):
        rows = sorted(Invitee.objects.filter(survey=survey).values_list("email", "lead_id"))
        assert rows == [("ann@customer.test", "L-1"), ("bo@customer.test", "")]
