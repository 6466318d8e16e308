"""Tenant-isolation and access audit of every route of a workspace's host.

Every URL pattern of `smarketing.urls_tenants` (pages, the workspace admin, /api/v1/) must be
listed here exactly once: in COVERED (a concrete path built from real objects of workspace
alpha), in PUBLIC_BY_DESIGN (pages that answer without an account, with what they may show) or
in SKIPPED (with the reason). A new route in none of them fails
`test_every_route_of_a_workspace_host_is_audited`, so whoever adds it decides how it is
protected, and the audit then runs on it:

- the owner (alice, alpha's admin) reaches each covered path: it names a real object;
- anonymous on alpha's host is sent to sign in or refused (401/403); public pages show nothing
  of alpha beyond what their link is for;
- charlie (beta's admin) asking beta's host for alpha's ids finds nothing (404/403/redirect),
  and no response of beta's host carries a marker of alpha's data;
- charlie's session cookie on alpha's host is no session: he is treated as anonymous;
- bob (alpha's viewer) is refused every write, and nothing changes in either schema or on disk;
  he is refused the admins-only routes' reads too, and never sees invitations or customers;
- no response is a server error.

One test per check walks every route (data is created once per test, not once per route), and
each failure message names the route and the request.
"""

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tenants.utils import schema_context
from psycopg import sql

from smarketing.accounts import services as account_services
from smarketing.accounts.models import User
from smarketing.configuration import services as configuration_services
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.funnel import reason_services
from smarketing.funnel import services as funnel_services
from smarketing.funnel.models import ColumnMapping, ImportJob, Reason
from smarketing.kpis import services as kpi_services
from smarketing.kpis.models import KpiSnapshot
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.slas import services as sla_services
from smarketing.slas.glossary import STANDARD_DEFINITIONS
from smarketing.slas.models import DefinitionVersion, Notification, Sla
from surveys import services as survey_services
from surveys import tokens as survey_tokens
from surveys.models import Invitee, Survey
from surveys.question_bank import QUESTION_BANK
from tests.conftest import ALPHA_HOST, BETA_HOST, PASSWORD, client_for, make_user
from tests.kpis.conftest import lead as insert_lead

URLCONF = "smarketing.urls_tenants"

# Strings that exist only in alpha's data. None may ever appear in a response of beta's host,
# nor in a response to someone who is not signed in to alpha (except a public page's own data).
MARKER_MEMBER = "marker-member@alpha.test"
MARKER_INVITEE = "pending-invitee@alpha.test"
MARKER_FILE = "alpha-confidential-leads.csv"
MARKER_LEAD = "ALPHA-LEAD-7731"
MARKER_REJECTED = "ALPHA-REJECTED-5521"
MARKER_SOURCE = "alpha_secret_channel"
MARKER_SURVEY = "Alpha confidential pulse"
MARKER_NPS = "Alpha confidential NPS"
MARKER_DRAFT = "Alpha confidential draft"
MARKER_CUSTOMER = "customer-zeta@alpha-client.test"
MARKER_SLA = "Alpha confidential SLA"
MARKER_MQL = "ALPHA-MQL-8842"
MARKER_DEFINITION = "Alpha confidential definition of an MQL"
MARKER_REASON = "Alpha confidential loss reason"
MARKER_REJECTION = "Alpha confidential rejection value"
ALPHA_MARKERS = (
    "alice@alpha.test",
    "bob@alpha.test",
    MARKER_MEMBER,
    MARKER_INVITEE,
    MARKER_FILE,
    MARKER_LEAD,
    MARKER_REJECTED,
    MARKER_SOURCE,
    MARKER_SURVEY,
    MARKER_NPS,
    MARKER_DRAFT,
    MARKER_CUSTOMER,
    MARKER_SLA,
    MARKER_MQL,
    MARKER_DEFINITION,
    MARKER_REASON,
    MARKER_REJECTION,
)

IMPORT_CSV = (
    "lead_id,created_at,source\n"
    f"{MARKER_LEAD},2025-01-15,{MARKER_SOURCE}\n"
    f"{MARKER_REJECTED},not-a-date,{MARKER_SOURCE}\n"
)
SERVER_ERROR = 500
NEW_PASSWORD = {
    "password1": "sneaky-new-pass-123",
    "password2": "sneaky-new-pass-123",
    "usable_password": "true",
}
EVERY_WRITE_EMPTY: dict[str, dict[str, Any]] = {m: {} for m in ("post", "put", "patch", "delete")}
SNEAKY_SLA = {
    "name": "Sneaky SLA",
    "kpi": "mqls",
    "source": "",
    "comparator": ">=",
    "target": "5",
    "period": "month",
    "team": "marketing",
}
SNEAKY_REASON = {"kind": "loss", "name": "Sneaky reason"}


def upload(
    name: str = "sneaky.csv", content: bytes = b"lead_id,created_at,source\nX1,2025-01-01,web\n"
):
    """A fresh upload per request (a file object is consumed by the request that sends it)."""
    return lambda: SimpleUploadedFile(name, content, content_type="text/csv")


@dataclass(frozen=True)
class Route:
    """How the audit requests one route.

    `path` and `owner_sees` are formatted with the ids of `World`. `writes` maps each write
    method the route accepts to the body an admin would send (values may be upload factories);
    class-based views' methods are checked against it, so a new method needs a body here.
    """

    path: str
    owner_status: int = 200
    owner_sees: tuple[str, ...] = ()
    writes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The path names alpha's objects (ids, tokens): on beta's host it must find nothing.
    alpha_ids: bool = False
    # Public pages: alpha's data the page exists to show to whoever holds the link.
    may_show: tuple[str, ...] = ()

    @property
    def is_admin_site(self) -> bool:
        return self.path.startswith("/admin/")

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


# Every route that needs a signed-in member of the workspace, with a concrete alpha path.
COVERED: dict[str, Route] = {
    # --- dashboard, members ---------------------------------------------------------------
    "": Route("/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "members/": Route("/members/", owner_sees=(MARKER_MEMBER, MARKER_INVITEE)),
    "members/invite/": Route(
        "/members/invite/",
        owner_status=405,
        writes={"post": {"email": "sneaky@alpha.test", "role": "admin", "team": "sales"}},
    ),
    "members/<int:pk>/": Route(
        "/members/{member_id}/",
        owner_status=405,
        writes={"post": {"role": "admin", "team": "sales"}},
        alpha_ids=True,
    ),
    # --- data (imports, exports, column mappings) -----------------------------------------
    "data/": Route(
        "/data/",
        owner_sees=(MARKER_FILE,),
        writes={"post": {"file": upload(), "kind": "leads", "format": "canonical"}},
    ),
    "data/imports/<int:pk>/": Route(
        "/data/imports/{import_id}/", owner_sees=(MARKER_FILE,), alpha_ids=True
    ),
    "data/imports/<int:pk>/rejected-rows.csv": Route(
        "/data/imports/{import_id}/rejected-rows.csv", owner_sees=(MARKER_REJECTED,), alpha_ids=True
    ),
    "data/export/<str:kind>.csv": Route("/data/export/leads.csv", owner_sees=(MARKER_LEAD,)),
    "data/mappings/<str:kind>/<str:file_format>/": Route(
        "/data/mappings/leads/hubspot/", writes={"post": {"lead_id": "Sneaky Id"}}
    ),
    # --- analytics pages, chart CSVs, the quarterly report ------------------------------
    "funnel/": Route("/funnel/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "sources/": Route("/sources/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "marketing/": Route("/marketing/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "sales/": Route("/sales/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "charts/<str:page>/<str:chart>.csv": Route(
        "/charts/sources/revenue.csv?period=2025-01", owner_sees=(MARKER_SOURCE,)
    ),
    "report/": Route("/report/?quarter=2025-Q1", owner_sees=("2025-Q1",)),
    "report/download.<str:file_format>": Route("/report/download.csv?quarter=2025-Q1"),
    # --- KPI pages, settings --------------------------------------------------------------
    "kpis/": Route("/kpis/?period=2025-01", owner_sees=(MARKER_SOURCE,)),
    "kpis/planner/": Route("/kpis/planner/?revenue=100000&period=2025-Q1"),
    "settings/": Route(
        "/settings/",
        owner_sees=(MARKER_SOURCE,),
        writes={
            "post": {"time_zone": "Europe/Paris", "currency": "EUR", "response_sla_hours": "12"}
        },
    ),
    "settings/channels/": Route(
        "/settings/channels/",
        owner_status=405,
        writes={"post": {f"owner:{MARKER_SOURCE}": "marketing", "new_source": "sneaky"}},
    ),
    "settings/alignment/": Route(
        "/settings/alignment/",
        owner_status=405,
        writes={
            "post": {
                "sla_compliance": "0",
                "handoff_acceptance": "100",
                "survey_score": "0",
                "perception_agreement": "0",
                "nps": "0",
            }
        },
    ),
    "settings/exchange-rates/": Route(
        "/settings/exchange-rates/",
        writes={"post": {"currency": "EUR", "month": "2025-01", "rate": "1.08"}},
    ),
    "settings/targets/": Route(
        "/settings/targets/",
        owner_status=405,
        writes={"post": {"new_kpi": "win_rate", "new_comparator": "gte", "new_target": "30%"}},
    ),
    # --- SLAs, breaches, notifications -----------------------------------------------------
    "slas/": Route("/slas/", owner_sees=(MARKER_SLA,)),
    "slas/new/": Route("/slas/new/", writes={"post": SNEAKY_SLA}),
    "slas/accept/": Route(
        "/slas/accept/",
        owner_status=405,
        writes={
            "post": {
                "total": "1",
                **{f"{name}_0": value for name, value in SNEAKY_SLA.items()},
                "accept_0": "on",
            }
        },
    ),
    "slas/from-goal/": Route("/slas/from-goal/?revenue=100000&period=2025-Q1"),
    # --- rejection and loss reasons -------------------------------------------------------
    "reasons/": Route("/reasons/?period=2025-01", owner_sees=(MARKER_REJECTION, MARKER_SOURCE)),
    "reasons/lists/": Route(
        "/reasons/lists/",
        owner_sees=(MARKER_REASON, MARKER_REJECTION),
        writes={"post": {"action": "add", **SNEAKY_REASON}},
    ),
    "slas/breaches/": Route(
        "/slas/breaches/?kind=response&period=2025-01", owner_sees=(MARKER_MQL, MARKER_SOURCE)
    ),
    "slas/breaches.csv": Route(
        "/slas/breaches.csv?kind=disposition&period=2025-01", owner_sees=(MARKER_MQL,)
    ),
    "slas/<int:pk>/": Route("/slas/{sla_id}/", owner_sees=(MARKER_SLA,), alpha_ids=True),
    "slas/<int:pk>/edit/": Route(
        "/slas/{sla_id}/edit/",
        owner_sees=(MARKER_SLA,),
        writes={"post": SNEAKY_SLA},
        alpha_ids=True,
    ),
    "slas/<int:pk>/retire/": Route(
        "/slas/{sla_id}/retire/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "notifications/": Route(
        "/notifications/", owner_sees=(MARKER_SLA,), writes={"post": {"action": "emails_off"}}
    ),
    # --- shared definitions ---------------------------------------------------------------
    "glossary/": Route("/glossary/", owner_sees=(MARKER_DEFINITION,)),
    "glossary/new/": Route(
        "/glossary/new/",
        writes={"post": {f"text_{stage}": "Sneaky definition" for stage in STANDARD_DEFINITIONS}},
    ),
    "glossary/leads/": Route("/glossary/leads/", owner_status=405, writes={"post": {}}),
    "glossary/<int:number>/": Route(
        "/glossary/{definition_number}/", owner_sees=(MARKER_DEFINITION,), alpha_ids=True
    ),
    # Signers are the marketing and sales admins and named leads (alice leads no such team).
    "glossary/<int:number>/sign/": Route(
        "/glossary/{definition_number}/sign/",
        owner_status=405,
        writes={"post": {}},
        alpha_ids=True,
    ),
    # --- surveys --------------------------------------------------------------------------
    "surveys/": Route("/surveys/", owner_sees=(MARKER_SURVEY, MARKER_NPS, MARKER_DRAFT)),
    "surveys/new/": Route(
        "/surveys/new/",
        writes={
            "post": {
                "kind": "nps",
                "title": "Sneaky survey",
                "anonymity_threshold": "5",
                "reminder_days": "3",
                "start": "now",
                "wave_days": "14",
            }
        },
    ),
    "surveys/<int:pk>/": Route(
        "/surveys/{survey_id}/", owner_sees=(MARKER_SURVEY,), alpha_ids=True
    ),
    "surveys/<int:pk>/open/": Route(
        "/surveys/{draft_id}/open/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "surveys/<int:pk>/close/": Route(
        "/surveys/{survey_id}/close/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "surveys/<int:pk>/threshold/": Route(
        "/surveys/{survey_id}/threshold/",
        owner_status=405,
        writes={"post": {"anonymity_threshold": "9"}},
        alpha_ids=True,
    ),
    "surveys/<int:pk>/customers/": Route(
        "/surveys/{nps_id}/customers/",
        owner_status=405,
        writes={"post": {"customers": "sneaky@customer.test"}},
        alpha_ids=True,
    ),
    "surveys/<int:pk>/invitees/": Route(
        "/surveys/{survey_id}/invitees/",
        owner_status=405,
        writes={"post": {"user_ids": "1"}},
        alpha_ids=True,
    ),
    "surveys/<int:pk>/results.csv": Route("/surveys/{survey_id}/results.csv", alpha_ids=True),
    # --- the workspace admin (function views: their write methods are listed by hand) ----
    "admin/": Route("/admin/", owner_sees=("Invitations",)),
    "admin/password_change/": Route(
        "/admin/password_change/",
        writes={
            "post": {
                "old_password": PASSWORD,
                "new_password1": "sneaky-new-pass-123",
                "new_password2": "sneaky-new-pass-123",
            }
        },
    ),
    "admin/password_change/done/": Route("/admin/password_change/done/"),
    "admin/autocomplete/": Route(
        "/admin/autocomplete/?app_label=accounts&model_name=invitation&field_name=invited_by"
        "&term=marker",
        owner_sees=(MARKER_MEMBER,),
    ),
    "admin/jsi18n/": Route("/admin/jsi18n/"),
    # Users have no public page ("view on site"): 404 for the owner too, the route still runs.
    "admin/r/<path:content_type_id>/<path:object_id>/": Route(
        "/admin/r/{user_content_type_id}/{member_id}/", owner_status=404, alpha_ids=True
    ),
    "admin/accounts/invitation/": Route(
        "/admin/accounts/invitation/", owner_sees=(MARKER_INVITEE,)
    ),
    # Invitations are sent from the Members page (a token and its email): not added here.
    "admin/accounts/invitation/add/": Route(
        "/admin/accounts/invitation/add/",
        owner_status=403,
        writes={
            "post": {
                "email": "sneaky@alpha.test",
                "role": "admin",
                "team": "sales",
                "token_hash": "0" * 64,
                "expires_at_0": "2099-01-01",
                "expires_at_1": "00:00:00",
            }
        },
    ),
    "admin/accounts/invitation/<path:object_id>/history/": Route(
        "/admin/accounts/invitation/{invitation_id}/history/",
        owner_sees=(MARKER_INVITEE,),
        alpha_ids=True,
    ),
    "admin/accounts/invitation/<path:object_id>/delete/": Route(
        "/admin/accounts/invitation/{invitation_id}/delete/",
        owner_sees=(MARKER_INVITEE,),
        writes={"post": {"post": "yes"}},
        alpha_ids=True,
    ),
    "admin/accounts/invitation/<path:object_id>/change/": Route(
        "/admin/accounts/invitation/{invitation_id}/change/",
        owner_sees=(MARKER_INVITEE,),
        writes={
            "post": {
                "email": "sneaky@alpha.test",
                "role": "admin",
                "team": "sales",
                "expires_at_0": "2099-01-01",
                "expires_at_1": "00:00:00",
            }
        },
        alpha_ids=True,
    ),
    # The admin's old-style object URL redirects to the change page, whatever the method.
    "admin/accounts/invitation/<path:object_id>/": Route(
        "/admin/accounts/invitation/{invitation_id}/",
        owner_status=302,
        writes=EVERY_WRITE_EMPTY,
        alpha_ids=True,
    ),
    "admin/accounts/user/<id>/password/": Route(
        "/admin/accounts/user/{member_id}/password/",
        owner_sees=(MARKER_MEMBER,),
        writes={"post": NEW_PASSWORD},
        alpha_ids=True,
    ),
    "admin/accounts/user/": Route("/admin/accounts/user/", owner_sees=(MARKER_MEMBER,)),
    "admin/accounts/user/add/": Route(
        "/admin/accounts/user/add/",
        writes={"post": {"username": "sneaky@alpha.test", **NEW_PASSWORD}},
    ),
    "admin/accounts/user/<path:object_id>/history/": Route(
        "/admin/accounts/user/{member_id}/history/", owner_sees=(MARKER_MEMBER,), alpha_ids=True
    ),
    "admin/accounts/user/<path:object_id>/delete/": Route(
        "/admin/accounts/user/{member_id}/delete/",
        owner_sees=(MARKER_MEMBER,),
        writes={"post": {"post": "yes"}},
        alpha_ids=True,
    ),
    "admin/accounts/user/<path:object_id>/change/": Route(
        "/admin/accounts/user/{member_id}/change/",
        owner_sees=(MARKER_MEMBER,),
        writes={
            "post": {
                "username": MARKER_MEMBER,
                "email": MARKER_MEMBER,
                "role": "admin",
                "team": "sales",
                "is_active": "on",
            }
        },
        alpha_ids=True,
    ),
    "admin/accounts/user/<path:object_id>/": Route(
        "/admin/accounts/user/{member_id}/",
        owner_status=302,
        writes=EVERY_WRITE_EMPTY,
        alpha_ids=True,
    ),
    "admin/slas/sla/": Route("/admin/slas/sla/", owner_sees=(MARKER_SLA,)),
    "admin/slas/sla/add/": Route("/admin/slas/sla/add/", writes={"post": SNEAKY_SLA}),
    "admin/slas/sla/<path:object_id>/history/": Route(
        "/admin/slas/sla/{sla_id}/history/", owner_sees=(MARKER_SLA,), alpha_ids=True
    ),
    # SLAs are retired, never deleted (their history stays): refused to the owner too.
    "admin/slas/sla/<path:object_id>/delete/": Route(
        "/admin/slas/sla/{sla_id}/delete/",
        owner_status=403,
        writes={"post": {"post": "yes"}},
        alpha_ids=True,
    ),
    "admin/slas/sla/<path:object_id>/change/": Route(
        "/admin/slas/sla/{sla_id}/change/",
        owner_sees=(MARKER_SLA,),
        writes={"post": SNEAKY_SLA},
        alpha_ids=True,
    ),
    "admin/slas/sla/<path:object_id>/": Route(
        "/admin/slas/sla/{sla_id}/", owner_status=302, writes=EVERY_WRITE_EMPTY, alpha_ids=True
    ),
    # Registering a model of another app adds it to this pattern: audit its admin pages too.
    "admin/funnel/reason/": Route("/admin/funnel/reason/", owner_sees=(MARKER_REASON,)),
    "admin/funnel/reason/add/": Route(
        "/admin/funnel/reason/add/", writes={"post": {**SNEAKY_REASON, "position": 0}}
    ),
    "admin/funnel/reason/<path:object_id>/history/": Route(
        "/admin/funnel/reason/{reason_id}/history/", owner_sees=(MARKER_REASON,), alpha_ids=True
    ),
    "admin/funnel/reason/<path:object_id>/delete/": Route(
        "/admin/funnel/reason/{reason_id}/delete/",
        owner_sees=(MARKER_REASON,),
        writes={"post": {"post": "yes"}},
        alpha_ids=True,
    ),
    "admin/funnel/reason/<path:object_id>/change/": Route(
        "/admin/funnel/reason/{reason_id}/change/",
        owner_sees=(MARKER_REASON,),
        writes={"post": {"name": "Sneaky rename", "position": 0}},
        alpha_ids=True,
    ),
    "admin/funnel/reason/<path:object_id>/": Route(
        "/admin/funnel/reason/{reason_id}/",
        owner_status=302,
        writes=EVERY_WRITE_EMPTY,
        alpha_ids=True,
    ),
    "admin/^(?P<app_label>accounts|funnel|slas)/$": Route("/admin/slas/", owner_sees=("SLAs",)),
    "admin/(?P<url>.*)$": Route("/admin/no-such-page/", owner_status=404),
    # --- /api/v1/ -------------------------------------------------------------------------
    "api/v1/me/": Route("/api/v1/me/", owner_sees=("alice@alpha.test",)),
    "api/v1/members/": Route("/api/v1/members/", owner_sees=(MARKER_MEMBER,)),
    "api/v1/members/<int:pk>/": Route(
        "/api/v1/members/{member_id}/",
        owner_status=405,
        writes={"patch": {"role": "admin"}},
        alpha_ids=True,
    ),
    "api/v1/invitations/": Route(
        "/api/v1/invitations/",
        owner_sees=(MARKER_INVITEE,),
        writes={"post": {"email": "sneaky@alpha.test", "role": "admin", "team": "sales"}},
    ),
    "api/v1/imports/": Route(
        "/api/v1/imports/",
        owner_sees=(MARKER_FILE,),
        writes={"post": {"file": upload(), "kind": "leads", "format": "canonical"}},
    ),
    "api/v1/imports/<int:pk>/": Route(
        "/api/v1/imports/{import_id}/", owner_sees=(MARKER_FILE,), alpha_ids=True
    ),
    "api/v1/imports/<int:pk>/rejected-rows/": Route(
        "/api/v1/imports/{import_id}/rejected-rows/", owner_sees=(MARKER_REJECTED,), alpha_ids=True
    ),
    "api/v1/imports/<int:pk>/preview/": Route(
        "/api/v1/imports/{import_id}/preview/",
        owner_status=405,
        writes={"post": {"kind": "leads", "mapping": {"kind": "leads"}}},
        alpha_ids=True,
    ),
    "api/v1/imports/<int:pk>/map/": Route(
        "/api/v1/imports/{import_id}/map/",
        owner_status=405,
        writes={"post": {"kind": "leads", "mapping": {"kind": "leads"}}},
        alpha_ids=True,
    ),
    "api/v1/import-mappings/": Route(
        "/api/v1/import-mappings/",
        owner_sees=(MARKER_SOURCE,),
        writes={
            "post": {
                "format": "canonical",
                "header": ["lead_id", "created_at", "source"],
                "mapping": {"kind": "leads"},
            }
        },
    ),
    "api/v1/import-mappings/<int:pk>/": Route(
        "/api/v1/import-mappings/{mapping_id}/",
        owner_status=405,
        writes={"delete": {}},
        alpha_ids=True,
    ),
    "api/v1/import-mappings/<str:kind>/<str:file_format>/": Route(
        "/api/v1/import-mappings/leads/hubspot/",
        writes={"put": {"columns": {"lead_id": "Sneaky Id"}}},
    ),
    "api/v1/exports/<str:kind>/": Route("/api/v1/exports/leads/", owner_sees=(MARKER_LEAD,)),
    "api/v1/kpis/": Route("/api/v1/kpis/?period=2025-01&by=source", owner_sees=(MARKER_SOURCE,)),
    "api/v1/kpis/series/": Route(
        "/api/v1/kpis/series/?kpi=leads&grain=month&from=2025-01&to=2025-01&by=source",
        owner_sees=(MARKER_SOURCE,),
    ),
    "api/v1/kpis/anomalies/": Route("/api/v1/kpis/anomalies/?grain=month&from=2024-06&to=2025-01"),
    "api/v1/kpis/stability/": Route("/api/v1/kpis/stability/?month=2025-01"),
    "api/v1/kpis/jobs/": Route("/api/v1/kpis/jobs/", owner_sees=('"import_ids":[{import_id}]',)),
    "api/v1/kpis/jobs/refresh/": Route(
        "/api/v1/kpis/jobs/refresh/", owner_status=405, writes={"post": {}}
    ),
    "api/v1/planner/": Route("/api/v1/planner/?revenue=100000&period=2025-Q1"),
    "api/v1/exchange-rates/": Route(
        "/api/v1/exchange-rates/",
        writes={"post": {"rates": {"EUR": "1.08"}, "month": "2025-01"}},
    ),
    "api/v1/settings/": Route(
        "/api/v1/settings/",
        owner_sees=(MARKER_SOURCE,),
        writes={"patch": {"currency": "EUR", "channel_ownership": {"sneaky": "sales"}}},
    ),
    "api/v1/reasons/": Route("/api/v1/reasons/?kind=loss", owner_sees=(MARKER_REASON,)),
    "api/v1/reasons/unknown/": Route(
        "/api/v1/reasons/unknown/?kind=rejection", owner_sees=(MARKER_REJECTION,)
    ),
    "api/v1/reasons/create/": Route(
        "/api/v1/reasons/create/", owner_status=405, writes={"post": SNEAKY_REASON}
    ),
    "api/v1/reasons/map/": Route(
        "/api/v1/reasons/map/",
        owner_status=405,
        writes={"put": {"kind": "rejection", "value": "Sneaky", "reason": 1}},
    ),
    "api/v1/reasons/<int:pk>/": Route(
        "/api/v1/reasons/{reason_id}/", owner_sees=(MARKER_REASON,), alpha_ids=True
    ),
    "api/v1/reasons/<int:pk>/update/": Route(
        "/api/v1/reasons/{reason_id}/update/",
        owner_status=405,
        writes={"patch": {"name": "Sneaky rename"}},
        alpha_ids=True,
    ),
    "api/v1/reasons/<int:pk>/delete/": Route(
        "/api/v1/reasons/{reason_id}/delete/",
        owner_status=405,
        writes={"delete": {}},
        alpha_ids=True,
    ),
    "api/v1/slas/": Route("/api/v1/slas/", owner_sees=(MARKER_SLA,)),
    "api/v1/slas/create/": Route(
        "/api/v1/slas/create/", owner_status=405, writes={"post": {**SNEAKY_SLA, "source": None}}
    ),
    "api/v1/slas/apply/": Route(
        "/api/v1/slas/apply/",
        owner_status=405,
        writes={"put": {"slas": [{**SNEAKY_SLA, "source": None}]}},
    ),
    "api/v1/slas/evaluate/": Route(
        "/api/v1/slas/evaluate/", owner_status=405, writes={"post": {"period": "2025-01"}}
    ),
    "api/v1/slas/<int:pk>/": Route(
        "/api/v1/slas/{sla_id}/", owner_sees=(MARKER_SLA,), alpha_ids=True
    ),
    "api/v1/slas/<int:pk>/update/": Route(
        "/api/v1/slas/{sla_id}/update/",
        owner_status=405,
        writes={"patch": {"target": 1}},
        alpha_ids=True,
    ),
    "api/v1/slas/<int:pk>/retire/": Route(
        "/api/v1/slas/{sla_id}/retire/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "api/v1/slas/<int:pk>/history/": Route(
        "/api/v1/slas/{sla_id}/history/", owner_sees=("2025-01",), alpha_ids=True
    ),
    "api/v1/surveys/": Route(
        "/api/v1/surveys/", owner_sees=(MARKER_SURVEY, MARKER_NPS, MARKER_DRAFT)
    ),
    "api/v1/surveys/create/": Route(
        "/api/v1/surveys/create/",
        owner_status=405,
        writes={"post": {"kind": "nps", "title": "Sneaky survey", "open_now": True}},
    ),
    "api/v1/surveys/question-bank/": Route("/api/v1/surveys/question-bank/"),
    "api/v1/surveys/alignment-trend/": Route("/api/v1/surveys/alignment-trend/"),
    "api/v1/surveys/<int:survey_id>/": Route(
        "/api/v1/surveys/{survey_id}/", owner_sees=(MARKER_SURVEY,), alpha_ids=True
    ),
    "api/v1/surveys/<int:survey_id>/update/": Route(
        "/api/v1/surveys/{survey_id}/update/",
        owner_status=405,
        writes={"patch": {"title": "Sneaky title"}},
        alpha_ids=True,
    ),
    "api/v1/surveys/<int:survey_id>/open/": Route(
        "/api/v1/surveys/{draft_id}/open/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "api/v1/surveys/<int:survey_id>/close/": Route(
        "/api/v1/surveys/{survey_id}/close/", owner_status=405, writes={"post": {}}, alpha_ids=True
    ),
    "api/v1/surveys/<int:survey_id>/invitations/": Route(
        "/api/v1/surveys/{nps_id}/invitations/", owner_sees=(MARKER_CUSTOMER,), alpha_ids=True
    ),
    "api/v1/surveys/<int:survey_id>/customers/": Route(
        "/api/v1/surveys/{nps_id}/customers/",
        owner_status=405,
        writes={"post": {"customers": [{"email": "sneaky@customer.test"}]}},
        alpha_ids=True,
    ),
    "api/v1/surveys/<int:survey_id>/invitees/": Route(
        "/api/v1/surveys/{survey_id}/invitees/",
        owner_status=405,
        writes={"post": {"user_ids": [1]}},
        alpha_ids=True,
    ),
    "api/v1/surveys/<int:survey_id>/results/": Route(
        "/api/v1/surveys/{survey_id}/results/", alpha_ids=True
    ),
    "api/v1/surveys/<int:survey_id>/nps/": Route("/api/v1/surveys/{nps_id}/nps/", alpha_ids=True),
}

# Covered routes for workspace admins only, even to read (the whole admin site is, too).
ADMINS_ONLY = {
    "api/v1/reasons/create/",
    "api/v1/reasons/map/",
    "api/v1/reasons/<int:pk>/update/",
    "api/v1/reasons/<int:pk>/delete/",
    "glossary/new/",
    "glossary/leads/",
    "slas/new/",
    "slas/accept/",
    "slas/from-goal/",
    "slas/<int:pk>/edit/",
    "slas/<int:pk>/retire/",
    "api/v1/slas/create/",
    "api/v1/slas/apply/",
    "api/v1/slas/evaluate/",
    "api/v1/slas/<int:pk>/update/",
    "api/v1/slas/<int:pk>/retire/",
    "members/invite/",
    "members/<int:pk>/",
    "data/mappings/<str:kind>/<str:file_format>/",
    "settings/",
    "settings/channels/",
    "settings/targets/",
    "settings/alignment/",
    "settings/exchange-rates/",
    "surveys/new/",
    "surveys/<int:pk>/open/",
    "surveys/<int:pk>/close/",
    "surveys/<int:pk>/threshold/",
    "surveys/<int:pk>/customers/",
    "surveys/<int:pk>/invitees/",
    "api/v1/members/<int:pk>/",
    "api/v1/invitations/",
    "api/v1/kpis/jobs/refresh/",
    "api/v1/settings/",
    "api/v1/exchange-rates/",
    "api/v1/surveys/create/",
    "api/v1/surveys/<int:survey_id>/update/",
    "api/v1/surveys/<int:survey_id>/open/",
    "api/v1/surveys/<int:survey_id>/close/",
    "api/v1/surveys/<int:survey_id>/invitations/",
    "api/v1/surveys/<int:survey_id>/customers/",
    "api/v1/surveys/<int:survey_id>/invitees/",
}

# Writes that only admins may make on routes that members (and viewers) may read.
ADMIN_ONLY_WRITES = {
    ("api/v1/import-mappings/<str:kind>/<str:file_format>/", "put"),
    ("reasons/lists/", "post"),
}

# Routes that answer without an account, by design. Each still must show nothing of alpha
# beyond `may_show` (what its link exists for), never fail, and treat a foreign session as none.
PUBLIC_BY_DESIGN: dict[str, Route] = {
    # Signing in, out and resetting a password happen before anyone is signed in.
    "login/": Route("/login/"),
    "logout/": Route("/logout/", owner_status=405),  # POST only (Django 5)
    "password-reset/": Route("/password-reset/"),
    "password-reset/sent/": Route("/password-reset/sent/"),
    # The emailed reset link: a valid one redirects to the form, showing no account data.
    "password-reset/<uidb64>/<token>/": Route(
        "/password-reset/{reset_uid}/{reset_token}/", owner_status=302, alpha_ids=True
    ),
    "password-reset/complete/": Route("/password-reset/complete/"),
    "admin/login/": Route("/admin/login/", owner_status=302),  # signed-in admins go to the index
    "admin/logout/": Route("/admin/logout/", owner_status=405),  # POST only
    # The emailed invitation link shows its own address, role and team to whoever holds it.
    "invitations/<str:token>/": Route(
        "/invitations/{invitation_token}/", may_show=(MARKER_INVITEE,), alpha_ids=True
    ),
    # Survey answer pages: the survey's title and statements, to the holder of the link.
    "surveys/r/<str:token>/": Route(
        "/surveys/r/{survey_token}/", may_show=(MARKER_SURVEY,), alpha_ids=True
    ),
    "surveys/p/<str:public_id>/": Route(
        "/surveys/p/{nps_public_id}/", may_show=(MARKER_NPS,), alpha_ids=True
    ),
    # Liveness for load balancers: {"status": "ok"}, no data.
    "health/": Route("/health/"),
    # The API's description (OpenAPI and its browsable page): endpoints, not workspace data.
    "api/v1/schema/": Route("/api/v1/schema/"),
    "api/v1/docs/": Route("/api/v1/docs/"),
}

# Routes where every member writes only their own data (the read state of their notifications,
# their email choice): a viewer's write is allowed there, and changes nothing but their own rows.
OWN_DATA_WRITES = {"notifications/": ("slas_notification", "slas_notificationpreference")}

# Routes deliberately left out of the audit, with the reason. Keep this empty when you can.
SKIPPED: dict[str, str] = {}


# --- the routes ----------------------------------------------------------------------------


def tenant_routes() -> dict[str, Callable]:
    """Every URL pattern of a workspace's host as its full pattern text, with its view."""

    def walk(patterns, prefix: str) -> Iterator[tuple[str, Callable]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                yield prefix + str(pattern.pattern), pattern.callback

    return dict(walk(get_resolver(URLCONF).url_patterns, ""))


def write_methods_of(view: Callable) -> set[str] | None:
    """The write methods a class-based view (Django's or DRF's) answers; None for functions."""
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is None:
        return None
    return {method for method in ("post", "put", "patch", "delete") if hasattr(view_class, method)}


def test_every_route_of_a_workspace_host_is_audited():
    routes = tenant_routes()
    audited = {**COVERED, **PUBLIC_BY_DESIGN, **SKIPPED}
    assert not set(COVERED) & set(PUBLIC_BY_DESIGN), "a route is both covered and public"
    assert not ADMINS_ONLY - set(COVERED), ADMINS_ONLY - set(COVERED)
    new = sorted(set(routes) - set(audited))
    assert not new, (
        f"new routes on a workspace's host: {new}. Add each to COVERED in {__file__} (with a "
        "concrete alpha path and the bodies of its write methods), or to PUBLIC_BY_DESIGN or "
        "SKIPPED with the reason."
    )
    gone = sorted(set(audited) - set(routes))
    assert not gone, f"audited routes that no longer exist (remove them): {gone}"
    for pattern, route in COVERED.items():
        methods = write_methods_of(routes[pattern])
        if methods is not None:
            assert methods == set(route.writes), (
                f"{pattern}: the view answers {sorted(methods)}, the audit sends "
                f"{sorted(route.writes)}"
            )


# --- alpha's data --------------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, Any]
    media_root: Path
    import_file_name: str  # relative to MEDIA_ROOT, as the job stores it

    def path(self, route: Route) -> str:
        return route.path.format(**self.ids)

    def owner_sees(self, route: Route) -> list[str]:
        return [text.format(**self.ids) for text in route.owner_sees]


@pytest.fixture
def world(settings, tmp_path, alpha, beta, alice, bob, charlie) -> World:
    """Real objects in alpha, made by the apps' own services, carrying the markers."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with schema_context(beta.schema_name):
        beta_user_ids = set(User.objects.values_list("pk", flat=True))
    # Ids are per schema: the member's id must name nobody in beta, or beta's answer would be
    # about its own person (sequences differ between schemas, so a second try moves on).
    member = make_user(alpha, MARKER_MEMBER, "member", "marketing")
    while member.pk in beta_user_ids:
        with schema_context(alpha.schema_name):
            member.delete()
        member = make_user(alpha, MARKER_MEMBER, "member", "marketing")
    with schema_context(alpha.schema_name):
        invitation, invitation_token = account_services.invitation_create(
            invited_by=alice, email=MARKER_INVITEE, role="member", team="sales"
        )
        accepted = funnel_services.import_job_create(
            file=File(io.BytesIO(IMPORT_CSV.encode()), name=MARKER_FILE),
            file_name=MARKER_FILE,
            kind="leads",
            file_format="canonical",
            skip_invalid=True,
            enqueue=False,
        )
        job = funnel_services.import_job_run(job_id=accepted.job.pk)
        assert job is not None and job.rows_stored == 1 and job.rows_rejected == 1
        # A mapping saved for files whose header names the marker source.
        saved_mapping = funnel_services.column_mapping_save(
            kind="leads",
            file_format="canonical",
            mapping=funnel_services.mapping_parse({"kind": "leads"}),
            header=["lead_id", "created_at", MARKER_SOURCE],
        )
        # A snapshot of January by source, as the refresh task would store it.
        KpiSnapshot.objects.create(
            grain="month",
            label="2025-01",
            period_start=datetime(2025, 1, 1, tzinfo=UTC),
            period_end=datetime(2025, 2, 1, tzinfo=UTC),
            kpis={"leads": 1},
            by_source={MARKER_SOURCE: {"leads": 1}},
            computed_at=datetime(2025, 2, 1, tzinfo=UTC),
            definitions_version=1,
        )
        # The refresh job the import asks for once it commits (tests never commit).
        kpi_services.kpi_snapshot_refresh_enqueue(
            import_id=job.pk, start=job.affected_start, end=job.affected_end
        )
        # Settings are workspace data too: alpha's channel ownership names the marker source.
        configuration_services.workspace_settings_update(
            channel_ownership={MARKER_SOURCE: "sales"}, changes={}
        )
        survey = survey_services.survey_create(
            created_by=alice,
            kind="alignment",
            title=MARKER_SURVEY,
            statements=survey_services.statements_from(
                bank_keys=[item["key"] for item in QUESTION_BANK[:2]]
            ),
            invite_teams=("marketing",),
            anonymity_threshold=3,
            site_url=f"http://{ALPHA_HOST}",
        )
        survey = survey_services.survey_open(survey=survey, opened_by=alice)
        invitee = Invitee.objects.get(survey=survey, user=member)
        survey_token = survey_tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
        nps = survey_services.survey_create(
            created_by=alice,
            kind="nps",
            title=MARKER_NPS,
            anonymity_threshold=3,
            public_link_enabled=True,
        )
        survey_services.survey_customers_add(
            survey=nps,
            added_by=alice,
            customers=[{"email": MARKER_CUSTOMER, "lead_id": MARKER_LEAD}],
        )
        nps = survey_services.survey_open(survey=nps, opened_by=alice)
        # Left a draft, so that opening it is a real change a refused request must not make.
        draft = survey_services.survey_create(
            created_by=alice, kind="nps", title=MARKER_DRAFT, anonymity_threshold=3
        )
        user_content_type_id = ContentType.objects.get_for_model(User).pk
        # An MQL never touched (a breach of both SLAs in January 2025) and an SLA missed then,
        # whose alert notified alice.
        insert_lead(MARKER_MQL, created_at="2025-01-09", mql_at="2025-01-10", source=MARKER_SOURCE)
        # An MQL sent back with a value on no list, and a loss reason of alpha's own; its id
        # must name nothing in beta (both start with the same default lists).
        insert_lead(
            created_at="2025-01-09",
            mql_at="2025-01-10",
            rejected_at="2025-01-12",
            rejection_reason=MARKER_REJECTION,
            source=MARKER_SOURCE,
        )
        reason = reason_services.reason_create(kind="loss", name=MARKER_REASON)
        while schema_has_reason(beta.schema_name, reason.pk):
            reason.delete()
            reason = reason_services.reason_create(kind="loss", name=MARKER_REASON)
        sla = Sla.objects.create(
            name=MARKER_SLA, kpi="mqls", comparator=">=", target=5, period="month",
            team="shared", created_at=datetime(2024, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        january = kpi_period_parse("2025-01")
        sla_services.slas_evaluate_period(period=january, now=datetime(2025, 2, 2, tzinfo=UTC))
        assert Notification.objects.filter(recipient=alice).exists()
        definition = sla_services.definition_version_create(
            author=alice,
            stages={
                stage: {"text": MARKER_DEFINITION if stage == "mql" else text}
                for stage, text in STANDARD_DEFINITIONS.items()
            },
        )
    with schema_context(beta.schema_name):
        # The ids below name nothing in beta, so a 404 there is the isolation, not luck.
        assert not ImportJob.objects.filter(pk=job.pk).exists()
        assert not ColumnMapping.objects.filter(pk=saved_mapping.pk).exists()
        assert not Survey.objects.filter(pk__in=[survey.pk, nps.pk, draft.pk]).exists()
        assert not Sla.objects.filter(pk=sla.pk).exists()
        assert not DefinitionVersion.objects.filter(number=definition.number).exists()
        # Beta's settings row is made on its first page view: made now, it is no change later.
        workspace_settings_get()
    return World(
        ids={
            "member_id": member.pk,
            "invitation_id": invitation.pk,
            "invitation_token": invitation_token,
            "import_id": job.pk,
            "mapping_id": saved_mapping.pk,
            "survey_id": survey.pk,
            "survey_token": survey_token,
            "nps_id": nps.pk,
            "nps_public_id": nps.public_id,
            "draft_id": draft.pk,
            "user_content_type_id": user_content_type_id,
            "sla_id": sla.pk,
            "reason_id": reason.pk,
            "definition_number": definition.number,
            # The member never signs in here: a sign-in would void the token (it hashes last_login).
            "reset_uid": urlsafe_base64_encode(force_bytes(member.pk)),
            "reset_token": default_token_generator.make_token(member),
        },
        media_root=Path(settings.MEDIA_ROOT),
        import_file_name=job.file.name,
    )


def schema_has_reason(schema_name: str, reason_id: int) -> bool:
    with schema_context(schema_name):
        return Reason.objects.filter(pk=reason_id).exists()


# --- requests ------------------------------------------------------------------------------


def browser(host: str, user=None) -> Client:
    """A client that answers server errors as responses (to check them) instead of raising."""
    client = client_for(host, user)
    client.raise_request_exception = False
    return client


def with_cookies_of(client: Client, owner: Client | None) -> Client:
    """`client` holding a copy of `owner`'s cookies only (none for None), as a fresh browser
    would; reusing the client spares loading the middleware for every request."""
    client.cookies = SimpleCookie()
    for name, morsel in (owner.cookies if owner else {}).items():
        client.cookies[name] = morsel.value
    return client


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None):
    body = {key: value() if callable(value) else value for key, value in (body or {}).items()}
    if method == "get":
        return client.get(path)
    has_file = any(isinstance(value, SimpleUploadedFile) for value in body.values())
    if method == "post" and (has_file or not path.startswith("/api/")):
        return client.post(path, body)  # a form (multipart), as a browser sends it
    if path.startswith("/api/"):
        return getattr(client, method)(path, json.dumps(body), content_type="application/json")
    return getattr(client, method)(
        path, urlencode(body), content_type="application/x-www-form-urlencoded"
    )


def content_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace") + "\n" + str(dict(response.headers))


def requests_of(route: Route) -> list[tuple[str, dict[str, Any]]]:
    return [("get", {}), *route.writes.items()]


def leaked(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return [marker for marker in ALPHA_MARKERS if marker in text and marker not in allowed]


def is_sign_in_redirect(response, route: Route) -> bool:
    login = "/admin/login/" if route.is_admin_site else "/login/"
    return response.status_code == 302 and response["Location"].startswith(login)


def state_of_workspaces(*schemas: str) -> dict[str, str]:
    """A digest of every table of the schemas (sessions aside) and of the stored files."""
    digests: dict[str, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE' "
            "AND table_name <> 'django_session' ORDER BY 1, 2",
            [list(schemas)],
        )
        tables = cursor.fetchall()
        cursor.execute(
            sql.SQL(" UNION ALL ").join(
                sql.SQL(
                    "SELECT {}, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} AS t"
                ).format(sql.Literal(f"{schema}.{table}"), sql.Identifier(schema, table))
                for schema, table in tables
            )
        )
        digests.update(dict(cursor.fetchall()))
    from django.conf import settings

    media = Path(settings.MEDIA_ROOT)
    digests["files"] = repr(sorted(str(p) for p in media.rglob("*")) if media.exists() else [])
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


# --- the checks ----------------------------------------------------------------------------


def test_owner_reaches_every_covered_route(world, alice):
    """Alice's answers prove each concrete path names a real object of alpha."""
    owner = browser(ALPHA_HOST, alice)
    routes = tenant_routes()
    failures = []
    for pattern, route in {**COVERED, **PUBLIC_BY_DESIGN}.items():
        path = world.path(route)
        if resolve(path.split("?")[0], urlconf=URLCONF).func is not routes[pattern]:
            failures.append(f"{path} does not reach the route {pattern!r}")
        response = owner.get(path)
        text = content_of(response)
        if response.status_code != route.owner_status:
            failures.append(f"alice GET {path}: {response.status_code}, not {route.owner_status}")
        missing = [marker for marker in world.owner_sees(route) if marker not in text]
        if missing:
            failures.append(f"alice GET {path} does not show {missing}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_sign_in_on_every_private_route(world, alpha, beta):
    anonymous = browser(ALPHA_HOST)
    failures = []
    for route in COVERED.values():
        path = world.path(route)
        before = state_of_workspaces(alpha.schema_name, beta.schema_name)
        for method, body in requests_of(route):
            response = send(with_cookies_of(anonymous, None), method, path, body)
            refused = (
                response.status_code in (401, 403)
                if route.is_api
                else is_sign_in_redirect(response, route)
            )
            if not refused:
                failures.append(f"anonymous {method.upper()} {path}: {response.status_code}")
            if found := leaked(content_of(response)):
                failures.append(f"anonymous {method.upper()} {path} shows {found}")
        if diff := changed(before, state_of_workspaces(alpha.schema_name, beta.schema_name)):
            failures.append(f"anonymous requests to {path} changed {diff}")
    assert not failures, "\n".join(failures)


def test_public_pages_show_only_what_their_link_is_for(world):
    anonymous = browser(ALPHA_HOST)
    failures = []
    for route in PUBLIC_BY_DESIGN.values():
        path = world.path(route)
        response = anonymous.get(path)
        if response.status_code >= SERVER_ERROR:
            failures.append(f"anonymous GET {path}: {response.status_code}")
        if found := leaked(content_of(response), route.may_show):
            failures.append(f"anonymous GET {path} shows {found}")
    assert not failures, "\n".join(failures)


def test_another_workspaces_session_is_no_session_on_alpha(world, charlie):
    """Charlie's cookie on alpha's host gets exactly what an anonymous visitor gets."""
    charlie_at_home = browser(BETA_HOST, charlie)
    assert charlie_at_home.get("/api/v1/me/").json()["email"] == "charlie@beta.test"
    intruder, anonymous = browser(ALPHA_HOST), browser(ALPHA_HOST)
    failures = []
    for pattern, route in {**COVERED, **PUBLIC_BY_DESIGN}.items():
        path = world.path(route)
        # Writes only where refused anyway: a public answer page would store a real answer.
        requests = requests_of(route) if pattern in COVERED else [("get", {})]
        for method, body in requests:
            intruder = with_cookies_of(intruder, charlie_at_home)
            as_charlie = send(intruder, method, path, body)
            as_nobody = send(with_cookies_of(anonymous, None), method, path, body)
            seen = (as_charlie.status_code, as_charlie.get("Location"))
            expected = (as_nobody.status_code, as_nobody.get("Location"))
            if seen != expected:
                failures.append(f"charlie's cookie {method.upper()} {path}: {seen} != {expected}")
            if as_charlie.status_code >= SERVER_ERROR:
                failures.append(f"charlie's cookie {method.upper()} {path}: server error")
    assert not failures, "\n".join(failures)


def test_another_workspaces_admin_finds_nothing_of_alpha_on_own_host(world, alpha, beta, charlie):
    charlie_at_home = browser(BETA_HOST, charlie)
    failures = []
    for route in {**COVERED, **PUBLIC_BY_DESIGN}.values():
        path = world.path(route)
        # Beta's own writes at its own routes are legitimate: only alpha's ids are tried so.
        requests = requests_of(route) if route.alpha_ids else [("get", {})]
        before = state_of_workspaces(alpha.schema_name, beta.schema_name)
        for method, body in requests:
            response = send(charlie_at_home, method, path, body)
            status = response.status_code
            text = content_of(response)
            if status >= SERVER_ERROR:
                failures.append(f"charlie {method.upper()} {path} on beta: server error")
            # 405 only where the route answers no GET at all, whatever the id (as for alice).
            refusals = (302, 403, 404, 410, *((405,) if route.owner_status == 405 else ()))
            if (
                route.alpha_ids
                and status not in refusals
                and not (route.path.startswith("/password-reset/") and "Link expired" in text)
            ):
                failures.append(f"charlie {method.upper()} {path} on beta: {status}")
            if found := leaked(text):
                failures.append(f"charlie {method.upper()} {path} on beta shows {found}")
        if diff := changed(before, state_of_workspaces(alpha.schema_name, beta.schema_name)):
            failures.append(f"charlie's requests to {path} on beta changed {diff}")
    assert not failures, "\n".join(failures)


def test_viewer_is_refused_every_write_and_nothing_changes(world, alpha, beta, bob):
    viewer = browser(ALPHA_HOST, bob)
    failures = []
    for pattern, route in COVERED.items():
        if not route.writes:
            continue
        path = world.path(route)
        before = state_of_workspaces(alpha.schema_name, beta.schema_name)
        if pattern in OWN_DATA_WRITES:
            for method, body in route.writes.items():
                response = send(viewer, method, path, body)
                if response.status_code >= SERVER_ERROR:
                    failures.append(f"bob {method.upper()} {path}: {response.status_code}")
            allowed = {f"{alpha.schema_name}.{table}" for table in OWN_DATA_WRITES[pattern]}
            after = state_of_workspaces(alpha.schema_name, beta.schema_name)
            if diff := set(changed(before, after)) - allowed:
                failures.append(f"bob's writes to {path} changed {sorted(diff)}")
            continue
        for method, body in route.writes.items():
            response = send(viewer, method, path, body)
            # The admin site sends anyone who is not an admin of the workspace to its sign-in.
            refused = (
                is_sign_in_redirect(response, route)
                if route.is_admin_site
                else response.status_code == 403
            )
            if not refused:
                failures.append(f"bob {method.upper()} {path}: {response.status_code}")
        if diff := changed(before, state_of_workspaces(alpha.schema_name, beta.schema_name)):
            failures.append(f"bob's writes to {path} changed {diff}")
    assert not failures, "\n".join(failures)


def test_member_is_refused_what_only_admins_may_do_and_nothing_changes(world, alpha, beta):
    """Members (between viewers and admins) pass no admins-only read or write: a `member`
    allowed on the settings API or the column-mapping PUT survived a mutation probe."""
    member = browser(ALPHA_HOST, make_user(alpha, "dave@alpha.test", "member", "sales"))
    failures = []
    for pattern, route in COVERED.items():
        path = world.path(route)
        if pattern in ADMINS_ONLY or route.is_admin_site:
            requests = requests_of(route)
        else:
            requests = [
                (m, b) for m, b in route.writes.items() if (pattern, m) in ADMIN_ONLY_WRITES
            ]
        before = state_of_workspaces(alpha.schema_name, beta.schema_name)
        for method, body in requests:
            response = send(member, method, path, body)
            refused = (
                is_sign_in_redirect(response, route)
                if route.is_admin_site
                else response.status_code == 403
            )
            if not refused:
                failures.append(f"dave (member) {method.upper()} {path}: {response.status_code}")
        if diff := changed(before, state_of_workspaces(alpha.schema_name, beta.schema_name)):
            failures.append(f"dave's requests to {path} changed {diff}")
    assert not failures, "\n".join(failures)


# Admins' business only: who is invited, and the customers' addresses of NPS/CSAT surveys.
ADMIN_ONLY_MARKERS = (MARKER_INVITEE, MARKER_CUSTOMER)


def test_viewer_reads_what_viewers_may_and_no_admin_only_data(world, bob):
    viewer = browser(ALPHA_HOST, bob)
    failures = []
    for pattern, route in COVERED.items():
        path = world.path(route)
        response = viewer.get(path)
        if not (pattern in ADMINS_ONLY or route.is_admin_site):
            if response.status_code != route.owner_status:
                failures.append(f"bob GET {path}: {response.status_code}, not {route.owner_status}")
        elif not (
            is_sign_in_redirect(response, route)
            if route.is_admin_site
            else response.status_code == 403
        ):
            failures.append(f"bob GET {path} (admins only): {response.status_code}")
        if found := [marker for marker in ADMIN_ONLY_MARKERS if marker in content_of(response)]:
            failures.append(f"bob GET {path} shows {found}")
    assert not failures, "\n".join(failures)


def test_viewer_upload_on_the_data_page_is_forbidden_and_stores_nothing(world, alpha, bob):
    """The page answered 404 here, unlike the API and every other page (403)."""
    response = send(browser(ALPHA_HOST, bob), "post", "/data/", {"file": upload(), "kind": "leads"})
    assert response.status_code == 403
    with schema_context(alpha.schema_name):
        assert list(ImportJob.objects.values_list("pk", flat=True)) == [world.ids["import_id"]]


# --- files and caches ----------------------------------------------------------------------


def test_an_imports_file_is_stored_under_its_workspace_folder_and_never_served(
    world, alpha, alice, charlie
):
    relative = Path(world.import_file_name)
    assert relative.parts[:2] == ("imports", alpha.schema_name), relative
    assert (world.media_root / relative).read_text() == IMPORT_CSV
    stored_folder = relative.parts[2]  # the random folder: the only way to name the file
    # Neither the API nor the page tells where the file is stored.
    owner = browser(ALPHA_HOST, alice)
    for path in (f"/api/v1/imports/{world.ids['import_id']}/", "/api/v1/imports/", "/data/"):
        assert stored_folder not in content_of(owner.get(path)), path
    # No route of any host serves the stored files, so nothing reaches them from beta.
    url = f"/media/{relative.as_posix()}"
    for client in (owner, browser(BETA_HOST, charlie), browser(BETA_HOST)):
        response = client.get(url)
        assert response.status_code in (302, 404), (url, response.status_code)
        assert MARKER_LEAD not in content_of(response)


def test_rejected_rows_of_alpha_are_not_found_from_beta(world, charlie):
    import_id = world.ids["import_id"]
    charlie_at_home = browser(BETA_HOST, charlie)
    for path in (
        f"/data/imports/{import_id}/rejected-rows.csv",
        f"/api/v1/imports/{import_id}/rejected-rows/",
    ):
        response = charlie_at_home.get(path)
        assert response.status_code == 404, path
        assert MARKER_REJECTED not in content_of(response)


def test_cached_values_are_kept_per_workspace(alpha, beta):
    with schema_context(alpha.schema_name):
        cache.set("kpi-dashboard", MARKER_SOURCE)
        assert cache.get("kpi-dashboard") == MARKER_SOURCE
    with schema_context(beta.schema_name):
        assert cache.get("kpi-dashboard") is None


# --- headers -------------------------------------------------------------------------------


def security_headers_missing(response) -> list[str]:
    """What a response lacks of the headers every answer must carry (issue 12, finding 8)."""
    policy = response.get("Content-Security-Policy", "")
    script_src = next(
        (part for part in policy.split(";") if part.strip().startswith("script-src")), ""
    )
    missing = []
    if not policy or "default-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
        missing.append(f"Content-Security-Policy ({policy!r})")
    if "'unsafe-inline'" in script_src or "'self'" not in script_src:
        missing.append(f"script-src without 'unsafe-inline' ({script_src!r})")
    if response.get("X-Content-Type-Options") != "nosniff":
        missing.append("X-Content-Type-Options")
    if response.get("X-Frame-Options") != "DENY" and not response.streaming:
        missing.append("X-Frame-Options")
    return missing


def test_every_response_carries_the_content_security_policy(world, alpha, alice, bob, charlie):
    """Pages, API, the admin, downloads, public survey pages, errors, static files, unknown
    hosts and suspended workspaces: all of them, for the owner and for anonymous."""
    owner, anonymous = browser(ALPHA_HOST, alice), browser(ALPHA_HOST)
    failures = []
    for route in {**COVERED, **PUBLIC_BY_DESIGN}.values():
        path = world.path(route)
        for who, client in (("alice", owner), ("anonymous", anonymous)):
            response = client.get(path)
            if missing := security_headers_missing(response):
                failures.append(f"{who} GET {path} ({response.status_code}): {missing}")
    others = [
        (owner, "/no-such-page/"),  # 404 page
        (browser(ALPHA_HOST, bob), "/settings/"),  # 403 page
        (owner, "/static/smarketing/app.css"),  # WhiteNoise
        (owner, "/static/vendor/chart.js/chart.umd.min.js"),
        (Client(HTTP_HOST="nobody.localhost"), "/"),  # unknown host
        (Client(HTTP_HOST="localhost"), "/"),  # the public site
        (Client(HTTP_HOST="localhost"), "/platform/login/"),
        (anonymous, "/api/v1/kpis/?period=9999"),  # API error
    ]
    for client, path in others:
        response = client.get(path)
        if missing := security_headers_missing(response):
            failures.append(f"GET {path} ({response.status_code}): {missing}")
    assert not failures, "\n".join(failures)


def test_suspended_workspace_and_server_errors_carry_the_policy(alpha, alice, monkeypatch):
    from smarketing.dashboard.views import home as dashboard_views
    from tenants import provisioning

    owner = browser(ALPHA_HOST, alice)

    def broken(self, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(dashboard_views.HomeView, "get_context_data", broken)
    response = owner.get("/")
    assert response.status_code == SERVER_ERROR
    assert security_headers_missing(response) == []
    provisioning.workspace_suspend(workspace=alpha)
    response = browser(ALPHA_HOST).get("/login/")
    assert response.status_code == 403
    assert security_headers_missing(response) == []
