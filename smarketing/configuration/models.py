"""Workspace settings in the workspace's own schema: one row and channel ownership (KPI targets
are SLAs now, in the slas app)."""

from decimal import Decimal

from django.db import models

# SPEC section 3: these channels belong to sales unless the workspace says otherwise.
DEFAULT_SALES_CHANNELS = frozenset({"outbound", "sales_referral"})


# The components of the alignment index (SPEC section 5) and their default weights; an admin may
# change them (`WorkspaceSettings.alignment_weights`).
DEFAULT_ALIGNMENT_WEIGHTS = {
    "sla_compliance": 30,
    "handoff_acceptance": 20,
    "survey_score": 25,
    "perception_agreement": 10,
    "nps": 15,
}


def default_alignment_weights() -> dict[str, int]:
    return dict(DEFAULT_ALIGNMENT_WEIGHTS)


class OwningTeam(models.TextChoices):
    MARKETING = "marketing"
    SALES = "sales"


class WorkspaceSettings(models.Model):
    """The one settings row of a workspace (created on first read)."""

    time_zone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="USD")
    response_sla_hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(24))
    conversion_window_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Cohort rates count a conversion only within this many days.",
    )
    # SPEC 3.1 "Stages from deals": KPIs give a lead without an opportunity or customer date
    # the one its deals imply (off by default; stored leads are never rewritten).
    stages_from_deals = models.BooleanField(default=False)
    # Weight of each alignment index component (whole numbers; rescaled over those with data).
    alignment_weights = models.JSONField(default=default_alignment_weights)
    # The version of the shared stage definitions in force (1: the product's standard ones until
    # both teams sign their own); KPI snapshots record it.
    definitions_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "workspace settings"

    def __str__(self) -> str:
        return "Workspace settings"


class ChannelOwnership(models.Model):
    """Overrides the default owner of a channel (source)."""

    source = models.TextField(unique=True)
    team = models.CharField(max_length=9, choices=OwningTeam.choices)

    def __str__(self) -> str:
        return f"{self.source} → {self.team}"


class ExchangeRate(models.Model):
    """What 1 unit of a foreign currency is worth in the workspace's currency (SPEC 3.1), kept by
    admins: for one month, or (month empty) for every month that has no rate of its own."""

    currency = models.CharField(max_length=3)
    # The first day of the month; NULL: every month without its own rate.
    month = models.DateField(null=True, blank=True)
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "month"], name="exchange_rate_once", nulls_distinct=False
            )
        ]
        ordering = ["currency", "month"]

    def __str__(self) -> str:
        return f"1 {self.currency} ({self.month or 'any month'}) = {self.rate}"
