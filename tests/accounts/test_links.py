"""Links in emails come from the workspace's primary domain and the configured scheme/port.

Reset and invitation emails carried whatever port and letter case the request had (a Host
header an attacker chooses, e.g. to harvest reset tokens through a look-alike host).
"""

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from smarketing.accounts.links import workspace_base_url, workspace_url
from tests.conftest import ALPHA_HOST, client_for

ODD_HOST = "ALPHA.LocalHost:9999"


def _links() -> list[str]:
    return re.findall(r"https?://\S+", mail.outbox[-1].body)


def test_password_reset_link_ignores_the_requests_host(alpha, alice, settings):
    settings.WORKSPACE_URL_SCHEME, settings.WORKSPACE_URL_PORT = "https", "8443"
    response = client_for(ODD_HOST).post("/password-reset/", {"email": "alice@alpha.test"})
    assert response.status_code == 302
    [link] = _links()
    assert link.startswith("https://alpha.localhost:8443/password-reset/"), link


def test_invitation_link_ignores_the_requests_host(
    alpha, alice, settings, django_capture_on_commit_callbacks
):
    settings.WORKSPACE_URL_SCHEME, settings.WORKSPACE_URL_PORT = "https", ""
    admin = client_for(ALPHA_HOST, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/api/v1/invitations/",
            {"email": "dana@alpha.test", "role": "member", "team": "sales"},
            content_type="application/json",
            HTTP_HOST=ODD_HOST,
        )
    assert response.status_code == 201
    [link] = _links()
    assert link.startswith("https://alpha.localhost/invitations/"), link


def test_the_primary_domain_is_the_one_linked_and_works_without_a_request(alpha, settings):
    settings.WORKSPACE_URL_SCHEME, settings.WORKSPACE_URL_PORT = "http", "80"
    alpha.domains.create(domain="Alpha-Second.localhost", is_primary=False)
    with schema_context(alpha.schema_name):
        assert workspace_base_url() == "http://alpha.localhost"
        assert workspace_url("/surveys/r/t/") == "http://alpha.localhost/surveys/r/t/"
    assert workspace_base_url("ws_alpha") == "http://alpha.localhost"
    with pytest.raises(LookupError):
        workspace_base_url("ws_nowhere")


def test_survey_emails_and_reminders_ignore_a_host_stored_from_a_request(alpha, alice, settings):
    """Surveys stored the creating request's host for later reminders (port and case too)."""
    from surveys.services import authoring, sending

    settings.WORKSPACE_URL_SCHEME, settings.WORKSPACE_URL_PORT = "https", ""
    with schema_context(alpha.schema_name):
        survey = authoring.survey_create(
            created_by=alice, kind="nps", title="Q3 NPS", site_url="http://ALPHA.LocalHost:9999"
        )
        invitee = sending.invitee_build(survey=survey, email="customer@client.test")
        assert sending.survey_link(survey, invitee).startswith("https://alpha.localhost/surveys/")
