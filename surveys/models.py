"""Surveys of a workspace: alignment pulse surveys for team members, NPS/CSAT for customers.

Who was invited and whether they answered (`Invitee`) is kept apart from what was answered
(`Response`, `Answer`): no user, email, token, IP address or user agent is stored with an
answer, answers get random ids, and neither side keeps a time finer than the day.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models

from .scoring import MIN_ANONYMITY_THRESHOLD

DEFAULT_ANONYMITY_THRESHOLD = 5


def public_id_new() -> str:
    return secrets.token_urlsafe(16)  # 128 bits


class SurveyKind(models.TextChoices):
    ALIGNMENT = "alignment", "Alignment pulse"
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Recurrence(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Every six months"
    YEARLY = "yearly", "Yearly"


RECURRENCE_MONTHS = {
    Recurrence.MONTHLY: 1,
    Recurrence.QUARTERLY: 3,
    Recurrence.SEMIANNUAL: 6,
    Recurrence.YEARLY: 12,
}


def default_reminder_days() -> list[int]:
    return [3, 5]


class SurveySchedule(models.Model):
    """A recurring survey: Celery beat opens a new wave from it every `recurrence`."""

    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True, default="")
    statements = models.JSONField(default=list, help_text='[{"topic": ..., "text": ...}]')
    invite_teams = models.JSONField(default=list)
    invite_user_ids = models.JSONField(default=list)
    anonymity_threshold = models.PositiveSmallIntegerField(default=DEFAULT_ANONYMITY_THRESHOLD)
    reminder_days = models.JSONField(default=default_reminder_days)
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices)
    wave_days = models.PositiveSmallIntegerField(default=14)
    next_run_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    site_url = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.title} ({self.recurrence})"


class Survey(models.Model):
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    anonymity_threshold = models.PositiveSmallIntegerField(default=DEFAULT_ANONYMITY_THRESHOLD)
    invite_teams = models.JSONField(default=list, blank=True)
    invite_user_ids = models.JSONField(default=list, blank=True)
    reminder_days = models.JSONField(default=default_reminder_days, blank=True)
    public_id = models.CharField(max_length=32, unique=True, default=public_id_new)
    public_link_enabled = models.BooleanField(default=False)
    # Where links in emails point (the workspace host the survey was created on).
    site_url = models.CharField(max_length=200, blank=True, default="")
    schedule = models.ForeignKey(
        SurveySchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="waves"
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymity_threshold__gte=MIN_ANONYMITY_THRESHOLD),
                name="survey_anonymity_threshold_min",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_customer_survey(self) -> bool:
        return self.kind in (SurveyKind.NPS, SurveyKind.CSAT)

    @property
    def scale(self) -> tuple[int, int]:
        return {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}.get(SurveyKind(self.kind), (1, 5))


class Statement(models.Model):
    """A Likert 1–5 statement of an alignment survey (from the question bank or custom)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=40, default="custom")
    text = models.TextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="statement_position_key")
        ]

    def __str__(self) -> str:
        return self.text


class Invitee(models.Model):
    """Invitation tracking: who was invited and whether they answered, never what."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    team = models.CharField(max_length=12, blank=True, default="")
    lead_id = models.TextField(blank=True, default="")
    # The link's token is an HMAC of this nonce (see surveys.tokens); only its hash is looked up.
    nonce = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invitation_sent_on = models.DateField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    responded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "email"], name="invitee_survey_email_key")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.survey}"


class ResultRelease(models.Model):
    """A step in which a survey's pending answers joined its results.

    Results are read from released answers only, so they change in steps that cannot isolate
    one answer: an alignment wave releases once, when it closes; a customer survey whenever at
    least `anonymity_threshold` answers are pending (and what is left when it closes, if that is
    at least the threshold too). See docs/surveys.md, "Releases".
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField()
    # The UTC day: release months never move when the workspace changes its time zone.
    released_on = models.DateField()
    responses_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="release_survey_number_key")
        ]

    def __str__(self) -> str:
        return f"Release {self.number} of {self.survey}"


class Response(models.Model):
    """One answered survey. Random id; the day only; no person, token, IP or user agent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    team = models.CharField(max_length=12, blank=True, default="")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    # Customer surveys only: the lead a personal link was sent for (NPS by source).
    lead_id = models.TextField(blank=True, default="")
    submitted_on = models.DateField()
    # Null while pending: no result shows the answer until its release.
    release = models.ForeignKey(
        ResultRelease,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    # Customer surveys: the lead's source, campaign and owner frozen when the answer is released
    # ("(no lead)" without one), so a later import cannot move a released answer between groups.
    source_group = models.TextField(blank=True, default="")
    campaign_group = models.TextField(blank=True, default="")
    owner_group = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["survey", "release"], name="response_survey_release_idx")]

    def __str__(self) -> str:
        return f"Response to {self.survey}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="answers")
    value = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="answer_response_statement_key"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=5), name="answer_value_likert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value}"


# Groups of a customer answer's lead (NPS by source, campaign, owner).
NO_LEAD_GROUP = "(no lead)"  # a public answer, or a lead id no imported lead has
NO_VALUE_GROUP = "(none)"  # the lead has no campaign (or owner)
