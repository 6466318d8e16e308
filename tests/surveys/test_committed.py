"""Against committed data: 20 concurrent submissions of one link, and a real Celery worker.

The worker process and the request threads must see the rows, so they are written (and
deleted afterwards) through a connection of their own, in autocommit, not the test's
rolled-back transaction.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.accounts.models import User
from surveys import services, tokens
from surveys.models import Invitee, Response, Survey
from surveys.tasks import survey_invitations_send_task, survey_reminders_send_task
from surveys.views import form_started_token
from tests.conftest import ALPHA_HOST

pytestmark = [pytest.mark.worker, pytest.mark.django_db]


def committed(work):
    """Run `work()` in alpha on a separate database connection (a thread) and commit it."""
    result: dict = {}

    def run():
        try:
            with schema_context("ws_alpha"):
                result["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def committed_survey(celery_worker_process, alpha):
    """An open alignment survey in alpha, committed, inviting two fresh sales people."""
    run = uuid.uuid4().hex[:8]

    def create():
        def person(email, role, team):
            return User.objects.create_user(username=email, email=email, role=role, team=team)

        admin = person(f"admin-{run}@alpha.test", "admin", "leadership")
        members = [person(f"s{n}-{run}@alpha.test", "member", "sales") for n in range(2)]
        survey = services.survey_create(
            created_by=admin,
            kind="alignment",
            title=f"Committed {run}",
            statements=services.statements_from(bank_keys=["lead_quality"]),
            invite_user_ids=[m.pk for m in members],
            site_url="http://alpha.localhost",
        )
        # Autocommit: opening sends the invitation task to the worker right away.
        return admin, services.survey_open(survey=survey, opened_by=admin), members

    admin, survey, members = committed(create)
    yield alpha, survey, members

    def delete():
        Survey.objects.filter(pk=survey.pk).delete()
        User.objects.filter(pk__in=[admin.pk, *(m.pk for m in members)]).delete()

    committed(delete)


def _wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_invitations_and_reminders_are_sent_once_by_a_real_worker(committed_survey):
    alpha, survey, _members = committed_survey

    def unsent():
        return Invitee.objects.filter(survey=survey, invitation_sent_on=None).count()

    # The worker sends the invitations that opening the survey enqueued...
    _wait_for(lambda: committed(unsent) == 0)
    with schema_context(alpha.schema_name):
        # ... and a second run finds nothing left to send.
        assert survey_invitations_send_task.delay(survey.pk).get(timeout=60) == 0
    opened = timezone.now() - timedelta(days=3, hours=1)

    def opened_three_days_ago():
        # Reminders count from the later of the opening and the invitation's day.
        Survey.objects.filter(pk=survey.pk).update(opened_at=opened)
        Invitee.objects.filter(survey=survey).update(invitation_sent_on=opened.date())

    committed(opened_three_days_ago)
    with schema_context(alpha.schema_name):
        assert survey_reminders_send_task.delay().get(timeout=60) == 2
        assert survey_reminders_send_task.delay().get(timeout=60) == 0
    sent = committed(
        lambda: sorted(
            Invitee.objects.filter(survey=survey).values_list("reminders_sent", flat=True)
        )
    )
    assert sent == [1, 1]


def test_one_personal_link_posted_20_times_concurrently_stores_one_answer(committed_survey):
    _alpha, survey, members = committed_survey

    def link():
        invitee = Invitee.objects.get(survey=survey, user=members[0])
        token = tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
        return f"/surveys/r/{token}/", survey.statements.get().pk

    path, statement_id = committed(link)
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def submit(n: int) -> None:
        try:
            client = Client(HTTP_HOST=ALPHA_HOST)
            form = {"started": form_started_token(time.time() - 30), f"s{statement_id}": 4}
            barrier.wait()
            codes.append(client.post(path, form, REMOTE_ADDR=f"10.0.0.{n}").status_code)
        finally:
            connections.close_all()  # each thread had its own database connection

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] + [410] * 19
    # A later, sequential second use is refused too.
    later = Client(HTTP_HOST=ALPHA_HOST).post(
        path, {"started": form_started_token(time.time() - 30), f"s{statement_id}": 1}
    )
    assert later.status_code == 410
    assert committed(lambda: Response.objects.filter(survey=survey).count()) == 1
