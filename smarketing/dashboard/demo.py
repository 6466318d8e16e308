"""The demo workspace's people and agreements: one marketing and one sales member who can sign
in, so a newcomer sees the product as each team (their logins are printed by `make run`); the
SLAs the teams agreed on, judged over the past year, so the overview's SLA status and the
alignment index's SLA component have history; the glossary both teams signed; and the CRM's
rejection and loss reasons mapped onto the workspace's lists (one value left to map)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from smarketing.accounts.models import Role, User
from smarketing.funnel.models import Reason, ReasonAlias
from smarketing.funnel.reason_services import reason_value_map
from smarketing.slas.glossary import STANDARD_DEFINITIONS
from smarketing.slas.models import DefinitionVersion, Sla
from smarketing.slas.selectors import sla_periods
from smarketing.slas.services import (
    definition_version_create,
    definition_version_sign,
    slas_apply,
    slas_evaluate_period,
    team_leads_set,
)

# Public demo logins, printed on purpose next to the admin's.
DEMO_TEAM_PASSWORDS = {
    "marketing": "demo-marketing-pass",
    "sales": "demo-sales-pass",
}


def demo_team_logins() -> list[tuple[str, str, str]]:
    """(team, email, password) of the first active non-admin member of each team, whose
    password is set to the team's demo password (idempotent)."""
    logins = []
    for team, password in DEMO_TEAM_PASSWORDS.items():
        user = (
            User.objects.filter(team=team, is_active=True)
            .exclude(role=Role.ADMIN)
            .order_by("pk")
            .first()
        )
        if user is None:
            continue
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        logins.append((team, user.email, password))
    return logins


# Targets fit to the demo data: some months met, some missed, as real teams see it.
DEMO_SLAS: list[Mapping[str, Any]] = [
    {"name": "MQLs delivered", "kpi": "mqls", "source": None, "comparator": ">=",
     "target": 150, "period": "month", "team": "marketing"},
    {"name": "MQLs rejected", "kpi": "mql_rejection_rate", "source": None, "comparator": "<=",
     "target": 0.3, "period": "month", "team": "marketing"},
    {"name": "MQLs followed up within 24 h", "kpi": "mql_response_within_sla_rate",
     "source": None, "comparator": ">=", "target": 0.65, "period": "month", "team": "sales"},
    {"name": "Win rate", "kpi": "win_rate", "source": None, "comparator": ">=", "target": 0.25,
     "period": "quarter", "team": "sales"},
    {"name": "Pipeline created", "kpi": "pipeline_created", "source": None, "comparator": ">=",
     "target": 1500000, "period": "quarter", "team": "shared"},
]  # fmt: skip
# How far back the demo's SLAs are judged: a year of months, four quarters.
DEMO_SLA_HISTORY = {"month": 12, "quarter": 4}


def demo_slas_seed() -> int:
    """Adopt the demo SLAs and judge their past periods once (nothing when the workspace has
    SLAs already); returns how many periods were judged."""
    if Sla.objects.exists():
        return 0
    slas_apply(slas=DEMO_SLAS)
    now = timezone.now()
    judged = 0
    for kind, history in DEMO_SLA_HISTORY.items():
        for period in sla_periods(kind, now=now, history=history):
            judged += len(slas_evaluate_period(period=period, now=now))
    return judged


# The demo CRM's spellings of the workspace's reasons (smarketing/funnel/demo.py writes them).
# "Bad timing - back to nurturing" is left unmapped: the reasons page lists it to map.
DEMO_REASON_ALIASES = (
    ("rejection", "Not our ideal customer profile", "Not a fit"),
    ("rejection", "Duplicate of an existing contact", "Duplicate"),
    ("loss", "Chose a competitor", "Competitor"),
)


def demo_reasons_seed() -> int:
    """Map the demo CRM's reason values onto the default lists (once, before the data is
    imported, so the import stores the lists' names); returns how many were mapped."""
    if ReasonAlias.objects.exists():
        return 0
    mapped = 0
    for kind, value, name in DEMO_REASON_ALIASES:
        reason = Reason.objects.filter(kind=kind, name=name).first()
        if reason is not None:
            reason_value_map(kind=kind, value=value, reason=reason)
            mapped += 1
    return mapped


# What the demo teams agreed an MQL and an SQL are, beyond the product's standard words.
DEMO_DEFINITIONS: dict[str, dict[str, Any]] = {
    **{stage: {"text": text} for stage, text in STANDARD_DEFINITIONS.items()},
    "mql": {
        "text": "A lead in our ideal customer profile (11+ employees, a named persona) that asked "
        "for a demo, attended a webinar or downloaded two assets: marketing hands it over with "
        "its persona and company size filled in.",
        "criteria": {"required_fields": ["persona", "company_size"], "min_lead_score": 60},
    },
    "sql": {
        "text": "An MQL sales reached within 24 hours and accepted after a first call: budget, "
        "need and timing confirmed. Sales sends an MQL back within 48 hours, with a reason from "
        "the list.",
        "criteria": {"required_fields": ["owner", "first_touch_at"]},
    },
}


def demo_glossary_seed() -> int | None:
    """The demo teams' own definitions, signed by the marketing and the sales lead (named team
    leads by the admin), so the glossary shows a version both teams signed. Once: nothing when
    the workspace wrote a version already. Returns the version's number."""
    if DefinitionVersion.objects.filter(number__gt=1).exists():
        return None
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    leads = {
        team: User.objects.filter(team=team, is_active=True, role=Role.MEMBER)
        .order_by("pk")
        .first()
        for team in ("marketing", "sales")
    }
    if admin is None or None in leads.values():
        return None
    team_leads_set(leads={team: [user] for team, user in leads.items() if user is not None})
    version = definition_version_create(
        author=admin, stages=DEMO_DEFINITIONS, note="Agreed in the quarterly alignment meeting."
    )
    for user in leads.values():
        assert user is not None
        version = definition_version_sign(version=version, user=user)
    return version.number
