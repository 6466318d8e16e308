"""The demo workspace's people and agreements: one marketing and one sales member who can sign
in, so a newcomer sees the product as each team (their logins are printed by `make run`), and
the SLAs the teams agreed on, judged over the past year, so the overview's SLA status and the
alignment index's SLA component have history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from smarketing.accounts.models import Role, User
from smarketing.slas.models import Sla
from smarketing.slas.selectors import sla_periods
from smarketing.slas.services import slas_apply, slas_evaluate_period

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
