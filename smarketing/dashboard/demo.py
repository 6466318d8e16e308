"""The demo workspace's people: one marketing and one sales member who can sign in, so a
newcomer sees the product as each team (their logins are printed by `make run`)."""

from __future__ import annotations

from smarketing.accounts.models import Role, User

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
