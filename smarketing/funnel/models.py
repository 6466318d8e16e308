"""The funnel data of SPEC section 3, one table per import kind.

Natural keys are unique, so re-imports upsert by them. Leads, deals and activities have their
natural key as primary key (one index serves the upsert, lookups and joins); every other index is
paid for by a query that uses it (docs/benchmarks.md, "Indexes"): an index costs every import
that writes the table. Lead references from deals, activities and
content are plain text, not foreign keys: a row may name a lead that was never imported (it is
then `unattributed`), and files of different kinds arrive in any order.
"""

from django.db import models
from django.db.models.functions import Lower


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
    lead_id = models.TextField(primary_key=True)
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
    # Salesforce: the opportunity this lead was converted into, to attribute that deal to it.
    converted_deal_id = models.TextField(blank=True, default="", db_default="")

    class Meta:
        # The SLA breach lists and inbox select MQLs by date (slas.breaches). KPI statements
        # read leads whole or over a period of most rows: a scan.
        indexes = [models.Index(fields=["mql_at"], name="funnel_lead_mql_at_71f04e_idx")]

    def __str__(self) -> str:
        return self.lead_id


class DealStatus(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Deal(models.Model):
    deal_id = models.TextField(primary_key=True)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=4, choices=DealStatus.choices)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    lead_id = models.TextField(blank=True, default="")
    # For an open deal this is the expected close date and no KPI uses it.
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.TextField(blank=True, default="")
    owner = models.TextField(blank=True, default="")
    # ISO 4217; empty means the workspace's currency (SPEC 3.1). KPIs convert the others.
    currency = models.CharField(max_length=3, blank=True, default="", db_default="")

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
    activity_id = models.TextField(primary_key=True)
    date = models.DateTimeField()
    owner = models.TextField()
    type = models.CharField(max_length=7, choices=ActivityType.choices)
    lead_id = models.TextField(blank=True, default="")

    class Meta:
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.activity_id


class ContentDownload(models.Model):
    date = models.DateField()
    lead_id = models.TextField()
    asset = models.TextField()

    class Meta:
        # Lead first: the key also serves `customers_with_content`'s probe (a lead's rows up
        # to a date).
        constraints = [
            models.UniqueConstraint(
                fields=["lead_id", "date", "asset"], name="content_lead_date_asset_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.lead_id} {self.asset}"


# --- Rejection and loss reasons ---------------------------------------------------------------


class ReasonKind(models.TextChoices):
    REJECTION = "rejection", "MQL rejection reasons"
    LOSS = "loss", "Deal loss reasons"


# Kind → (table, column) of the funnel rows its reasons label.
REASON_COLUMNS = {
    ReasonKind.REJECTION: ("funnel_lead", "rejection_reason"),
    ReasonKind.LOSS: ("funnel_deal", "lost_reason"),
}


class Reason(models.Model):
    """One entry of the workspace's list of MQL rejection reasons or of deal loss reasons.

    Imports store a reason's name for every value that is the name (in any letter case) or one
    of its aliases; any other value is kept as the file had it, listed for an admin to map."""

    kind = models.CharField(max_length=9, choices=ReasonKind.choices)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="funnel_reason_kind_name_key")
        ]

    def __str__(self) -> str:
        return self.name


class ReasonAlias(models.Model):
    """A value a CRM writes (`Bad timing - back to nurturing`) that means one reason of the list;
    saved when an admin maps an unknown value, so later imports map it too."""

    reason = models.ForeignKey(Reason, on_delete=models.CASCADE, related_name="aliases")
    # The reason's kind, repeated so that one value means one reason per kind.
    kind = models.CharField(max_length=9, choices=ReasonKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "reason aliases"
        constraints = [
            models.UniqueConstraint(Lower("value"), "kind", name="funnel_reasonalias_value_key")
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.reason.name}"


# --- Imports ---------------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    LEADS = "leads"
    DEALS = "deals"
    SPEND = "spend"
    TRAFFIC = "traffic"
    ACTIVITIES = "activities"
    CONTENT = "content"


class ImportFormat(models.TextChoices):
    CANONICAL = "canonical"
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


class ImportStatus(models.TextChoices):
    # Uploaded to be mapped on the import page first; nothing runs until it is queued.
    DRAFT = "draft"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # Invalid rows (or an unreadable file) and skip-invalid was off: nothing was stored.
    REJECTED = "rejected"
    # An unexpected technical failure; nothing was stored.
    FAILED = "failed"


class MappingOrigin(models.TextChoices):
    GIVEN = "given", "given with the file"
    HEADER = "header", "saved for this header"
    KIND = "kind", "the workspace's column names"


class ImportJob(models.Model):
    """One uploaded file and what became of it; the same pipeline serves page, API and CLI.

    `kind`/`format` are empty until detected from the header when the uploader left them out.
    """

    kind = models.CharField(max_length=10, choices=ImportKind.choices, blank=True)
    format = models.CharField(max_length=10, choices=ImportFormat.choices, blank=True)
    skip_invalid = models.BooleanField(default=False)
    status = models.CharField(
        max_length=9, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    file = models.FileField(upload_to="imports/", max_length=500)
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the stale-job check sent its task again (its message was lost or its worker died).
    requeued_at = models.DateTimeField(null=True, blank=True)
    # When its task was handed to the broker (the outbox sends queued jobs where this is empty).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Progress, written from a separate connection while the import transaction is open.
    percent = models.PositiveSmallIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    rows_stored = models.BigIntegerField(default=0)
    rows_unchanged = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    warning_count = models.BigIntegerField(default=0)
    # What the reader found: encoding, delimiter, the header as written, ignored columns.
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    header = models.JSONField(default=list, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    # The earliest and latest date touched (old and new values), for KPI recomputation.
    affected_start = models.DateTimeField(null=True, blank=True)
    affected_end = models.DateTimeField(null=True, blank=True)
    # The mapping file (SPEC 3.1) given with the upload, or the saved one the import used.
    mapping = models.JSONField(null=True, blank=True)
    mapping_digest = models.CharField(max_length=64, blank=True, default="")
    mapping_origin = models.CharField(
        max_length=8, choices=MappingOrigin.choices, blank=True, default=""
    )
    # Save the given mapping for every later file with the same header.
    save_mapping = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ProblemSeverity(models.TextChoices):
    ERROR = "error"
    WARNING = "warning"


class ImportProblem(models.Model):
    """`row N, column C: message`; row 0 means the file as a whole, row 1 is the header."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    severity = models.CharField(max_length=7, choices=ProblemSeverity.choices)
    row_number = models.BigIntegerField()
    column = models.TextField(blank=True)
    message = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["job", "severity", "row_number"])]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        if self.row_number == 0:
            return f"file: {self.message}"
        return f"row {self.row_number}, column {self.column}: {self.message}"


class ImportRejectedRow(models.Model):
    """A rejected row exactly as it was in the file, for the rejected-rows download."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.BigIntegerField()
    values = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"row {self.row_number}"


class ColumnMapping(models.Model):
    """A saved mapping (SPEC 3.1) of a kind and format.

    With a `header_signature`, it serves the files whose header is that one (found
    automatically, also when the kind and format are detected); without, it holds the
    workspace's own column names for every file of the kind and format (applied on top of the
    format's names, so it serves both "any other CSV" and CRM custom fields).
    """

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    # SHA-256 of the header's column names as compared (see importers.mapping_files).
    header_signature = models.CharField(max_length=64, blank=True, default="", db_default="")
    header = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=dict)
    values = models.JSONField(default=dict, blank=True)
    constants = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, blank=True, default="")
    decimal = models.CharField(max_length=1, blank=True, default="")
    empty = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "format", "header_signature"], name="column_mapping_kind_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.format})"
