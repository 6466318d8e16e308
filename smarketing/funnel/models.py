"""The funnel data of SPEC section 3, one table per import kind.

Natural keys are unique, so re-imports upsert by them. Lead references from deals, activities and
content are plain text, not foreign keys: a row may name a lead that was never imported (it is
then `unattributed`), and files of different kinds arrive in any order.
"""

from django.db import models


class Stage(models.TextChoices):
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


# Stage → the Lead column holding the date the lead reached it, in funnel order.
STAGE_DATE_FIELDS = {
    Stage.LEAD: "created_at",
    Stage.MQL: "mql_at",
    Stage.SQL: "sql_at",
    Stage.OPPORTUNITY: "opportunity_at",
    Stage.CUSTOMER: "customer_at",
}


class Lead(models.Model):
    lead_id = models.TextField(unique=True)
    created_at = models.DateTimeField()
    source = models.TextField()
    campaign = models.TextField(blank=True, default="")
    persona = models.TextField(blank=True, default="")
    company_size = models.TextField(blank=True, default="")
    mql_at = models.DateTimeField(null=True, blank=True)
    sql_at = models.DateTimeField(null=True, blank=True)
    opportunity_at = models.DateTimeField(null=True, blank=True)
    customer_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="")
    first_touch_at = models.DateTimeField(null=True, blank=True)
    owner = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["mql_at"]),
            models.Index(fields=["sql_at"]),
            models.Index(fields=["opportunity_at"]),
            models.Index(fields=["customer_at"]),
        ]

    def __str__(self) -> str:
        return self.lead_id


class DealStatus(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Deal(models.Model):
    deal_id = models.TextField(unique=True)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=4, choices=DealStatus.choices)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    lead_id = models.TextField(blank=True, default="", db_index=True)
    # For an open deal this is the expected close date and no KPI uses it.
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.TextField(blank=True, default="")
    owner = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["closed_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.deal_id


class Spend(models.Model):
    month = models.DateField(help_text="First day of the month.")
    source = models.TextField()
    amount = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "source"], name="spend_month_source_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.source}"


class Traffic(models.Model):
    date = models.DateField()
    source = models.TextField()
    sessions = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "traffic"
        constraints = [
            models.UniqueConstraint(fields=["date", "source"], name="traffic_date_source_key")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.source}"


class ActivityType(models.TextChoices):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"


class Activity(models.Model):
    activity_id = models.TextField(unique=True)
    date = models.DateTimeField()
    owner = models.TextField()
    type = models.CharField(max_length=7, choices=ActivityType.choices)
    lead_id = models.TextField(blank=True, default="", db_index=True)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return self.activity_id


class ContentDownload(models.Model):
    date = models.DateField()
    lead_id = models.TextField()
    asset = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "lead_id", "asset"], name="content_date_lead_asset_key"
            )
        ]
        indexes = [models.Index(fields=["lead_id", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.lead_id} {self.asset}"
