"""SLAs between marketing and sales, their evaluations per period, and the alerts they raise."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Comparator(models.TextChoices):
    AT_LEAST = ">=", "at least"
    AT_MOST = "<=", "at most"


class PeriodKind(models.TextChoices):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


class SlaTeam(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    # Both teams: what used to be a KPI target.
    SHARED = "shared", "Shared"


class Sla(models.Model):
    """A service-level agreement: the KPI `kpi` (of `source` only, when set) satisfies
    `comparator target` every `period`, owned by `team` (SPEC section 5)."""

    name = models.CharField(max_length=200, unique=True)
    kpi = models.CharField(max_length=64)
    # A channel name, or empty for the whole workspace (`null` in files and the API).
    source = models.TextField(blank=True, default="")
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    target = models.DecimalField(max_digits=20, decimal_places=6)
    period = models.CharField(max_length=7, choices=PeriodKind.choices)
    team = models.CharField(max_length=9, choices=SlaTeam.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Retired SLAs are no longer evaluated; their history stays.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SLA"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def terms(self) -> dict:
        """The SLA as SPEC section 6's file writes it."""
        return {
            "name": self.name,
            "kpi": self.kpi,
            "source": self.source or None,
            "comparator": self.comparator,
            "target": self.target,
            "period": self.period,
            "team": self.team,
        }


class EvaluationStatus(models.TextChoices):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data", "no data"
    ON_TRACK = "on_track", "on track"
    AT_RISK = "at_risk", "at risk"


class SlaEvaluation(models.Model):
    """One period of one SLA: `final` for a closed period (met, missed, no data), else the
    forecast of the period in progress (on track, at risk, no data)."""

    sla = models.ForeignKey(Sla, on_delete=models.CASCADE, related_name="evaluations")
    period_label = models.CharField(max_length=16)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    final = models.BooleanField()
    status = models.CharField(max_length=8, choices=EvaluationStatus.choices)
    # Rounded as SPEC section 5; for a forecast the projected value.
    value = models.DecimalField(max_digits=26, decimal_places=6, null=True, blank=True)
    # Forecasts: the KPI so far, and the elapsed share of the period it was projected from.
    value_so_far = models.DecimalField(max_digits=26, decimal_places=6, null=True, blank=True)
    elapsed_share = models.DecimalField(max_digits=7, decimal_places=6, null=True, blank=True)
    # The terms the period was judged by: a closed period keeps them when the SLA changes.
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    target = models.DecimalField(max_digits=20, decimal_places=6)
    # Where the value came from: a KPI snapshot, or computed live.
    computed = models.CharField(max_length=8)
    definitions_version = models.PositiveIntegerField(null=True, blank=True)
    # When this result last changed (re-evaluating to the same result changes nothing).
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sla", "period_start"], name="sla_evaluation_period")
        ]
        ordering = ["sla", "period_start"]

    def __str__(self) -> str:
        return f"{self.sla} {self.period_label}: {self.status}"


class AlertKind(models.TextChoices):
    MISSED = "missed"
    AT_RISK = "at_risk", "at risk"


class SlaAlert(models.Model):
    """A breach worth telling people about, once: a period that closed missed, or a forecast
    that turned at risk. Unique per SLA, period and kind, so re-evaluation never repeats it."""

    sla = models.ForeignKey(Sla, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=7, choices=AlertKind.choices)
    period_label = models.CharField(max_length=16)
    period_start = models.DateTimeField()
    value = models.DecimalField(max_digits=26, decimal_places=6, null=True, blank=True)
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    target = models.DecimalField(max_digits=20, decimal_places=6)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sla", "period_start", "kind"], name="sla_alert_once_per_period"
            )
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sla} {self.period_label} {self.kind}"


class Notification(models.Model):
    """One person's copy of an alert: listed in the app (with its read state) and emailed
    unless the person turned emails off."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(SlaAlert, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=300)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "alert"], name="notification_once_per_recipient"
            )
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A person's choice about alert emails (the in-app list always has them)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user}: emails {'on' if self.email_enabled else 'off'}"


class DefinitionVersion(models.Model):
    """One version of the shared stage definitions. It takes effect when a marketing and a sales
    signer have both signed it; the next version to take effect supersedes it. A version never
    changes once written (signers sign exactly what they read): every change is a new one."""

    number = models.PositiveIntegerField(unique=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    effective_at = models.DateTimeField(null=True, blank=True)
    # A later version took effect (or, never in force, was replaced by a newer draft).
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Definitions v{self.number}"

    @property
    def status(self) -> str:
        if self.effective_at and not self.superseded_at:
            return "in_force"
        if self.effective_at:
            return "superseded"
        return "withdrawn" if self.superseded_at else "awaiting_signatures"


class StageDefinition(models.Model):
    version = models.ForeignKey(DefinitionVersion, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=11)
    text = models.TextField()
    # {"required_fields": [...], "min_lead_score": n}, both optional.
    criteria = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "stage"], name="stage_definition_once")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.stage}"


class SignoffTeam(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class DefinitionSignoff(models.Model):
    """A team's signature of a version (its name kept should the person be removed)."""

    version = models.ForeignKey(
        DefinitionVersion, on_delete=models.CASCADE, related_name="signoffs"
    )
    team = models.CharField(max_length=9, choices=SignoffTeam.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer = models.CharField(max_length=254)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "team"], name="definition_signoff_per_team")
        ]
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.version} signed by {self.signer} ({self.team})"


class TeamLead(models.Model):
    """A person an admin named to sign the definitions for their team (besides the team's
    admins)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_lead"
    )
    team = models.CharField(max_length=9, choices=SignoffTeam.choices)

    def __str__(self) -> str:
        return f"{self.user} leads {self.team}"
